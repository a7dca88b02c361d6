using System.Security.Cryptography;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;

namespace Dm3.Protocol.Profiles;

/// <summary>
/// The key pairs of a dm3 profile (W§4.2), derived from a 32-byte seed: X25519 via libsodium
/// <c>crypto_kx_seed_keypair</c> (private key = BLAKE2b-256(seed)) and Ed25519 via <c>crypto_sign_seed_keypair</c>
/// (private key = seed ‖ public key). Holds secrets: never log an instance (ToString is deliberately opaque).
/// </summary>
public sealed class ProfileKeys
{
    private ProfileKeys(byte[] seed, byte[] encryptionPrivateKey, byte[] encryptionPublicKey, byte[] signingPrivateKey, byte[] signingPublicKey)
    {
        Seed = seed;
        EncryptionPrivateKey = encryptionPrivateKey;
        EncryptionPublicKey = encryptionPublicKey;
        SigningPrivateKey = signingPrivateKey;
        SigningPublicKey = signingPublicKey;
    }

    /// <summary>The 32-byte seed (= base64-decoded storage key).</summary>
    public byte[] Seed { get; }

    /// <summary>X25519 private key, 32 bytes, unclamped (BLAKE2b-256 of the seed).</summary>
    public byte[] EncryptionPrivateKey { get; }

    public byte[] EncryptionPublicKey { get; }

    /// <summary>Ed25519 private key in libsodium layout, 64 bytes = seed ‖ public key.</summary>
    public byte[] SigningPrivateKey { get; }

    public byte[] SigningPublicKey { get; }

    /// <summary>The storage key as the reference returns it: base64 of the seed.</summary>
    public string StorageKey => Base64Std.Encode(Seed);

    /// <summary>Base64 of the X25519 public key, as published in <c>publicEncryptionKey</c>.</summary>
    public string PublicEncryptionKeyBase64 => Base64Std.Encode(EncryptionPublicKey);

    /// <summary>Base64 of the Ed25519 public key, as published in <c>publicSigningKey</c>.</summary>
    public string PublicSigningKeyBase64 => Base64Std.Encode(SigningPublicKey);

    public static ProfileKeys FromSeed(ReadOnlySpan<byte> seed32)
    {
        if (seed32.Length != 32)
        {
            throw new ArgumentException("A profile seed is 32 bytes.", nameof(seed32));
        }

        var (xPrivate, xPublic) = X25519.KxSeedKeyPair(seed32);
        var (edPrivate, edPublic) = Ed25519.KeyPairFromSeed(seed32);
        return new ProfileKeys(seed32.ToArray(), xPrivate, xPublic, edPrivate, edPublic);
    }

    /// <summary>Keys from a base64 storage key (32 bytes after decoding).</summary>
    public static bool TryFromStorageKey(string? storageKeyBase64, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ProfileKeys? keys, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProtocolError? error)
    {
        keys = null;
        if (!Base64Std.TryDecode(storageKeyBase64, out var seed, 32))
        {
            error = new ProtocolError("profileKeys.bad_storage_key", "The storage key must be standard base64 of 32 bytes.");
            return false;
        }

        keys = FromSeed(seed);
        CryptographicOperations.ZeroMemory(seed);
        error = null;
        return true;
    }

    /// <summary>Keys from the wallet's signature over the storage-key message, hashed as the exact text returned by the wallet.</summary>
    public static ProfileKeys FromSignature(string signatureText)
    {
        var seed = StorageKeyDerivation.SeedFromSignature(signatureText);
        try
        {
            return FromSeed(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Fresh random keys (a random seed; for delivery services and tests).</summary>
    public static ProfileKeys Generate()
    {
        var seed = RandomNumberGenerator.GetBytes(32);
        try
        {
            return FromSeed(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>The public UserProfile for these keys.</summary>
    public UserProfile ToUserProfile(IReadOnlyList<string> deliveryServices) =>
        new(PublicEncryptionKeyBase64, PublicSigningKeyBase64, deliveryServices);

    public override string ToString() => $"ProfileKeys(signing {PublicSigningKeyBase64})";
}

/// <summary>The storage-key creation message and the storage key derived from its signature (W§4.1, §4.2).</summary>
public static class StorageKeyDerivation
{
    /// <summary>The nonce that the reference library's <c>createProfile()</c> always uses: sha256(UTF-8("dm3_default_nonce")).</summary>
    public const string DefaultNonce = "0xa1b38837dd52e70a250ac2bf3e19f1599833e9d30662bf69a1c12e5747ed9f65";

    /// <summary>The exact text the wallet signs. The address is written in EIP-55 form; the nonce verbatim.</summary>
    public static string CreationMessage(string nonce, ReadOnlySpan<byte> address20)
    {
        ArgumentNullException.ThrowIfNull(nonce);
        if (address20.Length != 20)
        {
            throw new ArgumentException("An address is 20 bytes.", nameof(address20));
        }

        return "dm3.chat wants you to sign in with your Ethereum account:\n"
            + Ethereum.ToChecksumAddress(address20) + "\n\n"
            + "Connect the DM3 MESSENGER with your wallet. Keys for secure communication are derived from this signature.\n\n"
            + "(There is no paid transaction initiated. The signature is used off-chain only.)\n\n"
            + "URI: https://dm3.chat\n"
            + "Version: 1\n"
            + "Nonce: " + nonce;
    }

    /// <summary>As <see cref="CreationMessage(string, ReadOnlySpan{byte})"/> for an address given as text (any valid case).</summary>
    public static string CreationMessage(string nonce, string addressText)
    {
        if (!Ethereum.TryParseAddress(addressText, out var address, out var error))
        {
            throw new ArgumentException(error.Message, nameof(addressText));
        }

        return CreationMessage(nonce, address);
    }

    /// <summary>storageKey = base64(SHA-256(UTF-8(signature text))). The text is hashed exactly as given, never re-encoded.</summary>
    public static string StorageKeyFromSignature(string signatureText)
    {
        var seed = SeedFromSignature(signatureText);
        return Base64Std.Encode(seed);
    }

    internal static byte[] SeedFromSignature(string signatureText)
    {
        ArgumentNullException.ThrowIfNull(signatureText);
        return Hashes.Sha256(System.Text.Encoding.UTF8.GetBytes(signatureText));
    }
}
