using System.Security.Cryptography;
using Dm3.Protocol.Crypto.Providers;

namespace Dm3.Protocol.Crypto;

/// <summary>
/// X25519 (RFC 7748) as libsodium exposes it. Private keys are stored unclamped; clamping happens inside.
/// The scalar multiplication comes from the installed <see cref="ICryptoProvider"/> (libsodium or BouncyCastle);
/// the all-zero shared secret (a small-order peer key) is refused here, whatever the provider returns for it.
/// Public keys derived from a private key are remembered per thread under a fingerprint of the key, so repeated
/// derivations (a receiver opening many envelopes) cost nothing.
/// </summary>
public static class X25519
{
    private static readonly byte[] CacheDomain = "dm3/x25519-private"u8.ToArray();

    [ThreadStatic]
    private static KeyCache<byte[]>? t_publicKeys;

    public static byte[] PublicKeyFromPrivate(ReadOnlySpan<byte> privateKey32)
    {
        RequireKey(privateKey32, nameof(privateKey32));
        var keys = t_publicKeys ??= new KeyCache<byte[]>();
        Span<byte> id = stackalloc byte[KeyCache<byte[]>.IdSize];
        KeyCache<byte[]>.PrivateKeyId(privateKey32, CacheDomain, id);
        if (keys.Find(id) is { } known)
        {
            return (byte[])known.Clone();
        }

        var publicKey = new byte[32];
        CryptoProvider.Current.X25519PublicKey(privateKey32, publicKey);
        keys.Add(id, (byte[])publicKey.Clone());
        return publicKey;
    }

    /// <summary>Raw X25519 output (no hashing).</summary>
    /// <exception cref="CryptographicException">The result is all zero (a small-order public key).</exception>
    public static byte[] SharedSecret(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> publicKey32)
    {
        RequireKey(privateKey32, nameof(privateKey32));
        RequireKey(publicKey32, nameof(publicKey32));
        var shared = new byte[32];
        if (!TrySharedSecret(privateKey32, publicKey32, shared))
        {
            throw AllZero();
        }

        return shared;
    }

    /// <summary>libsodium <c>crypto_kx_seed_keypair</c>: private = BLAKE2b-256(seed), public = X25519(private, 9).</summary>
    public static (byte[] PrivateKey32, byte[] PublicKey32) KxSeedKeyPair(ReadOnlySpan<byte> seed32)
    {
        RequireKey(seed32, nameof(seed32));
        var privateKey = Hashes.Blake2b256(seed32);
        return (privateKey, PublicKeyFromPrivate(privateKey));
    }

    /// <summary>A fresh random key pair from the operating system CSPRNG.</summary>
    public static (byte[] PrivateKey32, byte[] PublicKey32) GenerateKeyPair()
    {
        var privateKey = RandomNumberGenerator.GetBytes(32);
        var publicKey = new byte[32];
        CryptoProvider.Current.X25519PublicKey(privateKey, publicKey);
        return (privateKey, publicKey);
    }

    /// <summary>
    /// For an ephemeral private key: its public key and the shared secret with <paramref name="peerPublicKey32"/>,
    /// each computed once. Nothing is cached.
    /// </summary>
    /// <exception cref="CryptographicException">The shared secret is all zero (a small-order peer key).</exception>
    internal static void EphemeralAgreement(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> peerPublicKey32, Span<byte> ownPublicKey32, Span<byte> shared32)
    {
        RequireKey(privateKey32, nameof(privateKey32));
        RequireKey(peerPublicKey32, nameof(peerPublicKey32));
        var provider = CryptoProvider.Current;
        provider.X25519PublicKey(privateKey32, ownPublicKey32);
        if (!TrySharedSecret(provider, privateKey32, peerPublicKey32, shared32))
        {
            throw AllZero();
        }
    }

    /// <summary>Raw X25519 output into <paramref name="shared32"/>; false (and all zero) when it is all zero.</summary>
    internal static bool TrySharedSecret(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> publicKey32, Span<byte> shared32) =>
        TrySharedSecret(CryptoProvider.Current, privateKey32, publicKey32, shared32);

    /// <summary>
    /// The check no library makes for us in the same way: libsodium's <c>crypto_scalarmult</c> signals an all-zero
    /// result only by its return code (which Sodium.Core drops), BouncyCastle by a separate call. Constant time.
    /// </summary>
    internal static bool TrySharedSecret(ICryptoProvider provider, ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> publicKey32, Span<byte> shared32)
    {
        provider.X25519Agree(privateKey32, publicKey32, shared32);
        var bits = 0;
        foreach (var b in shared32)
        {
            bits |= b;
        }

        return bits != 0;
    }

    private static CryptographicException AllZero() => new("The X25519 shared secret is all zero (small-order public key).");

    private static void RequireKey(ReadOnlySpan<byte> key, string name)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("X25519 keys and seeds are 32 bytes.", name);
        }
    }
}
