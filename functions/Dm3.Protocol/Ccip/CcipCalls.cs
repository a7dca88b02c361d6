using System.Numerics;
using Dm3.Protocol.Abi;

namespace Dm3.Protocol.Ccip;

/// <summary>Encoders for the calls a CCIP-Read client sends (tests, bench and clients build requests with these).</summary>
public static class CcipCalls
{
    /// <summary><c>resolve(bytes dnsName, bytes data)</c> (ENS family outer call).</summary>
    public static byte[] Resolve(ReadOnlySpan<byte> dnsName, ReadOnlySpan<byte> data) =>
        AbiCodec.EncodeCall(Selectors.Resolve, new AbiValue.Bytes(dnsName), new AbiValue.Bytes(data));

    /// <summary><c>resolveWithContext(bytes dnsName, bytes data, bytes context)</c> (dm3 family outer call).</summary>
    public static byte[] ResolveWithContext(ReadOnlySpan<byte> dnsName, ReadOnlySpan<byte> data, ReadOnlySpan<byte> context) =>
        AbiCodec.EncodeCall(Selectors.ResolveWithContext, new AbiValue.Bytes(dnsName), new AbiValue.Bytes(data), new AbiValue.Bytes(context));

    /// <summary>The outer call of the given family (<paramref name="context"/> is used by the dm3 family only).</summary>
    public static byte[] Outer(ResolverFamily family, ReadOnlySpan<byte> dnsName, ReadOnlySpan<byte> data, ReadOnlySpan<byte> context = default) =>
        family switch
        {
            ResolverFamily.EnsOffchainResolver => Resolve(dnsName, data),
            ResolverFamily.Dm3Resolver => ResolveWithContext(dnsName, data, context),
            _ => throw new ArgumentOutOfRangeException(nameof(family)),
        };

    /// <summary><c>text(bytes32 node, string key)</c>.</summary>
    public static byte[] Text(ReadOnlySpan<byte> node, string key) =>
        AbiCodec.EncodeCall(Selectors.Text, new AbiValue.FixedBytes(Node(node)), new AbiValue.Text(key));

    /// <summary><c>addr(bytes32 node)</c>.</summary>
    public static byte[] Addr(ReadOnlySpan<byte> node) =>
        AbiCodec.EncodeCall(Selectors.Addr, new AbiValue.FixedBytes(Node(node)));

    /// <summary><c>addr(bytes32 node, uint256 coinType)</c>.</summary>
    public static byte[] AddrCoin(ReadOnlySpan<byte> node, BigInteger coinType) =>
        AbiCodec.EncodeCall(Selectors.AddrCoin, new AbiValue.FixedBytes(Node(node)), AbiValue.Uint.U256(coinType));

    /// <summary><c>contenthash(bytes32 node)</c>.</summary>
    public static byte[] ContentHash(ReadOnlySpan<byte> node) =>
        AbiCodec.EncodeCall(Selectors.ContentHash, new AbiValue.FixedBytes(Node(node)));

    /// <summary><c>multicall(bytes[] calls)</c>.</summary>
    public static byte[] Multicall(IReadOnlyList<byte[]> calls) =>
        AbiCodec.EncodeCall(Selectors.Multicall, AbiValue.List.OfBytes(calls));

    /// <summary>The ENS OffchainResolver's later <c>extraData = abi.encode(bytes callData, address resolver)</c>.</summary>
    public static byte[] EnsExtraData(ReadOnlySpan<byte> callData, ReadOnlySpan<byte> resolver20) =>
        AbiCodec.Encode(new AbiValue.Bytes(callData), new AbiValue.Address(resolver20));

    private static ReadOnlySpan<byte> Node(ReadOnlySpan<byte> node) =>
        node.Length == 32 ? node : throw new ArgumentException("A node has exactly 32 bytes.", nameof(node));
}
