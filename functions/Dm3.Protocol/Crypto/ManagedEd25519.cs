using System.Security.Cryptography;
using Rfc8032 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace Dm3.Protocol.Crypto;

/// <summary>The BouncyCastle implementation behind <see cref="Ed25519"/> (fallback and reference for the native one).</summary>
internal static class ManagedEd25519
{
    private static readonly byte[] CacheDomain = "dm3/ed25519-signing"u8.ToArray();
    private static readonly object Validated = new();

    // Fingerprints of signing keys whose public half was already checked against the seed on this thread.
    [ThreadStatic]
    private static KeyCache<object>? t_validatedKeys;

    public static void PublicKeyFromSeed(ReadOnlySpan<byte> seed32, Span<byte> publicKey32)
    {
        var seed = seed32.ToArray();
        var publicKey = new byte[32];
        Rfc8032.GeneratePublicKey(seed, 0, publicKey, 0);
        CryptographicOperations.ZeroMemory(seed);
        publicKey.CopyTo(publicKey32);
    }

    /// <summary>Signs with a libsodium-layout key; throws <see cref="ArgumentException"/> when its public half does not match the seed.</summary>
    public static void Sign(ReadOnlySpan<byte> privateKey64, ReadOnlySpan<byte> message, Span<byte> signature64)
    {
        var cache = t_validatedKeys ??= new KeyCache<object>();
        Span<byte> id = stackalloc byte[KeyCache<object>.IdSize];
        KeyCache<object>.PrivateKeyId(privateKey64, CacheDomain, id);
        var seed = privateKey64[..32].ToArray();
        var publicKey = privateKey64[32..].ToArray();
        try
        {
            if (cache.Find(id) is null)
            {
                var derived = new byte[32];
                Rfc8032.GeneratePublicKey(seed, 0, derived, 0);
                if (!CryptographicOperations.FixedTimeEquals(derived, publicKey))
                {
                    throw new ArgumentException("The public half of the Ed25519 private key does not match its seed.", nameof(privateKey64));
                }

                cache.Add(id, Validated);
            }

            var data = message.ToArray();
            var signature = new byte[64];
            Rfc8032.Sign(seed, 0, publicKey, 0, data, 0, data.Length, signature, 0);
            signature.CopyTo(signature64);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Never throws.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature64)
    {
        try
        {
            var data = message.ToArray();
            return Rfc8032.Verify(signature64.ToArray(), 0, publicKey32.ToArray(), 0, data, 0, data.Length);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException)
        {
            return false;
        }
    }
}
