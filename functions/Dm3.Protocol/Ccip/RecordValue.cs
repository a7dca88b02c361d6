namespace Dm3.Protocol.Ccip;

/// <summary>A stored record value the gateway found for a query (null / absent means "no record": a zero value is signed).</summary>
public abstract record RecordValue
{
    private protected RecordValue()
    {
    }

    /// <summary>A text record value.</summary>
    public sealed record Text(string Value) : RecordValue;

    /// <summary>An address (20 bytes) for <c>addr(node)</c> / <c>addr(node, 60)</c>.</summary>
    public sealed record Address : RecordValue
    {
        public Address(ReadOnlySpan<byte> value) =>
            Value = value.Length == 20 ? value.ToArray() : throw new ArgumentException("An address has exactly 20 bytes.", nameof(value));

        public byte[] Value { get; }

        public bool Equals(Address? other) => other is not null && Value.AsSpan().SequenceEqual(other.Value);

        public override int GetHashCode() => Value.Length;
    }

    /// <summary>Raw bytes (a content hash, or another coin type's address bytes).</summary>
    public sealed record Bytes : RecordValue
    {
        public Bytes(ReadOnlySpan<byte> value) => Value = value.ToArray();

        public byte[] Value { get; }

        public bool Equals(Bytes? other) => other is not null && Value.AsSpan().SequenceEqual(other.Value);

        public override int GetHashCode() => Value.Length;
    }
}
