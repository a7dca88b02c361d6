using System.Diagnostics.CodeAnalysis;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Messaging;

namespace Dm3.Protocol.Delivery;

/// <summary>
/// Decrypts envelope <c>deliveryInformation</c> with the delivery service's X25519 key pair. The public key is derived
/// once; safe to share between threads. Holds a secret: never log it.
/// </summary>
public sealed class DeliveryInformationDecryptor
{
    private readonly byte[] _privateKey;
    private readonly byte[] _publicKey;

    public DeliveryInformationDecryptor(ReadOnlySpan<byte> deliveryServiceEncryptionPrivateKey32)
    {
        if (deliveryServiceEncryptionPrivateKey32.Length != 32)
        {
            throw new ArgumentException("The X25519 private key must be 32 bytes.", nameof(deliveryServiceEncryptionPrivateKey32));
        }

        _privateKey = deliveryServiceEncryptionPrivateKey32.ToArray();
        _publicKey = X25519.PublicKeyFromPrivate(_privateKey);
    }

    /// <summary>The delivery service's X25519 public key (as published in its DeliveryServiceProfile).</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    public bool TryDecrypt(EncryptionEnvelope envelope, [NotNullWhen(true)] out DeliveryInformation? information, [NotNullWhen(false)] out ProtocolError? error)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        information = null;
        if (envelope.Metadata.EncryptedDeliveryInformation is null)
        {
            error = new ProtocolError("envelope.delivery_information_not_encrypted", "deliveryInformation is not an encrypted string.");
            return false;
        }

        return TryDecrypt(envelope.Metadata.EncryptedDeliveryInformation, out information, out error);
    }

    public bool TryDecrypt(string? encryptedPayloadJson, [NotNullWhen(true)] out DeliveryInformation? information, [NotNullWhen(false)] out ProtocolError? error)
    {
        information = null;
        return EncryptedPayload.TryParse(encryptedPayloadJson, out var payload, out error)
            && PayloadEncryption.TryDecryptAsymmetric(_privateKey, _publicKey, payload, out var plaintext, out error)
            && DeliveryInformation.TryParse(plaintext, out information, out error);
    }

    public override string ToString() => "DeliveryInformationDecryptor";
}
