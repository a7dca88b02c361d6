using Dm3.Protocol.Abi;

namespace Dm3.Protocol.Ccip;

/// <summary>
/// The record results the gateway signs (W§12.4). A missing record is never an error: it is the ABI zero value.
/// The dm3 family's <c>addr(node)</c> is the raw 20 address bytes (its verifier reads <c>bytes20(result)</c>).
/// </summary>
public static class CcipResults
{
    private static readonly byte[] ZeroAddress = new byte[20];

    /// <summary><c>abi.encode(string value)</c>.</summary>
    public static byte[] Text(string value) => AbiCodec.Encode(new AbiValue.Text(value));

    /// <summary><c>addr(node)</c>: ENS family <c>abi.encode(address)</c> (32 bytes), dm3 family the raw 20 bytes. Empty = zero address.</summary>
    public static byte[] Addr(ResolverFamily family, ReadOnlySpan<byte> address20)
    {
        var address = address20.IsEmpty ? ZeroAddress : address20;
        if (address.Length != 20)
        {
            throw new ArgumentException("An address has exactly 20 bytes.", nameof(address20));
        }

        return family switch
        {
            ResolverFamily.EnsOffchainResolver => AbiCodec.Encode(new AbiValue.Address(address)),
            ResolverFamily.Dm3Resolver => address.ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(family)),
        };
    }

    /// <summary><c>addr(node, coinType)</c>: <c>abi.encode(bytes addressBytes)</c>; empty bytes when there is none.</summary>
    public static byte[] AddrCoin(ReadOnlySpan<byte> addressBytes) => AbiCodec.Encode(new AbiValue.Bytes(addressBytes));

    /// <summary><c>contenthash(node)</c>: <c>abi.encode(bytes)</c>.</summary>
    public static byte[] ContentHash(ReadOnlySpan<byte> contentHash) => AbiCodec.Encode(new AbiValue.Bytes(contentHash));

    /// <summary>A multicall result: <c>abi.encode(bytes[] results)</c> (a failed element is empty bytes).</summary>
    public static byte[] Multicall(IReadOnlyList<byte[]> results) => AbiCodec.Encode(AbiValue.List.OfBytes(results));

    /// <summary>The zero value of a query ("no record").</summary>
    public static byte[] ZeroValue(RecordQuery query, ResolverFamily family) => Encode(query, family, static _ => null);

    /// <summary>
    /// The result for a query given a lookup of stored values. <paramref name="lookup"/> returns null for "no record";
    /// for a multicall it is called per decoded element, and undecodable elements yield empty bytes (decisions §15).
    /// Expected kinds: Text → <see cref="RecordValue.Text"/>; Addr → <see cref="RecordValue.Address"/>;
    /// AddrCoin → Address or Bytes; ContentHash → Bytes. Another kind is a programming error (ArgumentException).
    /// </summary>
    public static byte[] Encode(RecordQuery query, ResolverFamily family, Func<RecordQuery, RecordValue?> lookup)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(lookup);
        if (query is RecordQuery.Multicall multicall)
        {
            var results = new List<byte[]>(multicall.Items.Count);
            foreach (var item in multicall.Items)
            {
                results.Add(item.Query is null or RecordQuery.Multicall ? [] : Encode(item.Query, family, lookup));
            }

            return Multicall(results);
        }

        var value = lookup(query);
        return (query, value) switch
        {
            (RecordQuery.Text, null) => Text(string.Empty),
            (RecordQuery.Text, RecordValue.Text t) => Text(t.Value),
            (RecordQuery.Addr, null) => Addr(family, ZeroAddress),
            (RecordQuery.Addr, RecordValue.Address a) => Addr(family, a.Value),
            (RecordQuery.AddrCoin, null) => AddrCoin([]),
            (RecordQuery.AddrCoin, RecordValue.Address a) => AddrCoin(a.Value),
            (RecordQuery.AddrCoin, RecordValue.Bytes b) => AddrCoin(b.Value),
            (RecordQuery.ContentHash, null) => ContentHash([]),
            (RecordQuery.ContentHash, RecordValue.Bytes b) => ContentHash(b.Value),
            _ => throw new ArgumentException($"A {value?.GetType().Name} value does not answer a {query.GetType().Name} query.", nameof(lookup)),
        };
    }
}
