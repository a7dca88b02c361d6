namespace Dm3.Protocol.Abi;

/// <summary>
/// The Solidity ABI types this library encodes and decodes: <c>bytes</c>, <c>string</c>, <c>bytesN</c>, <c>address</c>,
/// <c>uintN</c>, dynamic arrays <c>T[]</c> and tuples. Enough for CCIP-Read and ENS resolver calls.
/// </summary>
public abstract record AbiType
{
    private protected AbiType()
    {
    }

    /// <summary>Dynamic bytes.</summary>
    public static AbiType Bytes { get; } = new BytesType();

    /// <summary>UTF-8 string.</summary>
    public static AbiType String { get; } = new StringType();

    /// <summary>20-byte address.</summary>
    public static AbiType Address { get; } = new AddressType();

    /// <summary>bytes32.</summary>
    public static AbiType Bytes32 { get; } = new FixedBytesType(32);

    /// <summary>bytes4 (function selectors).</summary>
    public static AbiType Bytes4 { get; } = new FixedBytesType(4);

    /// <summary>uint64.</summary>
    public static AbiType Uint64 { get; } = new UintType(64);

    /// <summary>uint256.</summary>
    public static AbiType Uint256 { get; } = new UintType(256);

    /// <summary>bytes[].</summary>
    public static AbiType BytesArray { get; } = new ArrayType(Bytes);

    /// <summary>string[].</summary>
    public static AbiType StringArray { get; } = new ArrayType(String);

    /// <summary>True when the type is encoded in the tail (with an offset in the head).</summary>
    public abstract bool IsDynamic { get; }

    /// <summary>The canonical type name as used in function signatures, e.g. <c>(bytes,uint64)</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Bytes the type occupies in the head of an enclosing tuple (32 for dynamic types).</summary>
    internal abstract int HeadSize { get; }

    public static AbiType FixedBytes(int size) => new FixedBytesType(size);

    public static AbiType Uint(int bits) => new UintType(bits);

    public static AbiType ArrayOf(AbiType element) => new ArrayType(element);

    public static AbiType TupleOf(params AbiType[] elements) => new TupleType(elements);

    public sealed override string ToString() => Name;

    /// <summary><c>bytes</c>.</summary>
    public sealed record BytesType : AbiType
    {
        internal BytesType()
        {
        }

        public override bool IsDynamic => true;

        public override string Name => "bytes";

        internal override int HeadSize => 32;
    }

    /// <summary><c>string</c>.</summary>
    public sealed record StringType : AbiType
    {
        internal StringType()
        {
        }

        public override bool IsDynamic => true;

        public override string Name => "string";

        internal override int HeadSize => 32;
    }

    /// <summary><c>address</c>.</summary>
    public sealed record AddressType : AbiType
    {
        internal AddressType()
        {
        }

        public override bool IsDynamic => false;

        public override string Name => "address";

        internal override int HeadSize => 32;
    }

    /// <summary><c>bytesN</c>, 1 ≤ N ≤ 32.</summary>
    public sealed record FixedBytesType : AbiType
    {
        public FixedBytesType(int size)
        {
            if (size is < 1 or > 32)
            {
                throw new ArgumentOutOfRangeException(nameof(size), "bytesN needs 1 <= N <= 32.");
            }

            Size = size;
        }

        public int Size { get; }

        public override bool IsDynamic => false;

        public override string Name => "bytes" + Size.ToString(System.Globalization.CultureInfo.InvariantCulture);

        internal override int HeadSize => 32;
    }

    /// <summary><c>uintN</c>, N a multiple of 8 in 8…256.</summary>
    public sealed record UintType : AbiType
    {
        public UintType(int bits)
        {
            if (bits is < 8 or > 256 || bits % 8 != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(bits), "uintN needs N in 8..256, a multiple of 8.");
            }

            Bits = bits;
        }

        public int Bits { get; }

        public override bool IsDynamic => false;

        public override string Name => "uint" + Bits.ToString(System.Globalization.CultureInfo.InvariantCulture);

        internal override int HeadSize => 32;
    }

    /// <summary>A dynamic array <c>T[]</c>.</summary>
    public sealed record ArrayType : AbiType
    {
        public ArrayType(AbiType element)
        {
            ArgumentNullException.ThrowIfNull(element);
            Element = element;
        }

        public AbiType Element { get; }

        public override bool IsDynamic => true;

        public override string Name => Element.Name + "[]";

        internal override int HeadSize => 32;
    }

    /// <summary>A tuple <c>(T1,…,Tn)</c>; dynamic when any element is dynamic, otherwise encoded in place.</summary>
    public sealed record TupleType : AbiType
    {
        private readonly AbiType[] _elements;

        public TupleType(IReadOnlyList<AbiType> elements)
        {
            ArgumentNullException.ThrowIfNull(elements);
            _elements = [.. elements];
            foreach (var e in _elements)
            {
                ArgumentNullException.ThrowIfNull(e);
            }

            IsDynamic = _elements.Any(e => e.IsDynamic);
            HeadSize = IsDynamic ? 32 : _elements.Sum(e => e.HeadSize);
        }

        public IReadOnlyList<AbiType> Elements => _elements;

        public override bool IsDynamic { get; }

        public override string Name => "(" + string.Join(",", _elements.Select(e => e.Name)) + ")";

        internal override int HeadSize { get; }

        public bool Equals(TupleType? other) =>
            other is not null && _elements.AsSpan().SequenceEqual(other._elements);

        public override int GetHashCode()
        {
            var h = default(HashCode);
            foreach (var e in _elements)
            {
                h.Add(e);
            }

            return h.ToHashCode();
        }
    }
}
