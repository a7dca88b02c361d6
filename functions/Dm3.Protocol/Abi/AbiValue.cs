using System.Numerics;

namespace Dm3.Protocol.Abi;

/// <summary>
/// A value of one of the <see cref="AbiType"/>s. Byte-array payloads compare by content. Constructors validate their
/// arguments (wrong sizes or ranges are programming errors and throw <see cref="ArgumentException"/>).
/// </summary>
public abstract record AbiValue
{
    private protected AbiValue()
    {
    }

    /// <summary>The ABI type of this value.</summary>
    public abstract AbiType Type { get; }

    /// <summary><c>bytes</c>.</summary>
    public sealed record Bytes : AbiValue
    {
        public Bytes(ReadOnlySpan<byte> value) => Value = value.ToArray();

        public byte[] Value { get; }

        public override AbiType Type => AbiType.Bytes;

        public bool Equals(Bytes? other) => other is not null && Value.AsSpan().SequenceEqual(other.Value);

        public override int GetHashCode() => ContentHash(Value);
    }

    /// <summary><c>string</c> (UTF-8 encoded; a string with lone surrogates cannot be encoded).</summary>
    public sealed record Text(string Value) : AbiValue
    {
        public string Value { get; } = Value ?? throw new ArgumentNullException(nameof(Value));

        public override AbiType Type => AbiType.String;
    }

    /// <summary><c>address</c>: exactly 20 bytes.</summary>
    public sealed record Address : AbiValue
    {
        public Address(ReadOnlySpan<byte> value)
        {
            if (value.Length != 20)
            {
                throw new ArgumentException("An address has exactly 20 bytes.", nameof(value));
            }

            Value = value.ToArray();
        }

        public byte[] Value { get; }

        public override AbiType Type => AbiType.Address;

        public bool Equals(Address? other) => other is not null && Value.AsSpan().SequenceEqual(other.Value);

        public override int GetHashCode() => ContentHash(Value);
    }

    /// <summary><c>bytesN</c>: N = the length of the value (1…32).</summary>
    public sealed record FixedBytes : AbiValue
    {
        public FixedBytes(ReadOnlySpan<byte> value)
        {
            if (value.Length is < 1 or > 32)
            {
                throw new ArgumentException("bytesN holds 1..32 bytes.", nameof(value));
            }

            Value = value.ToArray();
        }

        public byte[] Value { get; }

        public override AbiType Type => AbiType.FixedBytes(Value.Length);

        public bool Equals(FixedBytes? other) => other is not null && Value.AsSpan().SequenceEqual(other.Value);

        public override int GetHashCode() => ContentHash(Value);
    }

    /// <summary><c>uintN</c>: 0 ≤ value &lt; 2^N.</summary>
    public sealed record Uint : AbiValue
    {
        public Uint(BigInteger value, int bits = 256)
        {
            if (bits is < 8 or > 256 || bits % 8 != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(bits), "uintN needs N in 8..256, a multiple of 8.");
            }

            if (value.Sign < 0 || value >= BigInteger.One << bits)
            {
                throw new ArgumentOutOfRangeException(nameof(value), $"The value does not fit uint{bits}.");
            }

            Value = value;
            Bits = bits;
        }

        public BigInteger Value { get; }

        public int Bits { get; }

        public override AbiType Type => AbiType.Uint(Bits);

        /// <summary>A <c>uint64</c> value.</summary>
        public static Uint U64(ulong value) => new(value, 64);

        /// <summary>A <c>uint256</c> value.</summary>
        public static Uint U256(BigInteger value) => new(value, 256);
    }

    /// <summary>A dynamic array <c>T[]</c> whose items all have type <see cref="Element"/>.</summary>
    public sealed record List : AbiValue
    {
        private readonly AbiValue[] _items;

        public List(AbiType element, IReadOnlyList<AbiValue> items)
        {
            ArgumentNullException.ThrowIfNull(element);
            ArgumentNullException.ThrowIfNull(items);
            _items = [.. items];
            foreach (var item in _items)
            {
                if (item is null || !item.Type.Equals(element))
                {
                    throw new ArgumentException($"Every item of a {element.Name}[] must have type {element.Name}.", nameof(items));
                }
            }

            Element = element;
        }

        public AbiType Element { get; }

        public IReadOnlyList<AbiValue> Items => _items;

        public override AbiType Type => AbiType.ArrayOf(Element);

        /// <summary>A <c>bytes[]</c> value.</summary>
        public static List OfBytes(IEnumerable<byte[]> items) => new(AbiType.Bytes, [.. items.Select(b => new Bytes(b))]);

        /// <summary>A <c>string[]</c> value.</summary>
        public static List OfStrings(IEnumerable<string> items) => new(AbiType.String, [.. items.Select(s => new Text(s))]);

        public bool Equals(List? other) =>
            other is not null && Element.Equals(other.Element) && _items.AsSpan().SequenceEqual(other._items);

        public override int GetHashCode() => HashCode.Combine(Element, _items.Length);
    }

    /// <summary>A tuple of values.</summary>
    public sealed record Tuple : AbiValue
    {
        private readonly AbiValue[] _items;

        public Tuple(IReadOnlyList<AbiValue> items)
        {
            ArgumentNullException.ThrowIfNull(items);
            _items = [.. items];
            foreach (var item in _items)
            {
                ArgumentNullException.ThrowIfNull(item);
            }
        }

        public IReadOnlyList<AbiValue> Items => _items;

        public override AbiType Type => new AbiType.TupleType([.. _items.Select(i => i.Type)]);

        public bool Equals(Tuple? other) => other is not null && _items.AsSpan().SequenceEqual(other._items);

        public override int GetHashCode() => _items.Length;
    }

    private static int ContentHash(byte[] value)
    {
        var h = default(HashCode);
        h.AddBytes(value);
        return h.ToHashCode();
    }
}
