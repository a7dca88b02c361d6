using System.Security.Cryptography;
using Dm3.Protocol.Encoding;
using Rfc8032 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace Dm3.Protocol.Crypto;

/// <summary>
/// Pure Ed25519 (RFC 8032) with the libsodium key layout: private key (64 bytes) = seed ‖ public key.
/// </summary>
public static class Ed25519
{
    /// <summary>libsodium <c>crypto_sign_seed_keypair</c>.</summary>
    public static (byte[] PrivateKey64, byte[] PublicKey32) KeyPairFromSeed(ReadOnlySpan<byte> seed32)
    {
        if (seed32.Length != 32)
        {
            throw new ArgumentException("An Ed25519 seed is 32 bytes.", nameof(seed32));
        }

        var seed = seed32.ToArray();
        var publicKey = new byte[32];
        Rfc8032.GeneratePublicKey(seed, 0, publicKey, 0);
        var privateKey = new byte[64];
        seed.CopyTo(privateKey, 0);
        publicKey.CopyTo(privateKey, 32);
        CryptographicOperations.ZeroMemory(seed);
        return (privateKey, publicKey);
    }

    /// <summary>
    /// Detached signature (64 bytes). Unlike libsodium, the public half of the private key is checked against the
    /// seed, so a mismatched key can never leak the signing scalar.
    /// </summary>
    public static byte[] Sign(ReadOnlySpan<byte> privateKey64, ReadOnlySpan<byte> message)
    {
        if (privateKey64.Length != 64)
        {
            throw new ArgumentException("An Ed25519 private key is 64 bytes (seed ‖ public key).", nameof(privateKey64));
        }

        var seed = privateKey64[..32].ToArray();
        var publicKey = new byte[32];
        Rfc8032.GeneratePublicKey(seed, 0, publicKey, 0);
        if (!CryptographicOperations.FixedTimeEquals(publicKey, privateKey64[32..]))
        {
            CryptographicOperations.ZeroMemory(seed);
            throw new ArgumentException("The public half of the Ed25519 private key does not match its seed.", nameof(privateKey64));
        }

        var data = message.ToArray();
        var signature = new byte[64];
        Rfc8032.Sign(seed, 0, publicKey, 0, data, 0, data.Length, signature, 0);
        CryptographicOperations.ZeroMemory(seed);
        return signature;
    }

    /// <summary>Verifies a detached signature. Returns false (never throws) on any malformed input.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature64)
    {
        if (publicKey32.Length != 32 || signature64.Length != 64)
        {
            return false;
        }

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

    /// <summary>dm3 convention (W§5): base64 of the detached signature over the UTF-8 bytes of the text.</summary>
    public static string SignText(ReadOnlySpan<byte> privateKey64, string utf8Text)
    {
        ArgumentNullException.ThrowIfNull(utf8Text);
        return Base64Std.Encode(Sign(privateKey64, System.Text.Encoding.UTF8.GetBytes(utf8Text)));
    }

    /// <summary>Verifies a base64 signature over the UTF-8 bytes of the text. Never throws.</summary>
    public static bool VerifyText(ReadOnlySpan<byte> publicKey32, string utf8Text, string signatureBase64) =>
        utf8Text is not null
        && Base64Std.TryDecode(signatureBase64, out var signature, 64)
        && Verify(publicKey32, System.Text.Encoding.UTF8.GetBytes(utf8Text), signature);
}
