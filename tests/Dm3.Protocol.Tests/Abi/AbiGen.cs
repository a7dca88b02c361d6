using System.Numerics;
using Dm3.Protocol.Abi;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Abi;

/// <summary>FsCheck generators of ABI types and values (every supported type, nested arrays and tuples).</summary>
internal static class AbiGen
{
    public static Gen<byte> Byte { get; } = Gen.Choose(0, 255).Select(static i => (byte)i);

    public static Gen<byte[]> Bytes(int length) => Gen.ArrayOf(Byte, length);

    public static Gen<byte[]> AnyBytes(int max) => Gen.Choose(0, max).SelectMany(n => Gen.ArrayOf(Byte, n));

    private static readonly string[] TextPieces = ["a", "Z", "0", " ", "\"", "\\", "\n", "ü", "€", "世", "😀", "\u0000"];

    public static Gen<string> Text { get; } =
        Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Gen.Elements(TextPieces), n)).Select(parts => string.Concat(parts));

    public static Gen<AbiType> Leaf { get; } = Gen.Elements(
        AbiType.Bytes, AbiType.String, AbiType.Bytes32, AbiType.Bytes4, AbiType.FixedBytes(1), AbiType.Address,
        AbiType.Uint64, AbiType.Uint256, AbiType.Uint(8));

    public static Gen<AbiType> Type(int depth) => depth == 0
        ? Leaf
        : Gen.Frequency(
            (4, Leaf),
            (1, Type(depth - 1).Select(AbiType.ArrayOf)),
            (1, Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(Type(depth - 1), n)).Select(ts => AbiType.TupleOf(ts))));

    public static Gen<AbiValue> ValueOf(AbiType type) => type switch
    {
        AbiType.BytesType => AnyBytes(70).Select(b => (AbiValue)new AbiValue.Bytes(b)),
        AbiType.StringType => Text.Select(s => (AbiValue)new AbiValue.Text(s)),
        AbiType.AddressType => Bytes(20).Select(b => (AbiValue)new AbiValue.Address(b)),
        AbiType.FixedBytesType f => Bytes(f.Size).Select(b => (AbiValue)new AbiValue.FixedBytes(b)),
        AbiType.UintType u => Gen.Choose(0, u.Bits / 8).SelectMany(Bytes)
            .Select(b => (AbiValue)new AbiValue.Uint(new BigInteger(b, isUnsigned: true, isBigEndian: true), u.Bits)),
        AbiType.ArrayType a => Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(ValueOf(a.Element), n))
            .Select(items => (AbiValue)new AbiValue.List(a.Element, items)),
        AbiType.TupleType t => Gen.CollectToArray(t.Elements.Select(ValueOf)).Select(items => (AbiValue)new AbiValue.Tuple(items)),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>A list of 1..4 argument types with matching values.</summary>
    public static Gen<(AbiType[] Types, AbiValue[] Values)> Arguments { get; } =
        Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(Type(2), n))
            .SelectMany(types => Gen.CollectToArray(types.Select(ValueOf)).Select(values => (types, values)));
}
