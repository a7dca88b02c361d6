using System.Text.Json;
using Dm3.Protocol.Encoding;

namespace Dm3.Backend.Resolution;

/// <summary>The outcome of one <c>eth_call</c>.</summary>
public abstract record EthCallResult
{
    private EthCallResult()
    {
    }

    /// <summary>The call returned <paramref name="Data"/>.</summary>
    public sealed record Returned(byte[] Data) : EthCallResult;

    /// <summary>The call reverted with <paramref name="Data"/> (possibly empty).</summary>
    public sealed record Reverted(byte[] Data) : EthCallResult;

    /// <summary>The node could not be asked or answered with an error that is not a revert.</summary>
    public sealed record Failed(string Reason) : EthCallResult;
}

/// <summary>
/// <c>eth_call</c> against the operator's JSON-RPC endpoint (at block "latest"). Reverts are told apart from node
/// errors by the error's <c>data</c> member (geth, anvil, Nethermind and most providers put the revert bytes there).
/// </summary>
public sealed class EthereumRpc
{
    private readonly IOutboundHttp _http;
    private readonly Uri _endpoint;

    public EthereumRpc(IOutboundHttp http, Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(endpoint);
        _http = http;
        _endpoint = endpoint;
    }

    public async Task<EthCallResult> CallAsync(ReadOnlyMemory<byte> to20, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[{\"to\":\"" + Hex.Encode(to20.Span)
            + "\",\"data\":\"" + Hex.Encode(data.Span) + "\"},\"latest\"]}";
        var response = await _http.SendAsync(new OutboundRequest(_endpoint, body, OutboundOrigin.Operator), cancellationToken).ConfigureAwait(false);
        if (response.Status != OutboundStatus.Answered)
        {
            return new EthCallResult.Failed("the JSON-RPC endpoint could not be reached: " + response.Reason);
        }

        return Parse(response.StatusCode, response.Body);
    }

    internal static EthCallResult Parse(int statusCode, byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.String)
            {
                return Hex.TryDecode(result.GetString(), out var bytes)
                    ? new EthCallResult.Returned(bytes)
                    : new EthCallResult.Failed("the JSON-RPC result is not hex");
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                if (TryRevertData(error, out var revert))
                {
                    return new EthCallResult.Reverted(revert);
                }

                var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? "" : "";
                return message.Contains("revert", StringComparison.OrdinalIgnoreCase)
                    ? new EthCallResult.Reverted([])
                    : new EthCallResult.Failed("the JSON-RPC endpoint answered an error");
            }
        }
        catch (JsonException)
        {
        }

        return new EthCallResult.Failed($"the JSON-RPC endpoint answered HTTP {statusCode} without a result");
    }

    private static bool TryRevertData(JsonElement error, out byte[] data)
    {
        data = [];
        if (!error.TryGetProperty("data", out var d))
        {
            return false;
        }

        if (d.ValueKind == JsonValueKind.Object && d.TryGetProperty("data", out var inner))
        {
            d = inner;
        }

        return d.ValueKind == JsonValueKind.String && Hex.TryDecode(d.GetString(), out data!);
    }
}
