using System.Numerics;

namespace Dm3.Protocol.Ccip;

/// <summary>
/// A decoded inner resolver call (W§12.3 step 4, decisions §15) for the name <see cref="Name"/> whose namehash is
/// <see cref="Node"/> (already checked against the call's node argument). Equality compares the node by content.
/// </summary>
public abstract record RecordQuery
{
    private protected RecordQuery(string name, byte[] node)
    {
        Name = name;
        Node = node;
    }

    /// <summary>The validated ENS name (lower-case ASCII).</summary>
    public string Name { get; }

    /// <summary>namehash(Name), 32 bytes.</summary>
    public byte[] Node { get; }

    public virtual bool Equals(RecordQuery? other) =>
        other is not null && EqualityContract == other.EqualityContract
        && string.Equals(Name, other.Name, StringComparison.Ordinal) && Node.AsSpan().SequenceEqual(other.Node);

    public override int GetHashCode() => HashCode.Combine(EqualityContract, Name);

    /// <summary><c>text(bytes32 node, string key)</c>.</summary>
    public sealed record Text : RecordQuery
    {
        public Text(string name, byte[] node, string key)
            : base(name, node) => Key = key;

        public string Key { get; }
    }

    /// <summary><c>addr(bytes32 node)</c> (the Ethereum address).</summary>
    public sealed record Addr : RecordQuery
    {
        public Addr(string name, byte[] node)
            : base(name, node)
        {
        }
    }

    /// <summary><c>addr(bytes32 node, uint256 coinType)</c> (ENSIP-9). Ethereum is coin type 60.</summary>
    public sealed record AddrCoin : RecordQuery
    {
        /// <summary>SLIP-44 coin type of Ethereum.</summary>
        public static readonly BigInteger EthereumCoinType = 60;

        public AddrCoin(string name, byte[] node, BigInteger coinType)
            : base(name, node) => CoinType = coinType;

        /// <summary>The requested coin type (0 ≤ value &lt; 2^256).</summary>
        public BigInteger CoinType { get; }

        /// <summary>True for coin type 60.</summary>
        public bool IsEthereum => CoinType == EthereumCoinType;
    }

    /// <summary><c>contenthash(bytes32 node)</c>.</summary>
    public sealed record ContentHash : RecordQuery
    {
        public ContentHash(string name, byte[] node)
            : base(name, node)
        {
        }
    }

    /// <summary>
    /// <c>multicall(bytes[])</c> (ENS family only): each element is decoded on its own; an element that is not a
    /// supported record call for the same node has a null <see cref="MulticallItem.Query"/> and its result is empty bytes.
    /// </summary>
    public sealed record Multicall : RecordQuery
    {
        public Multicall(string name, byte[] node, IReadOnlyList<MulticallItem> items)
            : base(name, node) => Items = items;

        public IReadOnlyList<MulticallItem> Items { get; }

        public bool Equals(Multicall? other) => base.Equals(other) && other is not null && Items.SequenceEqual(other.Items);

        public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Items.Count);
    }
}

/// <summary>One element of a multicall: its raw calldata and either the decoded query or why it failed.</summary>
public sealed record MulticallItem(byte[] Calldata, RecordQuery? Query, ProtocolError? Error)
{
    public bool Equals(MulticallItem? other) =>
        other is not null && Calldata.AsSpan().SequenceEqual(other.Calldata) && Equals(Query, other.Query) && Equals(Error, other.Error);

    public override int GetHashCode() => HashCode.Combine(Calldata.Length, Query, Error);
}
