using System.Security.Cryptography;
using Rfc7748 = Org.BouncyCastle.Math.EC.Rfc7748.X25519;

namespace Dm3.Protocol.Crypto;

/// <summary>X25519 (RFC 7748) as libsodium exposes it. Private keys are stored unclamped; clamping happens inside.</summary>
public static class X25519
{
    public static byte[] PublicKeyFromPrivate(ReadOnlySpan<byte> privateKey32)
    {
        RequireKey(privateKey32, nameof(privateKey32));
        var k = privateKey32.ToArray();
        var publicKey = new byte[32];
        Rfc7748.ScalarMultBase(k, 0, publicKey, 0);
        CryptographicOperations.ZeroMemory(k);
        return publicKey;
    }

    /// <summary>Raw X25519 output (no hashing).</summary>
    /// <exception cref="CryptographicException">The result is all zero (a small-order public key).</exception>
    public static byte[] SharedSecret(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> publicKey32)
    {
        RequireKey(privateKey32, nameof(privateKey32));
        RequireKey(publicKey32, nameof(publicKey32));
        var k = privateKey32.ToArray();
        var shared = new byte[32];
        var ok = Rfc7748.CalculateAgreement(k, 0, publicKey32.ToArray(), 0, shared, 0);
        CryptographicOperations.ZeroMemory(k);
        if (!ok)
        {
            throw new CryptographicException("The X25519 shared secret is all zero (small-order public key).");
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
        return (privateKey, PublicKeyFromPrivate(privateKey));
    }

    private static void RequireKey(ReadOnlySpan<byte> key, string name)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("X25519 keys and seeds are 32 bytes.", name);
        }
    }
}
