using Dm3.Protocol.Crypto.Providers;

namespace Dm3.Protocol.Messaging;

/// <summary>
/// ChaCha20-Poly1305 IETF (RFC 8439, libsodium's <c>crypto_aead_chacha20poly1305_ietf</c>) with no associated data,
/// from the installed <see cref="ICryptoProvider"/>. Output layout: ciphertext ‖ 16-byte tag (libsodium's combined form).
/// </summary>
internal static class ChaChaPoly
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;

    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext)
    {
        RequireKeyAndNonce(key, nonce);
        var output = new byte[plaintext.Length + TagSize];
        CryptoProvider.Current.ChaCha20Poly1305Seal(key, nonce, plaintext, output);
        return output;
    }

    /// <summary>Returns null when the tag does not verify.</summary>
    public static byte[]? Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> sealedData)
    {
        RequireKeyAndNonce(key, nonce);
        if (sealedData.Length < TagSize)
        {
            return null;
        }

        var output = new byte[sealedData.Length - TagSize];
        return CryptoProvider.Current.ChaCha20Poly1305Open(key, nonce, sealedData, output) ? output : null;
    }

    private static void RequireKeyAndNonce(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce)
    {
        if (key.Length != KeySize || nonce.Length != NonceSize)
        {
            throw new ArgumentException("ChaCha20-Poly1305 needs a 32-byte key and a 12-byte nonce.");
        }
    }
}
