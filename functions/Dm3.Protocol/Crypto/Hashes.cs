using System.Security.Cryptography;
using Dm3.Protocol.Crypto.Providers;
using Org.BouncyCastle.Crypto.Digests;

namespace Dm3.Protocol.Crypto;

/// <summary>Hash functions used by dm3.</summary>
public static class Hashes
{
    public static byte[] Sha256(ReadOnlySpan<byte> data) => SHA256.HashData(data);

    /// <summary>Original Keccak-256 (Ethereum), not FIPS SHA3-256.</summary>
    public static byte[] Keccak256(ReadOnlySpan<byte> data)
    {
        var digest = new KeccakDigest(256);
        digest.BlockUpdate(data);
        var output = new byte[32];
        digest.DoFinal(output);
        return output;
    }

    /// <summary>Unkeyed BLAKE2b with a 32-byte output (from the installed <see cref="ICryptoProvider"/>).</summary>
    public static byte[] Blake2b256(ReadOnlySpan<byte> data) => Blake2b(data, 32);

    /// <summary>Unkeyed BLAKE2b with a 64-byte output (from the installed <see cref="ICryptoProvider"/>).</summary>
    public static byte[] Blake2b512(ReadOnlySpan<byte> data) => Blake2b(data, 64);

    /// <summary>"0x" + 64 lower-case hex digits of SHA-256 over the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static string Sha256HexOfUtf8(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "0x" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    private static byte[] Blake2b(ReadOnlySpan<byte> data, int size)
    {
        var output = new byte[size];
        CryptoProvider.Current.Blake2b(data, output);
        return output;
    }
}
