using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;

namespace Dm3.Protocol.Messaging;

/// <summary>Which of the two hash members an envelope's metadata carries (W§8.2).</summary>
public enum MessageHashField
{
    /// <summary><c>messageHash</c> = sha256(canonical(plaintext Message)); reference source tree; our clients emit it.</summary>
    MessageHash,

    /// <summary><c>encryptedMessageHash</c> = sha256(canonical(envelope.message)), quotes included; npm 1.7.1.</summary>
    EncryptedMessageHash,
}

/// <summary>
/// dm3 <c>EnvelopeMetadata</c> (W§8.1), read tolerantly (W§8.2): exactly one of <c>messageHash</c> /
/// <c>encryptedMessageHash</c>, no other unknown member. The JSON tree is kept as received so that it can be
/// stored byte-for-byte as signed.
/// </summary>
public sealed class EnvelopeMetadata
{
    private const string What = "envelope.metadata";
    private static readonly string[] Required = ["version", "deliveryInformation", "signature"];
    private static readonly string[] Optional = ["encryptionScheme", "messageHash", "encryptedMessageHash"];

    private EnvelopeMetadata(JsonObject json, string version, string? encryptionScheme, string? encryptedDeliveryInformation, DeliveryInformation? deliveryInformation, MessageHashField hashField, string hash, string signature)
    {
        Json = json;
        Version = version;
        EncryptionScheme = encryptionScheme;
        EncryptedDeliveryInformation = encryptedDeliveryInformation;
        DeliveryInformation = deliveryInformation;
        HashField = hashField;
        Hash = hash;
        Signature = signature;
    }

    /// <summary>The metadata JSON tree as received or built. Do not mutate.</summary>
    public JsonObject Json { get; }

    public string Version { get; }

    public string? EncryptionScheme { get; }

    /// <summary>The EncryptedPayload JSON string when <c>deliveryInformation</c> is still encrypted (as submitted).</summary>
    public string? EncryptedDeliveryInformation { get; }

    /// <summary>The decrypted object when <c>deliveryInformation</c> has been replaced (as stored by a delivery service).</summary>
    public DeliveryInformation? DeliveryInformation { get; }

    public MessageHashField HashField { get; }

    /// <summary>The value of whichever hash member is present; the envelope's id for acknowledgement and deduplication.</summary>
    public string Hash { get; }

    /// <summary>The sender's Ed25519 signature (base64) over <see cref="SignedText"/>.</summary>
    public string Signature { get; }

    /// <summary>The JSON member name of <see cref="HashField"/>.</summary>
    public string HashMemberName => HashField == MessageHashField.MessageHash ? "messageHash" : "encryptedMessageHash";

    /// <summary>Canonical JSON of the metadata without <c>signature</c>.</summary>
    public string SignedText => Message.SignedTextOf(Json);

    /// <summary>Checks the metadata signature. Meaningful only while <c>deliveryInformation</c> is the encrypted string. Never throws.</summary>
    public bool VerifySignature(ReadOnlySpan<byte> senderPublicKey32) =>
        senderPublicKey32.Length == 32 && Ed25519.VerifyText(senderPublicKey32, SignedText, Signature);

    internal static bool TryFromJson(JsonNode? node, [NotNullWhen(true)] out EnvelopeMetadata? metadata, [NotNullWhen(false)] out ProtocolError? error)
    {
        metadata = null;
        if (!JsonShape.TryObject(node, What, out var obj, out error)
            || !JsonShape.CheckMembers(obj, What, Required, Optional, out error)
            || !JsonShape.TryString(obj, What, "version", out var version, out error)
            || !JsonShape.TryString(obj, What, "signature", out var signature, out error)
            || !JsonShape.TryOptionalString(obj, What, "encryptionScheme", out var scheme, out error))
        {
            return false;
        }

        if (scheme is not null && scheme != PayloadEncryption.Scheme)
        {
            error = new ProtocolError($"{What}.bad_scheme", $"encryptionScheme must be '{PayloadEncryption.Scheme}'.");
            return false;
        }

        var hasPlain = obj.ContainsKey("messageHash");
        var hasEncrypted = obj.ContainsKey("encryptedMessageHash");
        if (hasPlain == hasEncrypted)
        {
            error = new ProtocolError($"{What}.hash_member", "The metadata must carry exactly one of messageHash and encryptedMessageHash.");
            return false;
        }

        var field = hasPlain ? MessageHashField.MessageHash : MessageHashField.EncryptedMessageHash;
        var member = hasPlain ? "messageHash" : "encryptedMessageHash";
        if (!JsonShape.TryString(obj, What, member, out var hash, out error))
        {
            return false;
        }

        // The hash is the envelope's storage and acknowledgement id, so only its one canonical spelling is accepted
        // (the dm3 libraries emit lower-case hex): "0x" + 64 lower-case hex digits.
        if (!Hex.IsCanonical(hash, 32))
        {
            error = new ProtocolError($"{What}.bad_hash", $"{member} must be 0x followed by 64 lower-case hex digits.");
            return false;
        }

        string? encryptedInfo = null;
        DeliveryInformation? info = null;
        var infoNode = obj["deliveryInformation"];
        if (infoNode is JsonObject)
        {
            if (!DeliveryInformation.TryFromJson(infoNode, out info, out error))
            {
                return false;
            }
        }
        else if (!JsonShape.TryString(obj, What, "deliveryInformation", out encryptedInfo, out _))
        {
            error = new ProtocolError($"{What}.bad_type", "deliveryInformation must be a string (encrypted) or a DeliveryInformation object.");
            return false;
        }

        metadata = new EnvelopeMetadata(obj, version, scheme, encryptedInfo, info, field, hash, signature);
        return true;
    }
}

/// <summary>
/// dm3 <c>EncryptionEnvelop</c> <c>{message, metadata, postmark?}</c> (W§8). Parsed envelopes keep their JSON tree
/// (<see cref="Json"/>); <see cref="CanonicalJson"/> is what a delivery service stores and <see cref="Size"/> what it limits.
/// Instances are immutable: the <c>With…</c> methods return new envelopes.
/// </summary>
public sealed class EncryptionEnvelope
{
    private const string What = "envelope";
    private static readonly string[] Required = ["message", "metadata"];
    private static readonly string[] Optional = ["postmark"];

    private string? _canonical;

    private EncryptionEnvelope(JsonObject json, string message, EnvelopeMetadata metadata, string? postmark)
    {
        Json = json;
        Message = message;
        Metadata = metadata;
        Postmark = postmark;
    }

    /// <summary>The envelope JSON tree. Do not mutate.</summary>
    public JsonObject Json { get; }

    /// <summary>The EncryptedPayload JSON string of the end-to-end Message.</summary>
    public string Message { get; }

    public EnvelopeMetadata Metadata { get; }

    /// <summary>The encrypted postmark JSON string, once a delivery service has added it.</summary>
    public string? Postmark { get; }

    /// <summary>Canonical JSON text of the whole envelope.</summary>
    public string CanonicalJson => _canonical ??= Json.CanonicalSerialize();

    /// <summary>W§8.3: UTF-8 byte length of the canonical envelope.</summary>
    public int Size => System.Text.Encoding.UTF8.GetByteCount(CanonicalJson);

    public MessageHashField MessageHashField => Metadata.HashField;

    /// <summary>The envelope's hash (whichever member is present).</summary>
    public string MessageHash => Metadata.Hash;

    /// <summary>npm form: sha256(UTF-8(canonical(envelope.message))); the hashed text is the JSON string literal, quotes included.</summary>
    public static string ComputeEncryptedMessageHash(string envelopeMessage) =>
        Hashes.Sha256HexOfUtf8(global::Dm3.Protocol.Json.CanonicalJson.SerializeString(envelopeMessage));

    /// <summary>For the npm form, whether <c>encryptedMessageHash</c> matches <see cref="Message"/>; for the source-tree form, null (not checkable without the plaintext).</summary>
    public bool? EncryptedMessageHashMatches =>
        MessageHashField == MessageHashField.EncryptedMessageHash
            ? string.Equals(ComputeEncryptedMessageHash(Message), MessageHash, StringComparison.OrdinalIgnoreCase)
            : null;

    public static bool TryParse(string? json, [NotNullWhen(true)] out EncryptionEnvelope? envelope, [NotNullWhen(false)] out ProtocolError? error)
    {
        envelope = null;
        return JsonShape.TryParseObject(json, What, out var obj, out error) && TryFromJson(obj, out envelope, out error);
    }

    public static EncryptionEnvelope Parse(string json) =>
        TryParse(json, out var e, out var err) ? e : throw new ProtocolFormatException(err);

    /// <summary>Validates a parsed tree (tolerant reader of W§8.2). The envelope keeps a reference to <paramref name="node"/>.</summary>
    public static bool TryFromJson(JsonNode? node, [NotNullWhen(true)] out EncryptionEnvelope? envelope, [NotNullWhen(false)] out ProtocolError? error)
    {
        envelope = null;
        if (!JsonShape.TryObject(node, What, out var obj, out error)
            || !JsonShape.CheckMembers(obj, What, Required, Optional, out error)
            || !JsonShape.TryString(obj, What, "message", out var message, out error)
            || !JsonShape.TryOptionalString(obj, What, "postmark", out var postmark, out error)
            || !EnvelopeMetadata.TryFromJson(obj["metadata"], out var metadata, out error))
        {
            return false;
        }

        envelope = new EncryptionEnvelope(obj, message, metadata, postmark);
        return true;
    }

    /// <summary>A copy with <c>postmark</c> set to the given encrypted postmark JSON string.</summary>
    public EncryptionEnvelope WithPostmark(string postmark)
    {
        ArgumentNullException.ThrowIfNull(postmark);
        var json = (JsonObject)Json.DeepClone();
        json["postmark"] = postmark;
        return Rebuild(json);
    }

    /// <summary>The stored form (W§10.4): a copy whose <c>metadata.deliveryInformation</c> is the decrypted object. Every other member is kept as is.</summary>
    public EncryptionEnvelope WithDeliveryInformation(DeliveryInformation information)
    {
        ArgumentNullException.ThrowIfNull(information);
        var json = (JsonObject)Json.DeepClone();
        json["metadata"]!["deliveryInformation"] = information.ToJsonObject();
        return Rebuild(json);
    }

    /// <summary>Decrypts and parses the end-to-end Message with the receiver's X25519 private key.</summary>
    public bool TryDecryptMessage(ReadOnlySpan<byte> receiverPrivateKey32, [NotNullWhen(true)] out Message? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        return PayloadEncryption.TryDecryptAsymmetric(receiverPrivateKey32, Message, out var plaintext, out error)
            && Messaging.Message.TryParse(plaintext, out message, out error);
    }

    /// <summary>As <see cref="TryDecryptMessage(ReadOnlySpan{byte}, out Message?, out ProtocolError?)"/> with the receiver's known key pair (no public-key derivation).</summary>
    public bool TryDecryptMessage(ReadOnlySpan<byte> receiverPrivateKey32, ReadOnlySpan<byte> receiverPublicKey32, [NotNullWhen(true)] out Message? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        return PayloadEncryption.TryDecryptAsymmetric(receiverPrivateKey32, receiverPublicKey32, Message, out var plaintext, out error)
            && Messaging.Message.TryParse(plaintext, out message, out error);
    }

    /// <summary>As <see cref="TryDecryptMessage(ReadOnlySpan{byte}, out Message?, out ProtocolError?)"/> with the receiver's profile keys.</summary>
    public bool TryDecryptMessage(Profiles.ProfileKeys receiverKeys, [NotNullWhen(true)] out Message? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        ArgumentNullException.ThrowIfNull(receiverKeys);
        return TryDecryptMessage(receiverKeys.EncryptionPrivateKey, receiverKeys.EncryptionPublicKey, out message, out error);
    }

    /// <summary>Decrypts the (still encrypted) deliveryInformation with the delivery service's X25519 private key.</summary>
    public bool TryDecryptDeliveryInformation(ReadOnlySpan<byte> deliveryServicePrivateKey32, [NotNullWhen(true)] out DeliveryInformation? information, [NotNullWhen(false)] out ProtocolError? error)
    {
        information = null;
        if (Metadata.EncryptedDeliveryInformation is null)
        {
            error = new ProtocolError("envelope.delivery_information_not_encrypted", "deliveryInformation is not an encrypted string.");
            return false;
        }

        return PayloadEncryption.TryDecryptAsymmetric(deliveryServicePrivateKey32, Metadata.EncryptedDeliveryInformation, out var plaintext, out error)
            && DeliveryInformation.TryParse(plaintext, out information, out error);
    }

    internal static EncryptionEnvelope Rebuild(JsonObject json) =>
        TryFromJson(json, out var e, out var error) ? e : throw new InvalidOperationException("Built envelope failed validation: " + error.Message);
}

internal static class JsonObjectCanonicalExtensions
{
    public static string CanonicalSerialize(this JsonObject obj) => CanonicalJson.Serialize(obj);
}
