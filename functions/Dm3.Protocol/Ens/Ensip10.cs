using System.Diagnostics.CodeAnalysis;
using Dm3.Protocol.Abi;

namespace Dm3.Protocol.Ens;

/// <summary>
/// The on-chain calls of ENS resolution (ENSIP-1, ENSIP-10): the registry's <c>resolver(bytes32)</c>, ERC-165
/// <c>supportsInterface(bytes4)</c>, the wildcard <c>resolve(bytes,bytes)</c>, and the decoders of their results.
/// Pure: the caller performs the <c>eth_call</c>s.
/// </summary>
public static class Ensip10
{
    /// <summary><c>resolver(bytes32 node)</c> on the ENS registry.</summary>
    public const uint ResolverSelector = 0x0178b8bf;

    /// <summary><c>supportsInterface(bytes4 interfaceId)</c> (ERC-165).</summary>
    public const uint SupportsInterfaceSelector = 0x01ffc9a7;

    /// <summary>The interface id of IExtendedResolver (<c>resolve(bytes,bytes)</c>).</summary>
    public const uint ExtendedResolverInterface = Selectors.Resolve;

    /// <summary>The ENS registry on Ethereum mainnet and its testnets (the same address everywhere).</summary>
    public const string MainnetRegistry = "0x00000000000C2E074eC69A0dFb2997BA6C7d2e1e";

    private static readonly AbiType[] AddressResult = [AbiType.Address];
    private static readonly AbiType[] BytesResult = [AbiType.Bytes];
    private static readonly AbiType[] StringResult = [AbiType.String];

    /// <summary><c>resolver(namehash(name))</c>.</summary>
    public static byte[] ResolverCall(ReadOnlySpan<byte> node) =>
        AbiCodec.EncodeCall(ResolverSelector, new AbiValue.FixedBytes(node));

    /// <summary><c>supportsInterface(interfaceId)</c>.</summary>
    public static byte[] SupportsInterfaceCall(uint interfaceId)
    {
        Span<byte> id = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(id, interfaceId);
        return AbiCodec.EncodeCall(SupportsInterfaceSelector, new AbiValue.FixedBytes(id));
    }

    /// <summary>
    /// The names ENSIP-10 asks the registry about, nearest first: the name itself, then each parent, excluding the root.
    /// </summary>
    public static IEnumerable<string> NameAndParents(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var current = name;
        while (current.Length > 0)
        {
            yield return current;
            var dot = current.IndexOf('.', StringComparison.Ordinal);
            current = dot < 0 ? string.Empty : current[(dot + 1)..];
        }
    }

    /// <summary>Decodes an <c>address</c> result (32-byte ABI word).</summary>
    public static bool TryDecodeAddress(ReadOnlySpan<byte> result, [NotNullWhen(true)] out byte[]? address20, [NotNullWhen(false)] out ProtocolError? error)
    {
        address20 = null;
        if (!AbiCodec.TryDecode(result, AddressResult, out var values, out error))
        {
            return false;
        }

        address20 = ((AbiValue.Address)values[0]).Value;
        return true;
    }

    /// <summary>Decodes a <c>bool</c> result; anything but a 32-byte 0 or 1 is false (ERC-165 callers treat junk as "no").</summary>
    public static bool DecodeBool(ReadOnlySpan<byte> result) =>
        result.Length == 32 && result[31] == 1 && !result[..31].ContainsAnyExcept((byte)0);

    /// <summary>Decodes a <c>bytes</c> result (what <c>resolve(bytes,bytes)</c> and <c>resolveWithProof</c> return).</summary>
    public static bool TryDecodeBytes(ReadOnlySpan<byte> result, [NotNullWhen(true)] out byte[]? bytes, [NotNullWhen(false)] out ProtocolError? error)
    {
        bytes = null;
        if (!AbiCodec.TryDecode(result, BytesResult, out var values, out error))
        {
            return false;
        }

        bytes = ((AbiValue.Bytes)values[0]).Value;
        return true;
    }

    /// <summary>Decodes a <c>string</c> result (what <c>text(bytes32,string)</c> returns). An empty result reads as "".</summary>
    public static bool TryDecodeString(ReadOnlySpan<byte> result, [NotNullWhen(true)] out string? text, [NotNullWhen(false)] out ProtocolError? error)
    {
        text = null;
        if (result.IsEmpty)
        {
            text = string.Empty;
            error = null;
            return true;
        }

        if (!AbiCodec.TryDecode(result, StringResult, out var values, out error))
        {
            return false;
        }

        text = ((AbiValue.Text)values[0]).Value;
        return true;
    }

    /// <summary>True when the 20 bytes are all zero (no resolver, no address).</summary>
    public static bool IsZeroAddress(ReadOnlySpan<byte> address20) => !address20.ContainsAnyExcept((byte)0);
}
