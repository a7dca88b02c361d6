namespace Dm3.Backend.Resolution;

/// <summary>Settings of name resolution (section <c>Resolution</c>).</summary>
public sealed class ResolutionOptions
{
    public const string SectionName = "Resolution";

    /// <summary>The Ethereum JSON-RPC endpoint for <c>eth_call</c>; without it only hosted names resolve.</summary>
    public string? RpcUrl { get; set; }

    /// <summary>The ENS registry (the mainnet address by default).</summary>
    public string Registry { get; set; } = Dm3.Protocol.Ens.Ensip10.MainnetRegistry;

    /// <summary>Base URL of the IPFS gateway for <c>ipfs://</c> records (the CID path is appended).</summary>
    public string IpfsGateway { get; set; } = "https://ipfs.io/ipfs/";

    /// <summary>At most this many outbound HTTP requests (gateways, profile fetches) per resolution.</summary>
    public int MaxRequestsPerResolution { get; set; } = 12;

    /// <summary>At most this many delivery services of a profile are resolved.</summary>
    public int MaxDeliveryServices { get; set; } = 4;

    /// <summary>How long a resolved name is served from the cache.</summary>
    public int CacheTtlSeconds { get; set; } = 300;

    /// <summary>How long a name that does not resolve (no resolver, no profile, invalid profile) is served from the cache.</summary>
    public int NegativeCacheTtlSeconds { get; set; } = 60;

    /// <summary>Upper bound of cached names (the cache starts over when full).</summary>
    public int CacheMaxEntries { get; set; } = 10_000;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (RpcUrl is { Length: > 0 } && (!Uri.TryCreate(RpcUrl, UriKind.Absolute, out var rpc) || (rpc.Scheme != Uri.UriSchemeHttps && rpc.Scheme != Uri.UriSchemeHttp)))
        {
            errors.Add("Resolution:RpcUrl must be an absolute http(s) URL.");
        }

        if (!Dm3.Protocol.Crypto.Ethereum.TryParseAddress(Registry, out _, out _, requireChecksumIfMixedCase: false))
        {
            errors.Add("Resolution:Registry must be a 0x address.");
        }

        if (!Uri.TryCreate(IpfsGateway, UriKind.Absolute, out _))
        {
            errors.Add("Resolution:IpfsGateway must be an absolute URL.");
        }

        if (MaxRequestsPerResolution is < 1 or > 100)
        {
            errors.Add("Resolution:MaxRequestsPerResolution must be between 1 and 100.");
        }

        if (MaxDeliveryServices is < 0 or > 16)
        {
            errors.Add("Resolution:MaxDeliveryServices must be between 0 and 16.");
        }

        if (CacheTtlSeconds < 0 || NegativeCacheTtlSeconds < 0 || CacheMaxEntries < 0)
        {
            errors.Add("Resolution cache settings must not be negative.");
        }

        return errors;
    }
}
