using System.Buffers.Binary;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Dm3.Protocol.Messaging;

/// <summary>
/// ChaCha20-Poly1305 IETF (RFC 8439) with no associated data. Uses the platform implementation when
/// <see cref="ChaCha20Poly1305.IsSupported"/>, otherwise an RFC 8439 composition of BouncyCastle's
/// ChaCha7539 engine and Poly1305 MAC. Output layout: ciphertext ‖ 16-byte tag (libsodium's combined form).
/// </summary>
internal static class ChaChaPoly
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;

    public static bool UsePlatform { get; } = ChaCha20Poly1305.IsSupported;

    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext) =>
        UsePlatform ? EncryptPlatform(key, nonce, plaintext) : EncryptPortable(key, nonce, plaintext);

    /// <summary>Returns null when the tag does not verify.</summary>
    public static byte[]? Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> sealedData) =>
        UsePlatform ? DecryptPlatform(key, nonce, sealedData) : DecryptPortable(key, nonce, sealedData);

    internal static byte[] EncryptPlatform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[plaintext.Length + TagSize];
        using var aead = new ChaCha20Poly1305(key);
        aead.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length));
        return output;
    }

    internal static byte[]? DecryptPlatform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> sealedData)
    {
        if (sealedData.Length < TagSize)
        {
            return null;
        }

        var length = sealedData.Length - TagSize;
        var output = new byte[length];
        using var aead = new ChaCha20Poly1305(key);
        try
        {
            aead.Decrypt(nonce, sealedData[..length], sealedData[length..], output);
            return output;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    internal static byte[] EncryptPortable(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext)
    {
        var (engine, polyKey) = Start(key, nonce);
        var input = plaintext.ToArray();
        var output = new byte[input.Length + TagSize];
        engine.ProcessBytes(input, 0, input.Length, output, 0);
        var tag = ComputeTag(polyKey, output, input.Length);
        Buffer.BlockCopy(tag, 0, output, input.Length, TagSize);
        return output;
    }

    internal static byte[]? DecryptPortable(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> sealedData)
    {
        if (sealedData.Length < TagSize)
        {
            return null;
        }

        var length = sealedData.Length - TagSize;
        var (engine, polyKey) = Start(key, nonce);
        var ciphertext = sealedData[..length].ToArray();
        var expected = ComputeTag(polyKey, ciphertext, length);
        if (!CryptographicOperations.FixedTimeEquals(expected, sealedData[length..]))
        {
            return null;
        }

        var output = new byte[length];
        engine.ProcessBytes(ciphertext, 0, length, output, 0);
        return output;
    }

    private static (ChaCha7539Engine Engine, byte[] PolyKey) Start(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce)
    {
        if (key.Length != KeySize || nonce.Length != NonceSize)
        {
            throw new ArgumentException("ChaCha20-Poly1305 needs a 32-byte key and a 12-byte nonce.");
        }

        var engine = new ChaCha7539Engine();
        engine.Init(true, new ParametersWithIV(new KeyParameter(key.ToArray()), nonce.ToArray()));

        // Block 0 of the key stream gives the one-time Poly1305 key; encryption continues with block 1.
        var block = new byte[64];
        engine.ProcessBytes(new byte[64], 0, 64, block, 0);
        return (engine, block[..32]);
    }

    private static byte[] ComputeTag(byte[] polyKey, byte[] ciphertext, int length)
    {
        var mac = new Poly1305();
        mac.Init(new KeyParameter(polyKey));
        mac.BlockUpdate(ciphertext, 0, length);
        var pad = (16 - (length % 16)) % 16;
        if (pad > 0)
        {
            mac.BlockUpdate(new byte[pad], 0, pad);
        }

        var lengths = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(lengths.AsSpan(0, 8), 0); // no associated data
        BinaryPrimitives.WriteUInt64LittleEndian(lengths.AsSpan(8, 8), (ulong)length);
        mac.BlockUpdate(lengths, 0, 16);
        var tag = new byte[TagSize];
        mac.DoFinal(tag, 0);
        return tag;
    }
}
