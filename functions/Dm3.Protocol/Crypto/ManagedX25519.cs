using System.Security.Cryptography;
using Rfc7748 = Org.BouncyCastle.Math.EC.Rfc7748.X25519;

namespace Dm3.Protocol.Crypto;

/// <summary>The BouncyCastle implementation behind <see cref="X25519"/> (fallback and reference for the native one).</summary>
internal static class ManagedX25519
{
    private static readonly byte[] CacheDomain = "dm3/x25519-private"u8.ToArray();

    [ThreadStatic]
    private static KeyCache<byte[]>? t_publicKeys;

    public static void PublicKeyFromPrivate(ReadOnlySpan<byte> privateKey32, Span<byte> publicKey32, bool cache)
    {
        Span<byte> id = stackalloc byte[KeyCache<byte[]>.IdSize];
        KeyCache<byte[]>? keys = null;
        if (cache)
        {
            keys = t_publicKeys ??= new KeyCache<byte[]>();
            KeyCache<byte[]>.PrivateKeyId(privateKey32, CacheDomain, id);
            if (keys.Find(id) is { } known)
            {
                known.CopyTo(publicKey32);
                return;
            }
        }

        var k = privateKey32.ToArray();
        var publicKey = new byte[32];
        Rfc7748.ScalarMultBase(k, 0, publicKey, 0);
        CryptographicOperations.ZeroMemory(k);
        publicKey.CopyTo(publicKey32);
        keys?.Add(id, publicKey);
    }

    /// <summary>Raw X25519 output; false when it is all zero (small-order peer key).</summary>
    public static bool SharedSecret(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> peerPublicKey32, Span<byte> shared32)
    {
        var k = privateKey32.ToArray();
        var shared = new byte[32];
        try
        {
            var ok = Rfc7748.CalculateAgreement(k, 0, peerPublicKey32.ToArray(), 0, shared, 0);
            shared.CopyTo(shared32);
            return ok;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(k);
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>Public key of an ephemeral private key and its shared secret with the peer (each computed once).</summary>
    public static bool Agree(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> peerPublicKey32, Span<byte> ownPublicKey32, Span<byte> shared32)
    {
        PublicKeyFromPrivate(privateKey32, ownPublicKey32, cache: false);
        return SharedSecret(privateKey32, peerPublicKey32, shared32);
    }
}
