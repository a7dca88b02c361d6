using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Dm3.Protocol.Profiles;

/// <summary>
/// The parts of an IPFS CID an <c>ipfs://</c> profile record needs: a CIDv1 in base32 (<c>b…</c>) whose codec is
/// raw (0x55) or json (0x0200) and whose multihash is sha2-256 names the content's bytes directly, so the fetched record
/// can be checked against it (<see cref="CanVerify"/>). Other CIDs (CIDv0 <c>Qm…</c>, dag-pb) hash a UnixFS encoding; for
/// those the operator's gateway is trusted. Parsing never throws.
/// </summary>
public sealed record IpfsCid(int Version, ulong Codec, ulong HashFunction, byte[] Digest)
{
    private const ulong Raw = 0x55;
    private const ulong Json = 0x0200;
    private const ulong Sha256 = 0x12;

    /// <summary>True when the content's SHA-256 is the CID's digest (CIDv1, raw or json codec, sha2-256).</summary>
    public bool CanVerify => Version == 1 && Codec is Raw or Json && HashFunction == Sha256 && Digest.Length == 32;

    /// <summary>Whether <paramref name="content"/> is what the CID names (only meaningful when <see cref="CanVerify"/>).</summary>
    public bool Matches(ReadOnlySpan<byte> content) => CanVerify && CryptographicOperations.FixedTimeEquals(SHA256.HashData(content), Digest);

    public bool Equals(IpfsCid? other) =>
        other is not null && Version == other.Version && Codec == other.Codec && HashFunction == other.HashFunction && Digest.AsSpan().SequenceEqual(other.Digest);

    public override int GetHashCode() => HashCode.Combine(Version, Codec, HashFunction, Digest.Length);

    /// <summary>Parses a CIDv0 (<c>Qm…</c>, recognised but not decoded: dag-pb) or a base32 CIDv1 (<c>b…</c>).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out IpfsCid? cid)
    {
        cid = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text.Length == 46 && text.StartsWith("Qm", StringComparison.Ordinal))
        {
            cid = new IpfsCid(0, 0x70, Sha256, []);
            return true;
        }

        if (text[0] != 'b' || !TryBase32(text.AsSpan(1), out var bytes))
        {
            return false;
        }

        var span = (ReadOnlySpan<byte>)bytes;
        if (!TryVarint(ref span, out var version) || version != 1 || !TryVarint(ref span, out var codec)
            || !TryVarint(ref span, out var hash) || !TryVarint(ref span, out var length) || (ulong)span.Length != length)
        {
            return false;
        }

        cid = new IpfsCid(1, codec, hash, span.ToArray());
        return true;
    }

    private static bool TryVarint(ref ReadOnlySpan<byte> span, out ulong value)
    {
        value = 0;
        for (var i = 0; i < 9 && i < span.Length; i++)
        {
            value |= (ulong)(span[i] & 0x7f) << (7 * i);
            if ((span[i] & 0x80) == 0)
            {
                span = span[(i + 1)..];
                return true;
            }
        }

        return false;
    }

    /// <summary>RFC 4648 base32, lower case, no padding (multibase <c>b</c>).</summary>
    private static bool TryBase32(ReadOnlySpan<char> text, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        var output = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in text)
        {
            int v = c switch
            {
                >= 'a' and <= 'z' => c - 'a',
                >= '2' and <= '7' => c - '2' + 26,
                _ => -1,
            };
            if (v < 0)
            {
                return false;
            }

            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                output.Add((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }

        if (buffer != 0)
        {
            return false;
        }

        bytes = [.. output];
        return true;
    }
}
