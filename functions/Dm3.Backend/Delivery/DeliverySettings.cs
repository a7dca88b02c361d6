using System.Text.Json.Nodes;
using Dm3.Protocol.Json;

namespace Dm3.Backend.Delivery;

/// <summary>
/// Delivery-service limits (app settings <c>DeliveryService__SizeLimit</c>, <c>DeliveryService__MessageTtlMs</c>), read
/// and range-checked by the app's composition root.
/// </summary>
/// <param name="SizeLimit">Largest accepted envelope: UTF-8 bytes of its canonical JSON (wire formats §8.3); default 100,000.</param>
/// <param name="MessageTtlMs">Envelopes older than this (by arrival) are swept; 0 keeps them forever.</param>
public sealed record DeliverySettings(int SizeLimit = DeliverySettings.DefaultSizeLimit, long MessageTtlMs = 0)
{
    public const int DefaultSizeLimit = 100_000;

    /// <summary>Upper bound of <see cref="SizeLimit"/>: a stored envelope (postmark added) must fit one table entity (1 MiB).</summary>
    public const int MaxSizeLimit = 400_000;

    public const int MetricsCollectionIntervalInSeconds = 86_400;
    public const int MetricsRetentionDurationInSeconds = 864_000;

    /// <summary>The <c>dm3_getDeliveryServiceProperties</c> result: canonical JSON text (wire formats §10.3).</summary>
    public string PropertiesJson() => CanonicalJson.Serialize(new JsonObject
    {
        ["messageTTL"] = MessageTtlMs,
        ["sizeLimit"] = SizeLimit,
        ["notificationChannel"] = new JsonArray(),
        ["metricsCollectionIntervalInSeconds"] = MetricsCollectionIntervalInSeconds,
        ["metricsRetentionDurationInSeconds"] = MetricsRetentionDurationInSeconds,
    });
}

/// <summary>
/// The delivery service's secrets (decisions §23): X25519 key for deliveryInformation, Ed25519 key for postmarks, and the
/// independent random HMAC secret for its JWTs (never derived from the signing key). <see cref="ToString"/> is opaque.
/// </summary>
public sealed class DeliveryKeys
{
    public DeliveryKeys(byte[] encryptionPrivateKey32, byte[] signingPrivateKey64, byte[] tokenSecret)
    {
        ArgumentNullException.ThrowIfNull(encryptionPrivateKey32);
        ArgumentNullException.ThrowIfNull(signingPrivateKey64);
        ArgumentNullException.ThrowIfNull(tokenSecret);
        if (encryptionPrivateKey32.Length != 32 || signingPrivateKey64.Length != 64 || tokenSecret.Length < 32)
        {
            throw new ArgumentException("Delivery keys: X25519 32 bytes, Ed25519 64 bytes, token secret at least 32 bytes.");
        }

        if (tokenSecret.AsSpan().SequenceEqual(signingPrivateKey64.AsSpan(0, Math.Min(tokenSecret.Length, 64))))
        {
            throw new ArgumentException("The token secret must not be the delivery-service signing key (one key, one purpose).");
        }

        EncryptionPrivateKey = encryptionPrivateKey32;
        SigningPrivateKey = signingPrivateKey64;
        TokenSecret = tokenSecret;
        Decryptor = new Protocol.Delivery.DeliveryInformationDecryptor(encryptionPrivateKey32);
    }

    internal byte[] EncryptionPrivateKey { get; }

    internal byte[] SigningPrivateKey { get; }

    internal byte[] TokenSecret { get; }

    internal Protocol.Delivery.DeliveryInformationDecryptor Decryptor { get; }

    /// <summary>The Ed25519 public key of the postmark signatures.</summary>
    public byte[] SigningPublicKey => SigningPrivateKey[32..];

    public override string ToString() => "DeliveryKeys";
}
