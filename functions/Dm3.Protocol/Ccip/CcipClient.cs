using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Dm3.Protocol.Abi;
using Dm3.Protocol.Encoding;

namespace Dm3.Protocol.Ccip;

/// <summary>One gateway request of an EIP-3668 client: GET <see cref="Url"/>, or POST <see cref="PostBody"/> to it.</summary>
public sealed record CcipGatewayRequestForm(string Url, string? PostBody)
{
    public bool IsPost => PostBody is not null;
}

/// <summary>
/// The pure parts of an EIP-3668 client: URL templates (<c>{sender}</c>, <c>{data}</c>; GET when the template holds
/// <c>{data}</c>, POST <c>{"data","sender"}</c> otherwise), the gateway's <c>{"data":"0x…"}</c> answer, and the callback
/// call <c>callbackFunction(bytes response, bytes extraData)</c>. The caller does the HTTP and the <c>eth_call</c>s.
/// </summary>
public static class CcipClient
{
    /// <summary>EIP-3668: clients MUST follow at least (and we follow at most) 4 nested lookups.</summary>
    public const int MaxNestedLookups = 4;

    /// <summary>Expands a URL template for the lookup's sender (lower-case) and calldata (0x, lower-case hex).</summary>
    public static CcipGatewayRequestForm BuildRequest(string urlTemplate, ReadOnlySpan<byte> sender20, ReadOnlySpan<byte> callData)
    {
        ArgumentNullException.ThrowIfNull(urlTemplate);
        var sender = Hex.Encode(sender20);
        var url = urlTemplate.Replace("{sender}", sender, StringComparison.Ordinal);
        if (url.Contains("{data}", StringComparison.Ordinal))
        {
            return new CcipGatewayRequestForm(url.Replace("{data}", Hex.Encode(callData), StringComparison.Ordinal), null);
        }

        return new CcipGatewayRequestForm(url, CcipHttp.FormatPostBody(sender20, callData));
    }

    /// <summary>Reads a gateway's success body <c>{"data":"0x…"}</c> (other members ignored, duplicates rejected).</summary>
    public static bool TryParseResponseBody(ReadOnlySpan<byte> utf8Json, [NotNullWhen(true)] out byte[]? data, [NotNullWhen(false)] out ProtocolError? error)
    {
        data = null;
        string? hex = null;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = new ProtocolError("ccip.response.malformed", "The gateway answer is not a JSON object.");
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isData = reader.ValueTextEquals("data"u8);
                reader.Read();
                if (!isData)
                {
                    reader.Skip();
                    continue;
                }

                if (hex is not null || reader.TokenType != JsonTokenType.String)
                {
                    error = new ProtocolError("ccip.response.malformed", "The gateway answer's data member is repeated or not a string.");
                    return false;
                }

                hex = reader.GetString();
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = new ProtocolError("ccip.response.malformed", "The gateway answer has content after the JSON object.");
                return false;
            }
        }
        catch (JsonException)
        {
            error = new ProtocolError("ccip.response.malformed", "The gateway answer is not valid JSON.");
            return false;
        }

        if (hex is null || !Hex.TryDecode(hex, out data))
        {
            error = new ProtocolError("ccip.response.bad_data", "The gateway answer has no 0x-hex data member.");
            return false;
        }

        error = null;
        return true;
    }

    /// <summary><c>callbackFunction(bytes response, bytes extraData)</c>, sent to the lookup's sender.</summary>
    public static byte[] CallbackCall(uint callbackFunction, ReadOnlySpan<byte> response, ReadOnlySpan<byte> extraData) =>
        AbiCodec.EncodeCall(callbackFunction, new AbiValue.Bytes(response), new AbiValue.Bytes(extraData));

    /// <summary>True when revert data starts with the <c>OffchainLookup</c> selector.</summary>
    public static bool IsOffchainLookup(ReadOnlySpan<byte> revertData) =>
        AbiCodec.TryReadSelector(revertData, out var selector) && selector == Selectors.OffchainLookup;
}
