using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;
using Dm3.Protocol.Messaging;

namespace Dm3.Protocol.Delivery;

/// <summary>
/// The delivery service's postmark (W§9): <c>{incommingTimestamp (sic, ms), messageHash, signature}</c>.
/// <c>messageHash</c> is the EIP-191 digest of canonical(envelope.message) (the JSON string literal, quotes included);
/// <c>signature</c> is Ed25519 over the 66-character sha256 hex text of canonical({incommingTimestamp, messageHash}).
/// </summary>
public sealed record Postmark(string MessageHash, long IncommingTimestamp, string Signature)
{
    private const string What = "postmark";
    private static readonly string[] Required = ["messageHash", "incommingTimestamp", "signature"];

    /// <summary>The 66-character text that the signature covers.</summary>
    public string SignedText => SignedTextOf(MessageHash, IncommingTimestamp);

    public bool VerifySignature(ReadOnlySpan<byte> deliveryServicePublicKey32) =>
        deliveryServicePublicKey32.Length == 32 && Ed25519.VerifyText(deliveryServicePublicKey32, SignedText, Signature);

    /// <summary>Whether this postmark's messageHash belongs to the given envelope message string.</summary>
    public bool Matches(string envelopeMessage) =>
        string.Equals(MessageHash, Postmarker.MessageHashOf(envelopeMessage), StringComparison.OrdinalIgnoreCase);

    public JsonObject ToJsonObject() => new()
    {
        ["incommingTimestamp"] = (double)IncommingTimestamp,
        ["messageHash"] = MessageHash,
        ["signature"] = Signature,
    };

    public string ToCanonicalJson() => CanonicalJson.Serialize(ToJsonObject());

    internal static string SignedTextOf(string messageHash, long incommingTimestamp)
    {
        var unsigned = new JsonObject
        {
            ["incommingTimestamp"] = (double)incommingTimestamp,
            ["messageHash"] = messageHash,
        };
        return Hashes.Sha256HexOfUtf8(CanonicalJson.Serialize(unsigned));
    }

    public static bool TryParse(string? json, [NotNullWhen(true)] out Postmark? postmark, [NotNullWhen(false)] out ProtocolError? error)
    {
        postmark = null;
        if (!JsonShape.TryParseObject(json, What, out var obj, out error)
            || !JsonShape.CheckMembers(obj, What, Required, JsonShape.None, out error)
            || !JsonShape.TryString(obj, What, "messageHash", out var hash, out error)
            || !JsonShape.TryNumber(obj, What, "incommingTimestamp", out var timestamp, out error)
            || !JsonShape.TryString(obj, What, "signature", out var signature, out error))
        {
            return false;
        }

        if (timestamp != Math.Floor(timestamp) || timestamp < 0 || timestamp > 9007199254740991d)
        {
            error = new ProtocolError("postmark.bad_timestamp", "incommingTimestamp must be a non-negative integer (Unix ms).");
            return false;
        }

        postmark = new Postmark(hash, (long)timestamp, signature);
        return true;
    }
}

/// <summary>Adds and opens postmarks (W§9).</summary>
public static class Postmarker
{
    /// <summary>hashMessage(canonical(envelope.message)): EIP-191 digest over the JSON string literal, as 0x-hex.</summary>
    public static string MessageHashOf(string envelopeMessage)
    {
        ArgumentNullException.ThrowIfNull(envelopeMessage);
        return Hex.Encode(Ethereum.PersonalMessageDigest(CanonicalJson.SerializeString(envelopeMessage)));
    }

    /// <summary>Creates the signed (unencrypted) postmark for an envelope message.</summary>
    public static Postmark CreatePostmark(string envelopeMessage, ReadOnlySpan<byte> deliveryServiceSigningKey64, long incommingTimestampMs)
    {
        var hash = MessageHashOf(envelopeMessage);
        var signature = Ed25519.SignText(deliveryServiceSigningKey64, Postmark.SignedTextOf(hash, incommingTimestampMs));
        return new Postmark(hash, incommingTimestampMs, signature);
    }

    /// <summary>
    /// Returns a copy of <paramref name="envelope"/> with <c>postmark</c> = canonical(encryptAsymmetric(receiver key,
    /// canonical(postmark))). The result's <see cref="EncryptionEnvelope.CanonicalJson"/> is the JSON to store
    /// (replace deliveryInformation with <see cref="EncryptionEnvelope.WithDeliveryInformation"/> first or after).
    /// </summary>
    public static EncryptionEnvelope AddPostmark(EncryptionEnvelope envelope, ReadOnlySpan<byte> deliveryServiceSigningKey64, ReadOnlySpan<byte> receiverEncryptionPublicKey32, long incommingTimestampMs) =>
        AddPostmark(envelope, deliveryServiceSigningKey64, receiverEncryptionPublicKey32, incommingTimestampMs, static (key, text) => PayloadEncryption.EncryptAsymmetric(key, text));

    internal static EncryptionEnvelope AddPostmark(EncryptionEnvelope envelope, ReadOnlySpan<byte> deliveryServiceSigningKey64, ReadOnlySpan<byte> receiverEncryptionPublicKey32, long incommingTimestampMs, AsymmetricEncryptor encrypt)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (receiverEncryptionPublicKey32.Length != 32)
        {
            throw new ArgumentException("The receiver's X25519 public key must be 32 bytes.", nameof(receiverEncryptionPublicKey32));
        }

        var postmark = CreatePostmark(envelope.Message, deliveryServiceSigningKey64, incommingTimestampMs);
        var encrypted = encrypt(receiverEncryptionPublicKey32.ToArray(), postmark.ToCanonicalJson());
        return envelope.WithPostmark(encrypted.ToCanonicalJson());
    }

    /// <summary>Receiver side: decrypts and parses an envelope's postmark (does not check its signature).</summary>
    public static bool TryOpen(EncryptionEnvelope envelope, ReadOnlySpan<byte> receiverPrivateKey32, [NotNullWhen(true)] out Postmark? postmark, [NotNullWhen(false)] out ProtocolError? error)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        postmark = null;
        if (envelope.Postmark is null)
        {
            error = new ProtocolError("postmark.missing", "The envelope has no postmark.");
            return false;
        }

        return PayloadEncryption.TryDecryptAsymmetric(receiverPrivateKey32, envelope.Postmark, out var plaintext, out error)
            && Postmark.TryParse(plaintext, out postmark, out error);
    }

    /// <summary>As <see cref="TryOpen(EncryptionEnvelope, ReadOnlySpan{byte}, out Postmark?, out ProtocolError?)"/> with the receiver's known key pair (no public-key derivation).</summary>
    public static bool TryOpen(EncryptionEnvelope envelope, ReadOnlySpan<byte> receiverPrivateKey32, ReadOnlySpan<byte> receiverPublicKey32, [NotNullWhen(true)] out Postmark? postmark, [NotNullWhen(false)] out ProtocolError? error)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        postmark = null;
        if (envelope.Postmark is null)
        {
            error = new ProtocolError("postmark.missing", "The envelope has no postmark.");
            return false;
        }

        return PayloadEncryption.TryDecryptAsymmetric(receiverPrivateKey32, receiverPublicKey32, envelope.Postmark, out var plaintext, out error)
            && Postmark.TryParse(plaintext, out postmark, out error);
    }
}

/// <summary>Conversation ids (W§9): lower(receiver address) + "," + the sender name from deliveryInformation.from.</summary>
public static class ConversationId
{
    /// <summary>
    /// <paramref name="normalizedFrom"/> must already be normalised by the caller (ENSIP-15 / nameprep); this function
    /// lower-cases it as nameprep does for the ASCII names we accept.
    /// </summary>
    public static string Of(ReadOnlySpan<byte> receiverAddress20, string normalizedFrom)
    {
        ArgumentNullException.ThrowIfNull(normalizedFrom);
        if (receiverAddress20.Length != 20)
        {
            throw new ArgumentException("An address is 20 bytes.", nameof(receiverAddress20));
        }

        return Ethereum.ToLowerAddress(receiverAddress20) + "," + normalizedFrom.ToLowerInvariant();
    }
}
