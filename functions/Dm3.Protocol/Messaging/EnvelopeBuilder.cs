using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Json;

namespace Dm3.Protocol.Messaging;

/// <summary>Encrypts a plaintext to an X25519 public key; the seam through which fixed test randomness is injected.</summary>
internal delegate EncryptedPayload AsymmetricEncryptor(byte[] publicKey32, string plaintext);

/// <summary>Sender side of W§8: encrypt the signed Message to the receiver, deliveryInformation to the delivery service, sign the metadata.</summary>
public static class EnvelopeBuilder
{
    public const string Version = "v1";

    /// <summary>
    /// Builds an envelope for a signed <paramref name="message"/>. <c>deliveryInformation</c> = {to, from} of the
    /// message metadata (plus <paramref name="deliveryInstruction"/> if given), encrypted to the receiver's first
    /// delivery service. <paramref name="hashField"/> selects the source-tree (<c>messageHash</c>, our default) or
    /// npm 1.7.1 (<c>encryptedMessageHash</c>) form.
    /// </summary>
    public static EncryptionEnvelope Build(
        Message message,
        ReadOnlySpan<byte> receiverEncryptionPublicKey32,
        ReadOnlySpan<byte> deliveryServiceEncryptionPublicKey32,
        ReadOnlySpan<byte> senderSigningKey64,
        MessageHashField hashField = MessageHashField.MessageHash,
        string? deliveryInstruction = null) =>
        Build(message, receiverEncryptionPublicKey32, deliveryServiceEncryptionPublicKey32, senderSigningKey64, hashField, deliveryInstruction, static (key, text) => PayloadEncryption.EncryptAsymmetric(key, text));

    internal static EncryptionEnvelope Build(
        Message message,
        ReadOnlySpan<byte> receiverEncryptionPublicKey32,
        ReadOnlySpan<byte> deliveryServiceEncryptionPublicKey32,
        ReadOnlySpan<byte> senderSigningKey64,
        MessageHashField hashField,
        string? deliveryInstruction,
        AsymmetricEncryptor encrypt)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (receiverEncryptionPublicKey32.Length != 32 || deliveryServiceEncryptionPublicKey32.Length != 32)
        {
            throw new ArgumentException("X25519 public keys are 32 bytes.");
        }

        var plaintext = message.ToCanonicalJson();
        var encryptedMessage = encrypt(receiverEncryptionPublicKey32.ToArray(), plaintext).ToCanonicalJson();
        var information = new DeliveryInformation(message.Metadata.To, message.Metadata.From, deliveryInstruction);
        var encryptedInformation = encrypt(deliveryServiceEncryptionPublicKey32.ToArray(), information.ToCanonicalJson()).ToCanonicalJson();

        var metadata = new JsonObject
        {
            ["deliveryInformation"] = encryptedInformation,
            ["encryptionScheme"] = PayloadEncryption.Scheme,
        };
        if (hashField == MessageHashField.MessageHash)
        {
            metadata["messageHash"] = Hashes.Sha256HexOfUtf8(plaintext);
        }
        else
        {
            metadata["encryptedMessageHash"] = EncryptionEnvelope.ComputeEncryptedMessageHash(encryptedMessage);
        }

        metadata["version"] = Version;
        metadata["signature"] = Ed25519.SignText(senderSigningKey64, CanonicalJson.Serialize(metadata));

        var envelope = new JsonObject
        {
            ["message"] = encryptedMessage,
            ["metadata"] = metadata,
        };
        return EncryptionEnvelope.Rebuild(envelope);
    }
}
