using System.Security.Cryptography;
using Dm3.Protocol.Crypto.Native;

namespace Dm3.Protocol.Crypto;

/// <summary>
/// X25519 (RFC 7748) as libsodium exposes it. Private keys are stored unclamped; clamping happens inside.
/// Runs on OpenSSL when available (see <see cref="CryptoBackend"/>), else on BouncyCastle, with identical results.
/// Public keys derived from a private key are remembered per thread under a fingerprint of the key, so repeated
/// derivations (a receiver opening many envelopes) cost nothing.
/// </summary>
public static class X25519
{
    public static byte[] PublicKeyFromPrivate(ReadOnlySpan<byte> privateKey32)
    {
        RequireKey(privateKey32, nameof(privateKey32));
        var publicKey = new byte[32];
        PublicKeyFromPrivate(privateKey32, publicKey, cache: true);
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
        PublicKeyFromPrivate(privateKey, publicKey, cache: false);
        return (privateKey, publicKey);
    }

    /// <summary>
    /// For an ephemeral private key: its public key and the shared secret with <paramref name="peerPublicKey32"/>,
    /// each computed once (one key object on the native path). Nothing is cached.
    /// </summary>
    /// <exception cref="CryptographicException">The shared secret is all zero (a small-order peer key).</exception>
    internal static void EphemeralAgreement(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> peerPublicKey32, Span<byte> ownPublicKey32, Span<byte> shared32)
    {
        RequireKey(privateKey32, nameof(privateKey32));
        RequireKey(peerPublicKey32, nameof(peerPublicKey32));
        var ok = CryptoBackend.UseNative
            ? NativeX25519.Agree(privateKey32, peerPublicKey32, ownPublicKey32, shared32)
                || ManagedX25519.SharedSecret(privateKey32, peerPublicKey32, shared32)
            : ManagedX25519.Agree(privateKey32, peerPublicKey32, ownPublicKey32, shared32);
        if (!ok)
        {
            shared32.Clear();
            throw AllZero();
        }
    }

    /// <summary>Raw X25519 output into <paramref name="shared32"/>; false when it is all zero.</summary>
    internal static bool TrySharedSecret(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> publicKey32, Span<byte> shared32)
    {
        // OpenSSL refuses an all-zero result; should it ever refuse for another reason, the managed implementation
        // decides, so the answer is the same as on the managed path.
        var ok = CryptoBackend.UseNative
            ? NativeX25519.SharedSecret(privateKey32, publicKey32, shared32) || ManagedX25519.SharedSecret(privateKey32, publicKey32, shared32)
            : ManagedX25519.SharedSecret(privateKey32, publicKey32, shared32);
        if (!ok)
        {
            shared32.Clear();
        }

        return ok;
    }

    private static void PublicKeyFromPrivate(ReadOnlySpan<byte> privateKey32, Span<byte> publicKey32, bool cache)
    {
        if (CryptoBackend.UseNative)
        {
            NativeX25519.PublicKeyFromPrivate(privateKey32, publicKey32, cache);
        }
        else
        {
            ManagedX25519.PublicKeyFromPrivate(privateKey32, publicKey32, cache);
        }
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
