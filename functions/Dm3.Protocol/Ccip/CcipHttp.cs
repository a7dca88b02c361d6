using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;

namespace Dm3.Protocol.Ccip;

/// <summary>The sender and calldata of a gateway HTTP request (before <see cref="CcipRequest.TryDecode"/>).</summary>
public sealed record CcipGatewayCall(byte[] Sender, byte[] Calldata)
{
    public bool Equals(CcipGatewayCall? other) =>
        other is not null && Sender.AsSpan().SequenceEqual(other.Sender) && Calldata.AsSpan().SequenceEqual(other.Calldata);

    public override int GetHashCode() => HashCode.Combine(Sender.Length, Calldata.Length);
}

/// <summary>
/// EIP-3668 gateway HTTP forms (W§12.2): GET <c>/{sender}/{data}</c> with one optional trailing <c>.json</c>, and POST
/// <c>{"data":"0x…","sender":"0x…"}</c>. Hex may be upper or lower case; calldata with an odd number of hex digits or
/// more than the configured maximum of hex digits is rejected. Parsers never throw.
/// </summary>
public static class CcipHttp
{
    /// <summary>Default calldata limit: 16 KiB of hex digits (8 KiB of calldata), decisions §16.</summary>
    public const int DefaultMaxCalldataHexChars = 16 * 1024;

    private const string JsonSuffix = ".json";

    /// <summary>
    /// Parses a path <c>/{sender}/{data}</c> or <c>/{sender}/{data}.json</c> relative to the gateway base
    /// (the caller strips the base path and query string).
    /// </summary>
    public static bool TryParseGetPath(
        string? path,
        [NotNullWhen(true)] out CcipGatewayCall? call,
        [NotNullWhen(false)] out ProtocolError? error,
        int maxCalldataHexChars = DefaultMaxCalldataHexChars)
    {
        call = null;
        if (path is null || path.Length < 2 || path[0] != '/')
        {
            error = new ProtocolError("ccip.path.malformed", "The path is not /{sender}/{data}.");
            return false;
        }

        // Bound the work before splitting: sender (42) + data + separators + suffix.
        if (path.Length > maxCalldataHexChars + 64)
        {
            error = new ProtocolError("ccip.calldata_too_large", $"The calldata exceeds {maxCalldataHexChars} hex digits.");
            return false;
        }

        var rest = path.AsSpan(1);
        var slash = rest.IndexOf('/');
        if (slash < 0)
        {
            error = new ProtocolError("ccip.path.malformed", "The path is not /{sender}/{data}.");
            return false;
        }

        var sender = rest[..slash];
        var data = rest[(slash + 1)..];
        if (data.IndexOf('/') >= 0)
        {
            error = new ProtocolError("ccip.path.malformed", "The path has more than two segments.");
            return false;
        }

        if (data.EndsWith(JsonSuffix, StringComparison.Ordinal))
        {
            data = data[..^JsonSuffix.Length];
        }

        return TryParseParts(sender, data, maxCalldataHexChars, out call, out error);
    }

    /// <summary>Parses the two route values of a GET request (the data may still carry one <c>.json</c> suffix).</summary>
    public static bool TryParseGetSegments(
        string? sender,
        string? data,
        [NotNullWhen(true)] out CcipGatewayCall? call,
        [NotNullWhen(false)] out ProtocolError? error,
        int maxCalldataHexChars = DefaultMaxCalldataHexChars)
    {
        call = null;
        if (sender is null || data is null)
        {
            error = new ProtocolError("ccip.path.malformed", "The sender or data segment is missing.");
            return false;
        }

        var d = data.AsSpan();
        if (d.EndsWith(JsonSuffix, StringComparison.Ordinal))
        {
            d = d[..^JsonSuffix.Length];
        }

        return TryParseParts(sender, d, maxCalldataHexChars, out call, out error);
    }

    /// <summary>
    /// Parses a POST body <c>{"data":"0x…","sender":"0x…"}</c>. Both members are required strings; duplicate members,
    /// invalid JSON or trailing content are rejected; other members are ignored.
    /// </summary>
    public static bool TryParsePostBody(
        string? json,
        [NotNullWhen(true)] out CcipGatewayCall? call,
        [NotNullWhen(false)] out ProtocolError? error,
        int maxCalldataHexChars = DefaultMaxCalldataHexChars)
    {
        call = null;
        if (json is null)
        {
            error = new ProtocolError("ccip.body.malformed", "The body is missing.");
            return false;
        }

        if (json.Length > maxCalldataHexChars + 1024)
        {
            error = new ProtocolError("ccip.calldata_too_large", $"The body is larger than a request with {maxCalldataHexChars} hex digits of calldata.");
            return false;
        }

        return TryParsePostBody(System.Text.Encoding.UTF8.GetBytes(json), out call, out error, maxCalldataHexChars);
    }

    /// <summary>Parses a UTF-8 POST body (see the string overload).</summary>
    public static bool TryParsePostBody(
        ReadOnlySpan<byte> utf8Json,
        [NotNullWhen(true)] out CcipGatewayCall? call,
        [NotNullWhen(false)] out ProtocolError? error,
        int maxCalldataHexChars = DefaultMaxCalldataHexChars)
    {
        call = null;
        if (utf8Json.Length > maxCalldataHexChars + 1024)
        {
            error = new ProtocolError("ccip.calldata_too_large", $"The body is larger than a request with {maxCalldataHexChars} hex digits of calldata.");
            return false;
        }

        string? data = null;
        string? sender = null;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = new ProtocolError("ccip.body.malformed", "The body is not a JSON object.");
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isData = reader.ValueTextEquals("data"u8);
                var isSender = !isData && reader.ValueTextEquals("sender"u8);
                reader.Read();
                if (isData || isSender)
                {
                    if ((isData && data is not null) || (isSender && sender is not null))
                    {
                        error = new ProtocolError("ccip.body.duplicate_key", "The body repeats a member.");
                        return false;
                    }

                    if (reader.TokenType != JsonTokenType.String)
                    {
                        error = new ProtocolError("ccip.body.malformed", "data and sender must be strings.");
                        return false;
                    }

                    var text = reader.GetString()!;
                    if (isData)
                    {
                        data = text;
                    }
                    else
                    {
                        sender = text;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            // The loop ends at EndObject; nothing may follow it.
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = new ProtocolError("ccip.body.malformed", "The body has content after the JSON object.");
                return false;
            }
        }
        catch (JsonException)
        {
            error = new ProtocolError("ccip.body.malformed", "The body is not valid JSON.");
            return false;
        }
        catch (InvalidOperationException)
        {
            error = new ProtocolError("ccip.body.malformed", "The body is not valid JSON.");
            return false;
        }

        if (data is null || sender is null)
        {
            error = new ProtocolError("ccip.body.missing_member", "The body needs both data and sender.");
            return false;
        }

        return TryParseParts(sender, data, maxCalldataHexChars, out call, out error);
    }

    /// <summary>The GET path for the URL template <c>{sender}/{data}.json</c> (lower-case hex).</summary>
    public static string FormatGetPath(ReadOnlySpan<byte> sender20, ReadOnlySpan<byte> calldata, bool jsonSuffix = true) =>
        "/" + Hex.Encode(CheckSender(sender20)) + "/" + Hex.Encode(calldata) + (jsonSuffix ? JsonSuffix : string.Empty);

    /// <summary>The POST body <c>{"data":"0x…","sender":"0x…"}</c>.</summary>
    public static string FormatPostBody(ReadOnlySpan<byte> sender20, ReadOnlySpan<byte> calldata) =>
        "{\"data\":\"" + Hex.Encode(calldata) + "\",\"sender\":\"" + Hex.Encode(CheckSender(sender20)) + "\"}";

    /// <summary>The success body <c>{"data":"0x…"}</c>.</summary>
    public static string DataBody(ReadOnlySpan<byte> responseData) => "{\"data\":\"" + Hex.Encode(responseData) + "\"}";

    /// <summary>The error body <c>{"message":"…"}</c> (the message is JSON-escaped).</summary>
    public static string ErrorBody(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return "{\"message\":" + CanonicalJson.SerializeString(message) + "}";
    }

    private static ReadOnlySpan<byte> CheckSender(ReadOnlySpan<byte> sender20) =>
        sender20.Length == 20 ? sender20 : throw new ArgumentException("The sender is a 20-byte address.", nameof(sender20));

    private static bool TryParseParts(
        ReadOnlySpan<char> sender,
        ReadOnlySpan<char> data,
        int maxCalldataHexChars,
        [NotNullWhen(true)] out CcipGatewayCall? call,
        [NotNullWhen(false)] out ProtocolError? error)
    {
        call = null;
        if (sender.Length != 42 || !sender.StartsWith("0x", StringComparison.Ordinal) || !TryDecodeHex(sender[2..], out var senderBytes))
        {
            error = new ProtocolError("ccip.sender.malformed", "The sender is not 0x followed by 40 hex digits.");
            return false;
        }

        if (!data.StartsWith("0x", StringComparison.Ordinal))
        {
            error = new ProtocolError("ccip.calldata_malformed", "The calldata does not start with 0x.");
            return false;
        }

        var digits = data[2..];
        if (digits.Length > maxCalldataHexChars)
        {
            error = new ProtocolError("ccip.calldata_too_large", $"The calldata exceeds {maxCalldataHexChars} hex digits.");
            return false;
        }

        foreach (var c in digits)
        {
            if (Nibble(c) < 0)
            {
                error = new ProtocolError("ccip.calldata_malformed", "The calldata is not hexadecimal.");
                return false;
            }
        }

        if (digits.Length % 2 != 0 || !TryDecodeHex(digits, out var calldata))
        {
            error = new ProtocolError("ccip.calldata_odd_length", "The calldata has an odd number of hex digits.");
            return false;
        }

        call = new CcipGatewayCall(senderBytes, calldata);
        error = null;
        return true;
    }

    private static bool TryDecodeHex(ReadOnlySpan<char> digits, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        if (digits.Length % 2 != 0)
        {
            return false;
        }

        var result = new byte[digits.Length / 2];
        for (var i = 0; i < result.Length; i++)
        {
            var hi = Nibble(digits[2 * i]);
            var lo = Nibble(digits[(2 * i) + 1]);
            if ((hi | lo) < 0)
            {
                return false;
            }

            result[i] = (byte)((hi << 4) | lo);
        }

        bytes = result;
        return true;
    }

    private static int Nibble(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
