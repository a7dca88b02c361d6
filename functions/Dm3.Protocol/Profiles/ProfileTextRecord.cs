using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;

namespace Dm3.Protocol.Profiles;

/// <summary>The three value syntaxes of a dm3 profile text record (W§3.3).</summary>
public enum ProfileRecordKind
{
    /// <summary><c>data:application/json[;charset=…][;base64],&lt;json&gt;</c>: the JSON is inline.</summary>
    InlineJson,

    /// <summary><c>http(s)://…?dm3Hash=&lt;h&gt;</c>: fetch the URL; the result must hash to h.</summary>
    HashedUrl,

    /// <summary><c>ipfs://&lt;cid&gt;</c>.</summary>
    Ipfs,
}

/// <summary>A classified text record value. <see cref="Json"/> is set for inline values, <see cref="Url"/> and <see cref="ExpectedHash"/> for hashed URLs.</summary>
public sealed record ProfileRecordValue(ProfileRecordKind Kind, string? Json, string? Url, string? ExpectedHash);

/// <summary>
/// Text records <c>network.dm3.profile</c> / <c>network.dm3.deliveryService</c> (W§3.3). We write only
/// <c>"data:application/json," + canonical JSON</c>; readers accept the three forms in the order of W§3.3.
/// </summary>
public static class ProfileTextRecord
{
    public const string ProfileKey = "network.dm3.profile";
    public const string DeliveryServiceKey = "network.dm3.deliveryService";
    public const string DataPrefix = "data:application/json,";

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>The record value we publish: the JSON follows the comma raw (no percent-encoding, no base64).</summary>
    public static string Encode(string canonicalJson)
    {
        ArgumentNullException.ThrowIfNull(canonicalJson);
        return DataPrefix + canonicalJson;
    }

    /// <summary>Classifies a record value: inline data URI (decoded), hashed http(s) URL, or ipfs. Anything else is an error.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out ProfileRecordValue? result, [NotNullWhen(false)] out ProtocolError? error)
    {
        result = null;
        if (string.IsNullOrEmpty(value))
        {
            error = new ProtocolError("record.empty", "The text record is empty.");
            return false;
        }

        if (value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!TryGetDm3Hash(value, out var hash, out error))
            {
                return false;
            }

            result = new ProfileRecordValue(ProfileRecordKind.HashedUrl, null, value, hash);
            return true;
        }

        if (value.StartsWith("ipfs://", StringComparison.OrdinalIgnoreCase))
        {
            if (value.Length == "ipfs://".Length)
            {
                error = new ProtocolError("record.bad_ipfs", "The ipfs:// record names no content.");
                return false;
            }

            result = new ProfileRecordValue(ProfileRecordKind.Ipfs, null, value, null);
            error = null;
            return true;
        }

        if (!TryReadInlineJson(value, out var json, out error))
        {
            return false;
        }

        result = new ProfileRecordValue(ProfileRecordKind.InlineJson, json, null, null);
        return true;
    }

    /// <summary>
    /// Reads an inline <c>data:application/json[;charset=utf-8][;base64],…</c> value and returns the JSON text.
    /// Remote forms (http, ipfs), other media types, other charsets and malformed data URIs are precise errors.
    /// </summary>
    public static bool TryReadInlineJson(string? value, [NotNullWhen(true)] out string? json, [NotNullWhen(false)] out ProtocolError? error)
    {
        json = null;
        if (string.IsNullOrEmpty(value))
        {
            error = new ProtocolError("record.empty", "The text record is empty.");
            return false;
        }

        if (value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("ipfs://", StringComparison.OrdinalIgnoreCase))
        {
            error = new ProtocolError("record.not_inline", "The record points to remote content; it is not an inline data: URI.");
            return false;
        }

        if (!value.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            error = new ProtocolError("record.unsupported_scheme", "The record is neither a data: URI, an http(s) URL with dm3Hash nor an ipfs:// link.");
            return false;
        }

        var comma = value.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            error = new ProtocolError("record.bad_data_uri", "The data: URI has no comma before its data.");
            return false;
        }

        var header = value["data:".Length..comma].Split(';');
        if (!header[0].Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            error = new ProtocolError("record.bad_media_type", "The data: URI media type must be application/json.");
            return false;
        }

        var base64 = false;
        var charsetSeen = false;
        for (var i = 1; i < header.Length; i++)
        {
            var parameter = header[i];
            if (parameter.Equals("base64", StringComparison.OrdinalIgnoreCase) && i == header.Length - 1)
            {
                base64 = true;
            }
            else if (!charsetSeen && parameter.StartsWith("charset=", StringComparison.OrdinalIgnoreCase))
            {
                var charset = parameter["charset=".Length..].Trim('"');
                if (!charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
                {
                    error = new ProtocolError("record.unsupported_charset", "Only the utf-8 charset is supported in a data: URI.");
                    return false;
                }

                charsetSeen = true;
            }
            else
            {
                error = new ProtocolError("record.bad_data_uri", "The data: URI has an unsupported parameter (only one charset=utf-8 and a final ;base64 are allowed).");
                return false;
            }
        }

        var data = value[(comma + 1)..];
        if (!base64)
        {
            json = data;
            error = null;
            return true;
        }

        if (!Base64Std.TryDecode(data, out var bytes))
        {
            error = new ProtocolError("record.bad_base64", "The ;base64 data: URI does not hold standard base64.");
            return false;
        }

        try
        {
            json = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            error = new ProtocolError("record.bad_utf8", "The ;base64 data: URI does not decode to UTF-8 text.");
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Reads a <c>network.dm3.profile</c> inline record into a SignedUserProfile.</summary>
    public static bool TryReadSignedUserProfile(string? value, [NotNullWhen(true)] out SignedUserProfile? profile, [NotNullWhen(false)] out ProtocolError? error)
    {
        profile = null;
        return TryReadInlineJson(value, out var json, out error) && SignedUserProfile.TryParse(json, out profile, out error);
    }

    /// <summary>Reads a <c>network.dm3.deliveryService</c> inline record into a DeliveryServiceProfile.</summary>
    public static bool TryReadDeliveryServiceProfile(string? value, [NotNullWhen(true)] out DeliveryServiceProfile? profile, [NotNullWhen(false)] out ProtocolError? error)
    {
        profile = null;
        return TryReadInlineJson(value, out var json, out error) && DeliveryServiceProfile.TryParse(json, out profile, out error);
    }

    /// <summary>
    /// The integrity rule of hashed URLs: <paramref name="fetchedJson"/> (the body fetched from <paramref name="url"/>)
    /// is valid only if sha256(UTF-8(canonical(fetched))) equals the URL's <c>dm3Hash</c> query parameter.
    /// Pure: the caller does the fetching. On success returns the canonical JSON text.
    /// </summary>
    public static bool TryCheckHashedUrl(string? url, string? fetchedJson, [NotNullWhen(true)] out string? canonicalJson, [NotNullWhen(false)] out ProtocolError? error)
    {
        canonicalJson = null;
        if (url is null || !(url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase)))
        {
            error = new ProtocolError("record.not_hashed_url", "The value is not an http(s) URL.");
            return false;
        }

        if (!TryGetDm3Hash(url, out var expected, out error))
        {
            return false;
        }

        if (fetchedJson is null)
        {
            error = new ProtocolError("record.bad_fetched_json", "No content was fetched.");
            return false;
        }

        if (!CanonicalJson.TryCanonicalize(fetchedJson, out var canonical, out var parseError))
        {
            error = new ProtocolError("record.bad_fetched_json", "The fetched content is not valid JSON: " + parseError.Message);
            return false;
        }

        var actual = Hashes.Sha256(System.Text.Encoding.UTF8.GetBytes(canonical));
        if (!Hex.TryDecode(expected, out var expectedBytes) || !CryptographicOperations.FixedTimeEquals(actual, expectedBytes))
        {
            error = new ProtocolError("record.hash_mismatch", "The fetched JSON does not match the URL's dm3Hash.");
            return false;
        }

        canonicalJson = canonical;
        error = null;
        return true;
    }

    /// <summary>Extracts the single <c>dm3Hash</c> query parameter (0x + 64 hex digits, either case).</summary>
    private static bool TryGetDm3Hash(string url, [NotNullWhen(true)] out string? hash, [NotNullWhen(false)] out ProtocolError? error)
    {
        hash = null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = new ProtocolError("record.bad_url", "The record is not a valid absolute http(s) URL.");
            return false;
        }

        var query = uri.Query.StartsWith('?') ? uri.Query[1..] : uri.Query;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? pair : pair[..eq];
            if (name != "dm3Hash")
            {
                continue;
            }

            if (hash is not null)
            {
                error = new ProtocolError("record.bad_dm3hash", "The URL carries dm3Hash more than once.");
                hash = null;
                return false;
            }

            hash = eq < 0 ? string.Empty : pair[(eq + 1)..];
        }

        if (hash is null)
        {
            error = new ProtocolError("record.missing_dm3hash", "An http(s) profile record must carry ?dm3Hash=<sha256>.");
            return false;
        }

        if (hash.Length != 66 || !Hex.TryDecode(hash, out var bytes) || bytes.Length != 32)
        {
            error = new ProtocolError("record.bad_dm3hash", "dm3Hash must be 0x followed by 64 hex digits.");
            hash = null;
            return false;
        }

        error = null;
        return true;
    }
}
