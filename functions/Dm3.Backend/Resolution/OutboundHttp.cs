namespace Dm3.Backend.Resolution;

/// <summary>Who chose the URL: it decides which outbound policy applies (decisions §36).</summary>
public enum OutboundOrigin
{
    /// <summary>A URL from chain data or a profile (EIP-3668 gateways, https profile records, DS URLs): the full policy.</summary>
    ChainData,

    /// <summary>An endpoint the operator configured (the Ethereum JSON-RPC URL): size and time limits only.</summary>
    Operator,
}

/// <summary>One outbound request: GET, or POST of <see cref="JsonBody"/> as <c>application/json</c>.</summary>
public sealed record OutboundRequest(Uri Url, string? JsonBody, OutboundOrigin Origin = OutboundOrigin.ChainData);

public enum OutboundStatus
{
    /// <summary>An HTTP answer arrived (any status code); <see cref="OutboundResponse.Body"/> holds at most the size limit.</summary>
    Answered,

    /// <summary>The policy refused the request before any byte was sent (scheme, address, redirect, size).</summary>
    Refused,

    /// <summary>Network failure or timeout.</summary>
    Failed,
}

/// <summary>The outcome of an outbound request; <see cref="Reason"/> explains a refusal or failure (never secrets).</summary>
public sealed record OutboundResponse(OutboundStatus Status, int StatusCode, byte[] Body, string? Reason)
{
    public static OutboundResponse Refused(string reason) => new(OutboundStatus.Refused, 0, [], reason);

    public static OutboundResponse Failed(string reason) => new(OutboundStatus.Failed, 0, [], reason);
}

/// <summary>
/// Port for HTTP requests to URLs this backend does not control. The adapter enforces decisions §36: https only, public
/// addresses only (every resolved IP checked before connecting), no redirect to another host, bounded size and time;
/// plain http and loopback/private addresses only when its settings allow them (tests).
/// </summary>
public interface IOutboundHttp
{
    Task<OutboundResponse> SendAsync(OutboundRequest request, CancellationToken cancellationToken);
}
