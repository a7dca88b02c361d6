using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace Dm3.Protocol.Crypto;

/// <summary>Hash functions used by dm3.</summary>
public static class Hashes
{
    public static byte[] Sha256(ReadOnlySpan<byte> data) => SHA256.HashData(data);

    /// <summary>Original Keccak-256 (Ethereum), not FIPS SHA3-256.</summary>
    public static byte[] Keccak256(ReadOnlySpan<byte> data) => Digest(new KeccakDigest(256), data);

    /// <summary>Unkeyed BLAKE2b with a 32-byte output.</summary>
    public static byte[] Blake2b256(ReadOnlySpan<byte> data) => Digest(new Blake2bDigest(256), data);

    /// <summary>Unkeyed BLAKE2b with a 64-byte output.</summary>
    public static byte[] Blake2b512(ReadOnlySpan<byte> data) => Digest(new Blake2bDigest(512), data);

    /// <summary>"0x" + 64 lower-case hex digits of SHA-256 over the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static string Sha256HexOfUtf8(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "0x" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    private static byte[] Digest(IDigest digest, ReadOnlySpan<byte> data)
    {
        // BouncyCastle 1.8 has no span overloads; copy once.
        var input = data.ToArray();
        digest.BlockUpdate(input, 0, input.Length);
        var output = new byte[digest.GetDigestSize()];
        digest.DoFinal(output, 0);
        return output;
    }
}
