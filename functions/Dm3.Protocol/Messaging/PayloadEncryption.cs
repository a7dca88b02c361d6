using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;

namespace Dm3.Protocol.Messaging;

/// <summary>
/// The dm3 payload encryption <c>x25519-chacha20-poly1305</c> (W§6): ISO/IEC 7816-4 padding to 2048-byte blocks,
/// ChaCha20-Poly1305 IETF without associated data, and for the asymmetric layer an ephemeral X25519 key with the
/// libsodium <c>crypto_kx</c> key schedule (the second half of BLAKE2b-512(q ‖ e_pk ‖ R_pk)).
/// Every encryption draws a fresh random nonce (and ephemeral key). Decryption never throws on bad input.
/// </summary>
public static class PayloadEncryption
{
    public const string Scheme = "x25519-chacha20-poly1305";
    public const int PaddingBlockSize = 2048;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Encrypts <paramref name="plaintext"/> (UTF-8) to the receiver's X25519 public key.</summary>
    public static EncryptedPayload EncryptAsymmetric(ReadOnlySpan<byte> receiverPublicKey32, string plaintext)
    {
        // The ephemeral public key is computed once, together with the shared secret (see the seam below).
        Span<byte> ephemeralPrivate = stackalloc byte[32];
        Span<byte> nonce = stackalloc byte[ChaChaPoly.NonceSize];
        RandomNumberGenerator.Fill(ephemeralPrivate);
        RandomNumberGenerator.Fill(nonce);
        try
        {
            return EncryptAsymmetric(receiverPublicKey32, plaintext, ephemeralPrivate, nonce);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ephemeralPrivate);
        }
    }

    /// <summary>Test seam: the asymmetric layer with a given ephemeral private key and nonce (fixed vectors only).</summary>
    internal static EncryptedPayload EncryptAsymmetric(ReadOnlySpan<byte> receiverPublicKey32, string plaintext, ReadOnlySpan<byte> ephemeralPrivateKey32, ReadOnlySpan<byte> nonce12)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        if (receiverPublicKey32.Length != 32)
        {
            throw new ArgumentException("The receiver's X25519 public key must be 32 bytes.", nameof(receiverPublicKey32));
        }

        var ephemeralPublic = new byte[32];
        var q = new byte[32];
        X25519.EphemeralAgreement(ephemeralPrivateKey32, receiverPublicKey32, ephemeralPublic, q);
        var key = KxKey(q, ephemeralPublic, receiverPublicKey32);
        try
        {
            var symmetric = EncryptSymmetric(key, plaintext, nonce12);
            return symmetric with { EphemPublicKey = Base64Std.Encode(ephemeralPublic) };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(q);
        }
    }

    /// <summary>Encrypts with a 32-byte symmetric key and a fresh random nonce.</summary>
    public static EncryptedPayload EncryptSymmetric(ReadOnlySpan<byte> key32, string plaintext) =>
        EncryptSymmetric(key32, plaintext, RandomNumberGenerator.GetBytes(ChaChaPoly.NonceSize));

    /// <summary>Test seam: the symmetric layer with a given nonce (fixed vectors only).</summary>
    internal static EncryptedPayload EncryptSymmetric(ReadOnlySpan<byte> key32, string plaintext, ReadOnlySpan<byte> nonce12)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        if (key32.Length != ChaChaPoly.KeySize)
        {
            throw new ArgumentException("The symmetric key must be 32 bytes.", nameof(key32));
        }

        if (nonce12.Length != ChaChaPoly.NonceSize)
        {
            throw new ArgumentException("The nonce must be 12 bytes.", nameof(nonce12));
        }

        var padded = Pad(StrictUtf8.GetBytes(plaintext));
        var sealedData = ChaChaPoly.Encrypt(key32, nonce12, padded);
        return new EncryptedPayload(Base64Std.Encode(sealedData), Hex.Encode(nonce12), null);
    }

    /// <summary>
    /// Decrypts an asymmetric payload given as JSON text. The receiver's public key is derived from the private key
    /// (remembered per thread, so repeated calls with the same key derive it once).
    /// </summary>
    public static bool TryDecryptAsymmetric(ReadOnlySpan<byte> receiverPrivateKey32, string? payloadJson, [NotNullWhen(true)] out string? plaintext, [NotNullWhen(false)] out ProtocolError? error)
    {
        plaintext = null;
        if (!EncryptedPayload.TryParse(payloadJson, out var payload, out error))
        {
            return false;
        }

        return TryDecryptAsymmetric(receiverPrivateKey32, payload, out plaintext, out error);
    }

    public static bool TryDecryptAsymmetric(ReadOnlySpan<byte> receiverPrivateKey32, EncryptedPayload payload, [NotNullWhen(true)] out string? plaintext, [NotNullWhen(false)] out ProtocolError? error)
    {
        plaintext = null;
        if (receiverPrivateKey32.Length != 32)
        {
            error = new ProtocolError("encryption.bad_key", "The receiver's X25519 private key must be 32 bytes.");
            return false;
        }

        var receiverPublic = X25519.PublicKeyFromPrivate(receiverPrivateKey32);
        return TryDecryptAsymmetric(receiverPrivateKey32, receiverPublic, payload, out plaintext, out error);
    }

    /// <summary>Decrypts with a known key pair (avoids re-deriving the public key on hot paths).</summary>
    public static bool TryDecryptAsymmetric(ReadOnlySpan<byte> receiverPrivateKey32, ReadOnlySpan<byte> receiverPublicKey32, EncryptedPayload payload, [NotNullWhen(true)] out string? plaintext, [NotNullWhen(false)] out ProtocolError? error)
    {
        ArgumentNullException.ThrowIfNull(payload);
        plaintext = null;
        if (receiverPrivateKey32.Length != 32 || receiverPublicKey32.Length != 32)
        {
            error = new ProtocolError("encryption.bad_key", "The receiver's X25519 keys must be 32 bytes each.");
            return false;
        }

        if (payload.EphemPublicKey is null)
        {
            error = new ProtocolError("encryption.missing_ephemeral_key", "An asymmetric payload needs ephemPublicKey.");
            return false;
        }

        if (!Base64Std.TryDecode(payload.EphemPublicKey, out var ephemeralPublic, 32))
        {
            error = new ProtocolError("encryption.bad_ephemeral_key", "ephemPublicKey must be standard base64 of 32 bytes.");
            return false;
        }

        var q = new byte[32];
        if (!X25519.TrySharedSecret(receiverPrivateKey32, ephemeralPublic, q))
        {
            error = new ProtocolError("encryption.bad_ephemeral_key", "ephemPublicKey is a low-order point (all-zero shared secret).");
            return false;
        }

        var key = KxKey(q, ephemeralPublic, receiverPublicKey32);
        try
        {
            return TryDecryptSymmetric(key, payload, out plaintext, out error);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(q);
        }
    }

    /// <summary>As <see cref="TryDecryptAsymmetric(ReadOnlySpan{byte}, ReadOnlySpan{byte}, EncryptedPayload, out string?, out ProtocolError?)"/> for a payload given as JSON text.</summary>
    public static bool TryDecryptAsymmetric(ReadOnlySpan<byte> receiverPrivateKey32, ReadOnlySpan<byte> receiverPublicKey32, string? payloadJson, [NotNullWhen(true)] out string? plaintext, [NotNullWhen(false)] out ProtocolError? error)
    {
        plaintext = null;
        if (!EncryptedPayload.TryParse(payloadJson, out var payload, out error))
        {
            return false;
        }

        return TryDecryptAsymmetric(receiverPrivateKey32, receiverPublicKey32, payload, out plaintext, out error);
    }

    public static bool TryDecryptSymmetric(ReadOnlySpan<byte> key32, string? payloadJson, [NotNullWhen(true)] out string? plaintext, [NotNullWhen(false)] out ProtocolError? error)
    {
        plaintext = null;
        if (!EncryptedPayload.TryParse(payloadJson, out var payload, out error))
        {
            return false;
        }

        return TryDecryptSymmetric(key32, payload, out plaintext, out error);
    }

    /// <summary>Decrypts the symmetric layer: tag check, then libsodium padding removal, then strict UTF-8 decoding.</summary>
    public static bool TryDecryptSymmetric(ReadOnlySpan<byte> key32, EncryptedPayload payload, [NotNullWhen(true)] out string? plaintext, [NotNullWhen(false)] out ProtocolError? error)
    {
        ArgumentNullException.ThrowIfNull(payload);
        plaintext = null;
        if (key32.Length != ChaChaPoly.KeySize)
        {
            error = new ProtocolError("encryption.bad_key", "The symmetric key must be 32 bytes.");
            return false;
        }

        if (!Hex.TryDecode(payload.Nonce, out var nonce) || nonce.Length != ChaChaPoly.NonceSize)
        {
            error = new ProtocolError("encryption.bad_nonce", "nonce must be 0x-hex of 12 bytes.");
            return false;
        }

        if (!Base64Std.TryDecode(payload.Ciphertext, out var sealedData))
        {
            error = new ProtocolError("encryption.bad_ciphertext", "ciphertext must be standard base64.");
            return false;
        }

        if (sealedData.Length < ChaChaPoly.TagSize + PaddingBlockSize)
        {
            error = new ProtocolError("encryption.bad_ciphertext", "ciphertext is shorter than one padding block plus the tag.");
            return false;
        }

        var padded = ChaChaPoly.Decrypt(key32, nonce, sealedData);
        if (padded is null)
        {
            error = new ProtocolError("encryption.authentication_failed", "The ciphertext does not authenticate under this key.");
            return false;
        }

        if (!TryUnpad(padded, out var length))
        {
            error = new ProtocolError("encryption.bad_padding", "The decrypted data has no valid padding marker in its last 2048-byte block.");
            return false;
        }

        try
        {
            plaintext = StrictUtf8.GetString(padded, 0, length);
        }
        catch (DecoderFallbackException)
        {
            error = new ProtocolError("encryption.bad_utf8", "The decrypted plaintext is not valid UTF-8.");
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>libsodium crypto_kx session key used by both sides: BLAKE2b-512(q ‖ e_pk ‖ R_pk)[32..64].</summary>
    internal static byte[] KxKey(ReadOnlySpan<byte> q, ReadOnlySpan<byte> ephemeralPublic, ReadOnlySpan<byte> receiverPublic)
    {
        Span<byte> input = stackalloc byte[96];
        q.CopyTo(input);
        ephemeralPublic.CopyTo(input[32..]);
        receiverPublic.CopyTo(input[64..]);
        var h = Hashes.Blake2b512(input);
        var key = h[32..64];
        CryptographicOperations.ZeroMemory(h);
        CryptographicOperations.ZeroMemory(input);
        return key;
    }

    /// <summary>ISO/IEC 7816-4 padding (libsodium <c>sodium_pad</c>, block size 2048): 0x80 then zeros; a full block gains a block.</summary>
    internal static byte[] Pad(ReadOnlySpan<byte> data)
    {
        var paddedLength = PaddingBlockSize * ((data.Length / PaddingBlockSize) + 1);
        var padded = new byte[paddedLength];
        data.CopyTo(padded);
        padded[data.Length] = 0x80;
        return padded;
    }

    /// <summary>
    /// libsodium <c>sodium_unpad</c>: the data must hold at least one block, and scanning the last 2048 bytes backwards
    /// over zero bytes must reach a 0x80 marker inside that block.
    /// </summary>
    internal static bool TryUnpad(ReadOnlySpan<byte> padded, out int unpaddedLength)
    {
        unpaddedLength = 0;
        if (padded.Length < PaddingBlockSize)
        {
            return false;
        }

        for (var i = padded.Length - 1; i >= padded.Length - PaddingBlockSize; i--)
        {
            var b = padded[i];
            if (b == 0x80)
            {
                unpaddedLength = i;
                return true;
            }

            if (b != 0)
            {
                return false;
            }
        }

        return false;
    }
}
