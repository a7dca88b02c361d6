using System.Security.Cryptography;
using Dm3.Protocol.Crypto.Providers;
using Sodium;

namespace Dm3.Protocol.Sodium;

/// <summary>
/// The native provider: libsodium (the library dm3 itself uses) through Sodium.Core. Ed25519 is
/// <c>crypto_sign_*</c> with its 64-byte secret key, X25519 <c>crypto_scalarmult</c>, BLAKE2b
/// <c>crypto_generichash</c>, and the AEAD <c>crypto_aead_chacha20poly1305_ietf</c>.
/// Sodium.Core works on arrays, so spans are copied once on the way in.
/// </summary>
public sealed class SodiumCryptoProvider : ICryptoProvider
{
    private SodiumCryptoProvider()
    {
    }

    public static SodiumCryptoProvider Instance { get; } = new();

    public string Name => $"native (libsodium {SodiumCore.SodiumVersionString()} via Sodium.Core)";

    /// <summary>Makes libsodium the process-wide provider. Call once at start-up of a host where native code runs.</summary>
    /// <exception cref="DllNotFoundException">libsodium cannot be loaded on this platform.</exception>
    public static void Install()
    {
        SodiumCore.Init();
        CryptoProvider.Install(Instance);
    }

    public void Ed25519PublicKey(ReadOnlySpan<byte> seed32, Span<byte> publicKey32)
    {
        var seed = seed32.ToArray();
        var pair = PublicKeyAuth.GenerateKeyPair(seed);
        pair.PublicKey.CopyTo(publicKey32);
        CryptographicOperations.ZeroMemory(seed);
        CryptographicOperations.ZeroMemory(pair.PrivateKey);
    }

    public void Ed25519Sign(ReadOnlySpan<byte> privateKey64, ReadOnlySpan<byte> message, Span<byte> signature64)
    {
        var key = privateKey64.ToArray();
        try
        {
            PublicKeyAuth.SignDetached(message.ToArray(), key).CopyTo(signature64);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public bool Ed25519Verify(ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature64) =>
        PublicKeyAuth.VerifyDetached(signature64.ToArray(), message.ToArray(), publicKey32.ToArray());

    public void X25519PublicKey(ReadOnlySpan<byte> privateKey32, Span<byte> publicKey32)
    {
        var key = privateKey32.ToArray();
        ScalarMult.Base(key).CopyTo(publicKey32);
        CryptographicOperations.ZeroMemory(key);
    }

    public void X25519Agree(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> publicKey32, Span<byte> shared32)
    {
        var key = privateKey32.ToArray();
        var shared = ScalarMult.Mult(key, publicKey32.ToArray());
        shared.CopyTo(shared32);
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(shared);
    }

    public void Blake2b(ReadOnlySpan<byte> data, Span<byte> hash) =>
        GenericHash.Hash(data.ToArray(), (byte[]?)null, hash.Length).CopyTo(hash);

    public void ChaCha20Poly1305Seal(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> nonce12, ReadOnlySpan<byte> plaintext, Span<byte> @sealed)
    {
        var key = key32.ToArray();
        SecretAeadChaCha20Poly1305IETF.Encrypt(plaintext.ToArray(), nonce12.ToArray(), key).CopyTo(@sealed);
        CryptographicOperations.ZeroMemory(key);
    }

    public bool ChaCha20Poly1305Open(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> nonce12, ReadOnlySpan<byte> @sealed, Span<byte> plaintext)
    {
        var key = key32.ToArray();
        try
        {
            SecretAeadChaCha20Poly1305IETF.Decrypt(@sealed.ToArray(), nonce12.ToArray(), key).CopyTo(plaintext);
            return true;
        }
        catch (CryptographicException)
        {
            return false; // the tag does not verify
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
