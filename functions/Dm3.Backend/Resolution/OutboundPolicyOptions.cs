namespace Dm3.Backend.Resolution;

/// <summary>The outbound-request policy (decisions §36), section <c>Outbound</c>.</summary>
public sealed class OutboundPolicyOptions
{
    public const string SectionName = "Outbound";

    /// <summary>Allow plain <c>http</c> URLs (tests and local runs only).</summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Allow loopback, private (RFC 1918), CGNAT and IPv6 ULA addresses (tests and local runs only). Link-local (cloud
    /// metadata), multicast, unspecified and reserved addresses are refused whatever this says.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Largest accepted response body (256 KiB).</summary>
    public int MaxResponseBytes { get; set; } = 256 * 1024;

    public int ConnectTimeoutSeconds { get; set; } = 5;

    /// <summary>Total time of one request including redirects and reading the body.</summary>
    public int RequestTimeoutSeconds { get; set; } = 10;

    /// <summary>Redirects followed per request, to the same host only.</summary>
    public int MaxRedirects { get; set; } = 3;
}
