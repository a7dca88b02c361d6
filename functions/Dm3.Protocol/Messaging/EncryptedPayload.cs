using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Dm3.Protocol.Json;

namespace Dm3.Protocol.Messaging;

/// <summary>
/// dm3 <c>EncryptedPayload</c> (W§6): <c>ciphertext</c> (base64 of ciphertext ‖ tag), <c>nonce</c> (0x-hex, 12 bytes)
/// and, for asymmetric payloads, <c>ephemPublicKey</c> (base64, 32 bytes). Embedded in other objects as its canonical
/// JSON string (<see cref="ToCanonicalJson"/>).
/// </summary>
public sealed record EncryptedPayload(string Ciphertext, string Nonce, string? EphemPublicKey)
{
    private const string What = "encryptedPayload";
    private static readonly string[] Required = ["ciphertext", "nonce"];
    private static readonly string[] Optional = ["ephemPublicKey"];

    /// <summary>The canonical JSON text with keys <c>ciphertext</c>, <c>ephemPublicKey</c>, <c>nonce</c>.</summary>
    public string ToCanonicalJson() => CanonicalJson.Serialize(ToJsonObject());

    public JsonObject ToJsonObject()
    {
        var o = new JsonObject { ["ciphertext"] = Ciphertext };
        if (EphemPublicKey is not null)
        {
            o["ephemPublicKey"] = EphemPublicKey;
        }

        o["nonce"] = Nonce;
        return o;
    }

    /// <summary>Parses the JSON text of a payload (closed object; member types checked; encodings are checked on decryption).</summary>
    public static bool TryParse(string? json, [NotNullWhen(true)] out EncryptedPayload? payload, [NotNullWhen(false)] out ProtocolError? error)
    {
        payload = null;
        if (!JsonShape.TryParseObject(json, What, out var obj, out error))
        {
            return false;
        }

        return TryFromJson(obj, out payload, out error);
    }

    public static EncryptedPayload Parse(string json) =>
        TryParse(json, out var p, out var e) ? p : throw new ProtocolFormatException(e);

    internal static bool TryFromJson(JsonObject obj, [NotNullWhen(true)] out EncryptedPayload? payload, [NotNullWhen(false)] out ProtocolError? error)
    {
        payload = null;
        if (!JsonShape.CheckMembers(obj, What, Required, Optional, out error)
            || !JsonShape.TryString(obj, What, "ciphertext", out var ciphertext, out error)
            || !JsonShape.TryString(obj, What, "nonce", out var nonce, out error)
            || !JsonShape.TryOptionalString(obj, What, "ephemPublicKey", out var ephem, out error))
        {
            return false;
        }

        payload = new EncryptedPayload(ciphertext, nonce, ephem);
        return true;
    }
}
