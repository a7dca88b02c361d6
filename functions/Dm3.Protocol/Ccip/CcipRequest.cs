using System.Diagnostics.CodeAnalysis;
using Dm3.Protocol.Abi;
using Dm3.Protocol.Ens;

namespace Dm3.Protocol.Ccip;

/// <summary>
/// A decoded gateway request (W§12.3): the outer call (<c>resolve</c> for the ENS family, <c>resolveWithContext</c>
/// for the dm3 family), the DNS-decoded and validated name, its node, and the inner record query.
/// <see cref="Calldata"/> is the full outer call as received: it is the <c>request</c> covered by the signature.
/// </summary>
public sealed record CcipRequest
{
    private static readonly AbiType[] ResolveArgs = [AbiType.Bytes, AbiType.Bytes];
    private static readonly AbiType[] ResolveWithContextArgs = [AbiType.Bytes, AbiType.Bytes, AbiType.Bytes];
    private static readonly AbiType[] NodeArgs = [AbiType.Bytes32];
    private static readonly AbiType[] TextArgs = [AbiType.Bytes32, AbiType.String];
    private static readonly AbiType[] AddrCoinArgs = [AbiType.Bytes32, AbiType.Uint256];
    private static readonly AbiType[] MulticallArgs = [AbiType.BytesArray];

    private CcipRequest(ResolverFamily family, byte[] calldata, byte[] dnsName, string name, byte[] node, byte[] innerCalldata, byte[]? context, RecordQuery query)
    {
        Family = family;
        Calldata = calldata;
        DnsName = dnsName;
        Name = name;
        Node = node;
        InnerCalldata = innerCalldata;
        Context = context;
        Query = query;
    }

    /// <summary>The request form, from the outer selector.</summary>
    public ResolverFamily Family { get; }

    /// <summary>The complete outer calldata as received (the signed <c>request</c>).</summary>
    public byte[] Calldata { get; }

    /// <summary>The DNS wire-format name argument.</summary>
    public byte[] DnsName { get; }

    /// <summary>The decoded name (validated by <see cref="EnsNameRules.TryValidateName"/>).</summary>
    public string Name { get; }

    /// <summary>namehash(<see cref="Name"/>).</summary>
    public byte[] Node { get; }

    /// <summary>The inner record call (<c>data</c> argument).</summary>
    public byte[] InnerCalldata { get; }

    /// <summary>The dm3 family's context (node owner, normally 20 bytes); informational. Null for the ENS family.</summary>
    public byte[]? Context { get; }

    /// <summary>The decoded record query.</summary>
    public RecordQuery Query { get; }

    /// <summary>
    /// Decodes gateway calldata. Failures (all of them map to HTTP 400): <c>ccip.calldata_too_short</c>,
    /// <c>ccip.unknown_selector</c> (outer), <c>abi.*</c> (malformed ABI), <c>ens.dns.*</c> (bad DNS name),
    /// <c>ens.name.*</c> (a name we do not accept), <c>ccip.unsupported_record</c> (unknown inner selector, or multicall
    /// in the dm3 family), <c>ccip.node_mismatch</c>. Never throws.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> calldata, [NotNullWhen(true)] out CcipRequest? request, [NotNullWhen(false)] out ProtocolError? error)
    {
        request = null;
        if (!AbiCodec.TryReadSelector(calldata, out var selector))
        {
            error = new ProtocolError("ccip.calldata_too_short", "The calldata is shorter than a 4-byte selector.");
            return false;
        }

        ResolverFamily family;
        IReadOnlyList<AbiType> args;
        switch (selector)
        {
            case Selectors.Resolve:
                family = ResolverFamily.EnsOffchainResolver;
                args = ResolveArgs;
                break;
            case Selectors.ResolveWithContext:
                family = ResolverFamily.Dm3Resolver;
                args = ResolveWithContextArgs;
                break;
            default:
                error = new ProtocolError("ccip.unknown_selector", $"Unknown outer selector 0x{selector:x8}; expected resolve or resolveWithContext.");
                return false;
        }

        if (!AbiCodec.TryDecode(calldata[4..], args, out var values, out error))
        {
            return false;
        }

        var dnsName = ((AbiValue.Bytes)values[0]).Value;
        var inner = ((AbiValue.Bytes)values[1]).Value;
        var context = family == ResolverFamily.Dm3Resolver ? ((AbiValue.Bytes)values[2]).Value : null;

        if (!EnsNames.TryDnsDecode(dnsName, out var name, out error))
        {
            return false;
        }

        if (!EnsNameRules.TryValidateName(name, out error))
        {
            return false;
        }

        var node = EnsNames.Namehash(name);
        if (!TryDecodeRecordQuery(inner, name, node, allowMulticall: family == ResolverFamily.EnsOffchainResolver, out var query, out error))
        {
            return false;
        }

        request = new CcipRequest(family, calldata.ToArray(), dnsName, name, node, inner, context, query);
        return true;
    }

    /// <summary>
    /// Decodes an inner record call for <paramref name="name"/> (whose namehash is <paramref name="node"/>).
    /// Multicall elements are decoded without allowing nested multicalls; element failures are kept per element.
    /// </summary>
    public static bool TryDecodeRecordQuery(
        ReadOnlySpan<byte> inner,
        string name,
        byte[] node,
        bool allowMulticall,
        [NotNullWhen(true)] out RecordQuery? query,
        [NotNullWhen(false)] out ProtocolError? error)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(node);
        query = null;
        if (!AbiCodec.TryReadSelector(inner, out var selector))
        {
            error = new ProtocolError("ccip.unsupported_record", "The inner call is shorter than a 4-byte selector.");
            return false;
        }

        var body = inner[4..];
        switch (selector)
        {
            case Selectors.Text:
                {
                    if (!AbiCodec.TryDecode(body, TextArgs, out var v, out error) || !CheckNode(v[0], node, out error))
                    {
                        return false;
                    }

                    query = new RecordQuery.Text(name, node, ((AbiValue.Text)v[1]).Value);
                    return true;
                }

            case Selectors.Addr:
                {
                    if (!AbiCodec.TryDecode(body, NodeArgs, out var v, out error) || !CheckNode(v[0], node, out error))
                    {
                        return false;
                    }

                    query = new RecordQuery.Addr(name, node);
                    return true;
                }

            case Selectors.AddrCoin:
                {
                    if (!AbiCodec.TryDecode(body, AddrCoinArgs, out var v, out error) || !CheckNode(v[0], node, out error))
                    {
                        return false;
                    }

                    query = new RecordQuery.AddrCoin(name, node, ((AbiValue.Uint)v[1]).Value);
                    return true;
                }

            case Selectors.ContentHash:
                {
                    if (!AbiCodec.TryDecode(body, NodeArgs, out var v, out error) || !CheckNode(v[0], node, out error))
                    {
                        return false;
                    }

                    query = new RecordQuery.ContentHash(name, node);
                    return true;
                }

            case Selectors.Multicall when allowMulticall:
                {
                    if (!AbiCodec.TryDecode(body, MulticallArgs, out var v, out error))
                    {
                        return false;
                    }

                    var items = new List<MulticallItem>();
                    foreach (var element in ((AbiValue.List)v[0]).Items)
                    {
                        var call = ((AbiValue.Bytes)element).Value;
                        items.Add(TryDecodeRecordQuery(call, name, node, allowMulticall: false, out var q, out var e)
                            ? new MulticallItem(call, q, null)
                            : new MulticallItem(call, null, e));
                    }

                    query = new RecordQuery.Multicall(name, node, items);
                    error = null;
                    return true;
                }

            case Selectors.Multicall:
                error = new ProtocolError("ccip.unsupported_record", "multicall is not supported here (dm3 resolver family or nested multicall).");
                return false;

            default:
                error = new ProtocolError("ccip.unsupported_record", $"Unsupported inner selector 0x{selector:x8}.");
                return false;
        }
    }

    private static bool CheckNode(AbiValue value, byte[] node, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (((AbiValue.FixedBytes)value).Value.AsSpan().SequenceEqual(node))
        {
            error = null;
            return true;
        }

        error = new ProtocolError("ccip.node_mismatch", "The node argument is not the namehash of the name.");
        return false;
    }

    public bool Equals(CcipRequest? other) =>
        other is not null && Family == other.Family && Calldata.AsSpan().SequenceEqual(other.Calldata);

    public override int GetHashCode() => HashCode.Combine(Family, Calldata.Length);
}
