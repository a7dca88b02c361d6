using Dm3.Protocol.Profiles;

namespace Dm3.Backend.Apps;

/// <summary>
/// The delivery service's public profile (section <c>DeliveryService</c>), published as <c>network.dm3.deliveryService</c>
/// on each app's DS name: <c>DeliveryService__Url</c> (public base URL) and the public keys. The composition root fills
/// <see cref="PublicSigningKey"/> / <see cref="PublicEncryptionKey"/> from the configured private keys
/// (<c>DeliveryService__SigningPrivateKey</c>, <c>DeliveryService__EncryptionPrivateKey</c>) when they are not set.
/// </summary>
public sealed class DeliveryServiceOptions
{
    public const string SectionName = "DeliveryService";

    /// <summary>The DS base URL published in its profile, e.g. <c>https://dm3.example.com</c>.</summary>
    public string? Url { get; set; }

    /// <summary>Ed25519 public key, standard base64 (32 bytes).</summary>
    public string? PublicSigningKey { get; set; }

    /// <summary>X25519 public key, standard base64 (32 bytes).</summary>
    public string? PublicEncryptionKey { get; set; }

    /// <summary>The profile, or null while any part is missing (the DS record then resolves to the zero value).</summary>
    public DeliveryServiceProfile? ToProfile() =>
        string.IsNullOrWhiteSpace(Url) || string.IsNullOrWhiteSpace(PublicSigningKey) || string.IsNullOrWhiteSpace(PublicEncryptionKey)
            ? null
            : new DeliveryServiceProfile(PublicSigningKey, PublicEncryptionKey, Url);
}
