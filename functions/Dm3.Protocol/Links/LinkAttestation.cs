using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;

namespace Dm3.Protocol.Links;

/// <summary>
/// The link attestation of linked-profiles §9.1: an opt-in, expiring statement by the main profile that an LSP is
/// linked to it. Signed with the main profile's Ed25519 key over the 66-character text
/// <c>sha256hex(canonical(attestation without signature))</c>; published as the <c>network.dm3.link</c> record
/// <c>"data:application/json," + canonical(attestation)</c> of the LSP name.
/// </summary>
public sealed record LinkAttestation(string MainProfile, string LinkedProfile, string LinkedProfileHash, long IssuedAt, long ExpiresAt, string? Signature = null)
{
    public const string TypeValue = "dm3.link.attestation";
    public const int VersionValue = 1;
    public const int MaxRecordBytes = 2048;
    public const string RecordPrefix = "data:application/json,";
    public static readonly TimeSpan MaxValidity = TimeSpan.FromDays(365);

    private const long MaxSafeInteger = 9007199254740991;
    private static readonly string[] Members = ["type", "version", "mainProfile", "linkedProfile", "linkedProfileHash", "issuedAt", "expiresAt", "signature"];

    /// <summary>The JSON object (with or without the signature member).</summary>
    public JsonObject ToJson(bool includeSignature = true)
    {
        var o = new JsonObject
        {
            ["type"] = TypeValue,
            ["version"] = VersionValue,
            ["mainProfile"] = MainProfile,
            ["linkedProfile"] = LinkedProfile,
            ["linkedProfileHash"] = LinkedProfileHash,
            ["issuedAt"] = IssuedAt,
            ["expiresAt"] = ExpiresAt,
        };
        if (includeSignature && Signature is not null)
        {
            o["signature"] = Signature;
        }

        return o;
    }

    /// <summary>canonical(attestation without signature).</summary>
    public string UnsignedCanonicalJson() => CanonicalJson.Serialize(ToJson(includeSignature: false));

    /// <summary>The signed text: "0x" + sha256 hex of the unsigned canonical JSON.</summary>
    public string HashText() => Hashes.Sha256HexOfUtf8(UnsignedCanonicalJson());

    /// <summary>canonical(attestation) including the signature.</summary>
    public string CanonicalJsonText() => CanonicalJson.Serialize(ToJson());

    /// <summary>Signs with the main profile's Ed25519 private key (64 bytes, libsodium layout).</summary>
    public LinkAttestation Sign(ReadOnlySpan<byte> mainProfilePrivateKey64)
    {
        if (Validate(requireSignature: false) is { } error)
        {
            throw new ProtocolFormatException(error);
        }

        return this with { Signature = Ed25519.SignText(mainProfilePrivateKey64, HashText()) };
    }

    /// <summary>True when <see cref="Signature"/> verifies with the main profile's public signing key. Never throws.</summary>
    public bool VerifySignature(ReadOnlySpan<byte> mainProfilePublicKey32) =>
        Signature is not null && mainProfilePublicKey32.Length == 32 && Validate(requireSignature: true) is null
        && Ed25519.VerifyText(mainProfilePublicKey32, HashText(), Signature);

    /// <summary>The record value; fails when the attestation is invalid or the record exceeds 2048 bytes.</summary>
    public bool TryToRecordValue([NotNullWhen(true)] out string? record, [NotNullWhen(false)] out ProtocolError? error)
    {
        record = null;
        error = Validate(requireSignature: true);
        if (error is not null)
        {
            return false;
        }

        var value = RecordPrefix + CanonicalJsonText();
        if (System.Text.Encoding.UTF8.GetByteCount(value) > MaxRecordBytes)
        {
            error = new ProtocolError("link.attestation_too_large", $"The record is larger than {MaxRecordBytes} bytes.");
            return false;
        }

        record = value;
        return true;
    }

    public string ToRecordValue() => TryToRecordValue(out var r, out var e) ? r : throw new ProtocolFormatException(e);

    /// <summary>Reads a record value written by <see cref="ToRecordValue"/> (exact prefix, canonical JSON, ≤ 2048 bytes).</summary>
    public static bool TryParseRecordValue(string? record, [NotNullWhen(true)] out LinkAttestation? attestation, [NotNullWhen(false)] out ProtocolError? error)
    {
        attestation = null;
        if (record is null || !record.StartsWith(RecordPrefix, StringComparison.Ordinal))
        {
            error = new ProtocolError("link.attestation_record_invalid", "The record does not start with data:application/json,.");
            return false;
        }

        if (System.Text.Encoding.UTF8.GetByteCount(record) > MaxRecordBytes)
        {
            error = new ProtocolError("link.attestation_too_large", $"The record is larger than {MaxRecordBytes} bytes.");
            return false;
        }

        var json = record[RecordPrefix.Length..];
        if (!CanonicalJson.TryParse(json, out var node, out error))
        {
            return false;
        }

        if (!TryParse(node, out attestation, out error))
        {
            return false;
        }

        if (attestation.CanonicalJsonText() != json)
        {
            attestation = null;
            error = new ProtocolError("link.attestation_record_invalid", "The record's JSON is not canonical.");
            return false;
        }

        return true;
    }

    /// <summary>Reads the JSON object (closed: unknown members are rejected; signature required).</summary>
    public static bool TryParse(JsonNode? node, [NotNullWhen(true)] out LinkAttestation? attestation, [NotNullWhen(false)] out ProtocolError? error)
    {
        attestation = null;
        error = null;
        if (node is not JsonObject o)
        {
            error = Invalid("The attestation is not a JSON object.");
            return false;
        }

        foreach (var (key, _) in o)
        {
            if (!Members.Contains(key))
            {
                error = Invalid($"The attestation has the unknown member '{key}'.");
                return false;
            }
        }

        if (JsonFields.Str(o, "type") != TypeValue || JsonFields.Int(o, "version") != VersionValue)
        {
            error = Invalid("The attestation's type or version is wrong.");
            return false;
        }

        var main = JsonFields.Str(o, "mainProfile");
        var linked = JsonFields.Str(o, "linkedProfile");
        var hash = JsonFields.Str(o, "linkedProfileHash");
        var issued = JsonFields.Int(o, "issuedAt");
        var expires = JsonFields.Int(o, "expiresAt");
        var signature = JsonFields.Str(o, "signature");
        if (main is null || linked is null || hash is null || issued is null || expires is null || signature is null)
        {
            error = Invalid("The attestation misses a member or has one of the wrong type.");
            return false;
        }

        var candidate = new LinkAttestation(main, linked, hash, issued.Value, expires.Value, signature);
        error = candidate.Validate(requireSignature: true);
        if (error is not null)
        {
            return false;
        }

        attestation = candidate;
        return true;
    }

    /// <summary>Field rules: names, hash format, 0 &lt; expiresAt − issuedAt ≤ 365 days, base64 64-byte signature.</summary>
    public ProtocolError? Validate(bool requireSignature)
    {
        if (!LspNames.IsAcceptableName(MainProfile, out _))
        {
            return Invalid("mainProfile is not an acceptable name.");
        }

        if (!LspNames.TryParseLspName(LinkedProfile, out _, out _, out _))
        {
            return Invalid("linkedProfile is not an LSP name.");
        }

        if (!LinkObject.IsProfileHash(LinkedProfileHash))
        {
            return Invalid("linkedProfileHash is not 0x + 64 lower-case hex digits.");
        }

        if (IssuedAt < 0 || ExpiresAt > MaxSafeInteger || ExpiresAt <= IssuedAt)
        {
            return Invalid("expiresAt must be after issuedAt (unix seconds).");
        }

        if (ExpiresAt - IssuedAt > (long)MaxValidity.TotalSeconds)
        {
            return new ProtocolError("link.attestation_validity", "An attestation is valid for at most 365 days.");
        }

        if (Signature is null)
        {
            return requireSignature ? Invalid("The attestation is not signed.") : null;
        }

        return Base64Std.TryDecode(Signature, out _, 64) ? null : Invalid("The signature is not base64 of 64 bytes.");
    }

    /// <summary>
    /// Reader rules of §9.2: the attestation is for <paramref name="resolvedName"/>, matches its current profile hash,
    /// has not expired, and verifies with the main profile's currently published signing key.
    /// </summary>
    public ProtocolError? CheckForReader(string resolvedName, string currentProfileHash, DateTimeOffset now, ReadOnlySpan<byte> mainProfilePublicKey32)
    {
        if (Validate(requireSignature: true) is { } e)
        {
            return e;
        }

        if (!string.Equals(LinkedProfile, resolvedName, StringComparison.Ordinal))
        {
            return new ProtocolError("link.attestation_name", "The attestation is for another name.");
        }

        if (!string.Equals(LinkedProfileHash, currentProfileHash, StringComparison.Ordinal))
        {
            return new ProtocolError("link.attestation_hash", "The attestation is for another profile version.");
        }

        if (now.ToUnixTimeSeconds() >= ExpiresAt)
        {
            return new ProtocolError("link.attestation_expired", "The attestation has expired.");
        }

        return VerifySignature(mainProfilePublicKey32) ? null : new ProtocolError("link.attestation_signature", "The attestation's signature does not verify.");
    }

    private static ProtocolError Invalid(string message) => new("link.attestation_invalid", message);
}

/// <summary>Typed reads of JSON members (null when absent or of another type).</summary>
internal static class JsonFields
{
    public static string? Str(JsonObject o, string name) =>
        o.TryGetPropertyValue(name, out var n) && n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>An integral JSON number within ±(2^53 − 1).</summary>
    public static long? Int(JsonObject o, string name)
    {
        if (!o.TryGetPropertyValue(name, out var n) || n is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return null;
        }

        if (!v.TryGetValue<double>(out var d) && !TryReadDouble(v, out d))
        {
            return null;
        }

        return Math.Floor(d) == d && Math.Abs(d) <= 9007199254740991d ? (long)d : null;
    }

    private static bool TryReadDouble(JsonValue v, out double d)
    {
        d = 0;
        if (v.TryGetValue<long>(out var l))
        {
            d = l;
            return true;
        }

        if (v.TryGetValue<int>(out var i))
        {
            d = i;
            return true;
        }

        if (v.TryGetValue<JsonElement>(out var el) && el.ValueKind == JsonValueKind.Number && el.TryGetDouble(out d))
        {
            return true;
        }

        return false;
    }
}
