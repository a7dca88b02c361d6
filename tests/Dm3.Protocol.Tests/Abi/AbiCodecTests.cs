using System.Numerics;
using System.Text.Json;
using Dm3.Protocol.Abi;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Abi;

public sealed class AbiCodecTests
{
    private static readonly Config Thousand = Config.QuickThrowOnFailure.WithMaxTest(1000);

    [Theory]
    [InlineData("resolve(bytes,bytes)", Selectors.Resolve)]
    [InlineData("resolveWithContext(bytes,bytes,bytes)", Selectors.ResolveWithContext)]
    [InlineData("resolveWithProof(bytes,bytes)", Selectors.ResolveWithProof)]
    [InlineData("text(bytes32,string)", Selectors.Text)]
    [InlineData("addr(bytes32)", Selectors.Addr)]
    [InlineData("addr(bytes32,uint256)", Selectors.AddrCoin)]
    [InlineData("contenthash(bytes32)", Selectors.ContentHash)]
    [InlineData("multicall(bytes[])", Selectors.Multicall)]
    [InlineData("OffchainLookup(address,string[],bytes,bytes4,bytes)", Selectors.OffchainLookup)]
    public void Selector_constants_are_the_keccak_of_their_signatures(string signature, uint expected)
    {
        var keccak = Hashes.Keccak256(System.Text.Encoding.ASCII.GetBytes(signature));
        Assert.Equal(expected, (uint)((keccak[0] << 24) | (keccak[1] << 16) | (keccak[2] << 8) | keccak[3]));
        Assert.Equal(expected, AbiCodec.SelectorValue(signature));
    }

    [SharedDataFact]
    public void Selector_table_of_the_vectors_matches()
    {
        var v = SharedData.Vector("ccipGateway", "offchain-lookup-revert-data");
        var table = JsonSerializer.Deserialize<Dictionary<string, string>>(v.Str("expected.selectorsJson"))!;
        foreach (var (signature, hex) in table)
        {
            var sig = signature.StartsWith("supportsInterface ", StringComparison.Ordinal) ? "resolve(bytes,bytes)" : signature;
            Assert.Equal(hex, Hex.Encode(AbiCodec.Selector(sig)));
        }
    }

    [Fact]
    public void Encodes_known_layouts()
    {
        Assert.Equal(
            "0x0000000000000000000000000000000000000000000000000000000000000020" +
            "0000000000000000000000000000000000000000000000000000000000000005" +
            "68656c6c6f000000000000000000000000000000000000000000000000000000",
            Hex.Encode(AbiCodec.Encode(new AbiValue.Text("hello"))));
        Assert.Equal(
            "0x0000000000000000000000000000000000000000000000000000000000000020" +
            "0000000000000000000000000000000000000000000000000000000000000000",
            Hex.Encode(AbiCodec.Encode(new AbiValue.Bytes([]))));
        Assert.Equal(
            "0x000000000000000000000000000000000000000000000000000000000000003c",
            Hex.Encode(AbiCodec.Encode(AbiValue.Uint.U256(60))));
        // bytes[] with two elements: offset, count, two element offsets relative to the item area, then the items.
        Assert.Equal(
            "0x0000000000000000000000000000000000000000000000000000000000000020" +
            "0000000000000000000000000000000000000000000000000000000000000002" +
            "0000000000000000000000000000000000000000000000000000000000000040" +
            "0000000000000000000000000000000000000000000000000000000000000060" +
            "0000000000000000000000000000000000000000000000000000000000000000" +
            "0000000000000000000000000000000000000000000000000000000000000001" +
            "ab00000000000000000000000000000000000000000000000000000000000000",
            Hex.Encode(AbiCodec.Encode(AbiValue.List.OfBytes([[], [0xab]]))));
    }

    [Fact]
    public void Round_trip_holds_for_every_supported_type_and_nesting()
    {
        Check.One(Thousand, Prop.ForAll(AbiGen.Arguments.ToArbitrary(), args =>
        {
            var encoded = AbiCodec.Encode(args.Values);
            return AbiCodec.TryDecode(encoded, args.Types, out var decoded, out _)
                && decoded.SequenceEqual(args.Values)
                && encoded.Length % 32 == 0;
        }));
    }

    [Fact]
    public void Round_trip_holds_for_ccip_argument_shapes()
    {
        var shapes = new[]
        {
            new[] { AbiType.Bytes, AbiType.Bytes },
            new[] { AbiType.Bytes, AbiType.Bytes, AbiType.Bytes },
            new[] { AbiType.Bytes32, AbiType.String },
            new[] { AbiType.Bytes32, AbiType.Uint256 },
            new[] { AbiType.BytesArray },
            new[] { AbiType.Bytes, AbiType.Uint64, AbiType.Bytes },
            new[] { AbiType.Address, AbiType.StringArray, AbiType.Bytes, AbiType.Bytes4, AbiType.Bytes },
            new[] { AbiType.TupleOf(AbiType.Bytes, AbiType.Address), AbiType.TupleOf(AbiType.Uint64, AbiType.Bytes32) },
        };
        var gen = Gen.Elements(shapes).SelectMany(types => Gen.CollectToArray(types.Select(AbiGen.ValueOf)).Select(values => (types, values)));
        Check.One(Thousand, Prop.ForAll(gen.ToArbitrary(), args =>
            AbiCodec.TryDecode(AbiCodec.Encode(args.values), args.types, out var decoded, out _) && decoded.SequenceEqual(args.values)));
    }

    [Fact]
    public void Decoder_never_throws_on_random_bytes()
    {
        var gen = Gen.Zip(AbiGen.Type(2).ArrayOf(3), AbiGen.AnyBytes(400));
        Check.One(Thousand, Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var ok = AbiCodec.TryDecode(t.Item2, t.Item1, out var values, out var error);
            return ok ? values is not null && error is null : values is null && error is not null;
        }));
    }

    [Fact]
    public void Random_word_like_inputs_never_throw_and_only_canonical_encodings_decode()
    {
        // Inputs built from "interesting" words (small numbers, offsets, huge values) reach deep decoder paths.
        var word = Gen.OneOf(
            Gen.Choose(0, 300).Select(i => Word(i)),
            Gen.Elements(Word(0x20), Word(0x40), Word(0x60), Word(1), Word(0)),
            AbiGen.Bytes(32),
            Gen.Constant(Enumerable.Repeat((byte)0xff, 32).ToArray()));
        var gen = Gen.Zip(AbiGen.Type(2).ArrayOf(2), Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(word, n)).Select(ws => ws.SelectMany(w => w).ToArray()));
        Check.One(Thousand, Prop.ForAll(gen.ToArbitrary(), t =>
        {
            if (!AbiCodec.TryDecode(t.Item2, t.Item1, out var values, out _))
            {
                return true;
            }

            // Whatever decodes must be the unique canonical encoding of the decoded values.
            return AbiCodec.Encode(values).AsSpan().SequenceEqual(t.Item2);
        }));
    }

    [Fact]
    public void Mutated_encodings_never_throw_and_decode_only_to_their_own_canonical_form()
    {
        var gen = AbiGen.Arguments.SelectMany(args =>
        {
            var encoded = AbiCodec.Encode(args.Values);
            return Gen.Zip(Gen.Choose(0, Math.Max(0, encoded.Length - 1)), AbiGen.Byte)
                .Select(m => (args.Types, Encoded: encoded, Position: m.Item1, Value: m.Item2));
        });
        Check.One(Thousand, Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var mutated = t.Encoded.ToArray();
            if (mutated.Length > 0)
            {
                mutated[t.Position] = t.Value;
            }

            return !AbiCodec.TryDecode(mutated, t.Types, out var values, out _)
                || AbiCodec.Encode(values).AsSpan().SequenceEqual(mutated);
        }));
    }

    [Fact]
    public void Truncated_and_extended_encodings_are_rejected()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(AbiGen.Arguments.ToArbitrary(), args =>
        {
            var encoded = AbiCodec.Encode(args.Values);
            for (var cut = 0; cut < encoded.Length; cut += 7)
            {
                if (AbiCodec.TryDecode(encoded.AsSpan(0, cut), args.Types, out _, out _))
                {
                    return false;
                }
            }

            return !AbiCodec.TryDecode([.. encoded, 0], args.Types, out _, out var e1) && e1.Code == "abi.trailing_bytes"
                && !AbiCodec.TryDecode([.. encoded, .. new byte[32]], args.Types, out _, out var e2) && e2.Code == "abi.trailing_bytes";
        }));
    }

    [Fact]
    public void An_offset_that_is_not_a_multiple_of_32_is_rejected()
    {
        var data = AbiCodec.Encode(new AbiValue.Bytes([1, 2, 3]));
        data[31] = 0x21;
        Assert.False(AbiCodec.TryDecode(data, [AbiType.Bytes], out _, out var error));
        Assert.Equal("abi.offset_misaligned", error.Code);
    }

    [Fact]
    public void An_offset_pointing_outside_the_data_is_rejected()
    {
        var data = AbiCodec.Encode(new AbiValue.Bytes([1, 2, 3]));
        data[30] = 0x10; // offset 0x1020
        Assert.False(AbiCodec.TryDecode(data, [AbiType.Bytes], out _, out var error));
        Assert.Equal("abi.offset_out_of_range", error.Code);

        data = AbiCodec.Encode(new AbiValue.Bytes([1, 2, 3]));
        data[0] = 0x80; // offset 2^255 + 0x20
        Assert.False(AbiCodec.TryDecode(data, [AbiType.Bytes], out _, out error));
        Assert.Equal("abi.offset_out_of_range", error.Code);
    }

    [Fact]
    public void An_offset_pointing_back_into_the_heads_or_skipping_ahead_is_rejected()
    {
        var data = AbiCodec.Encode(new AbiValue.Bytes([1]), new AbiValue.Bytes([2]));
        var back = data.ToArray();
        back[63] = 0x40; // second offset = first tail position (overlap)
        Assert.False(AbiCodec.TryDecode(back, [AbiType.Bytes, AbiType.Bytes], out _, out var error));
        Assert.Equal("abi.offset_noncanonical", error.Code);

        byte[] gap = [.. data[..63], 0xe0, .. data[64..128], .. new byte[32], .. data[128..]];
        gap[31] = 0x40;
        Assert.False(AbiCodec.TryDecode(gap, [AbiType.Bytes, AbiType.Bytes], out _, out error));
        Assert.Equal("abi.offset_noncanonical", error.Code);
    }

    [Fact]
    public void A_length_of_2_pow_255_is_rejected_without_allocating()
    {
        var data = AbiCodec.Encode(new AbiValue.Bytes([1, 2, 3]));
        data[32] = 0x80; // length word = 2^255 + 3
        Assert.False(AbiCodec.TryDecode(data, [AbiType.Bytes], out _, out var error));
        Assert.Equal("abi.length_out_of_range", error.Code);

        var list = AbiCodec.Encode(AbiValue.List.OfBytes([[1]]));
        list[32] = 0x80; // count word = 2^255 + 1
        Assert.False(AbiCodec.TryDecode(list, [AbiType.BytesArray], out _, out error));
        Assert.Equal("abi.length_out_of_range", error.Code);
    }

    [Fact]
    public void A_length_or_count_larger_than_the_remaining_data_is_rejected()
    {
        var data = AbiCodec.Encode(new AbiValue.Bytes([1, 2, 3]));
        data[63] = 33; // 33 bytes need 64 bytes of body, only 32 present
        Assert.False(AbiCodec.TryDecode(data, [AbiType.Bytes], out _, out var error));
        Assert.Equal("abi.length_out_of_range", error.Code);

        var list = AbiCodec.Encode(AbiValue.List.OfBytes([[1]]));
        list[63] = 100;
        Assert.False(AbiCodec.TryDecode(list, [AbiType.BytesArray], out _, out error));
        Assert.Equal("abi.length_out_of_range", error.Code);
    }

    [Fact]
    public void Non_canonical_padding_and_out_of_range_words_are_rejected()
    {
        var bytes = AbiCodec.Encode(new AbiValue.Bytes([1, 2, 3]));
        bytes[^1] = 1;
        Assert.False(AbiCodec.TryDecode(bytes, [AbiType.Bytes], out _, out var error));
        Assert.Equal("abi.padding_nonzero", error.Code);

        var address = AbiCodec.Encode(new AbiValue.Address(new byte[20]));
        address[0] = 1;
        Assert.False(AbiCodec.TryDecode(address, [AbiType.Address], out _, out error));
        Assert.Equal("abi.value_out_of_range", error.Code);

        var u64 = AbiCodec.Encode(AbiValue.Uint.U64(ulong.MaxValue));
        u64[23] = 1;
        Assert.False(AbiCodec.TryDecode(u64, [AbiType.Uint64], out _, out error));
        Assert.Equal("abi.value_out_of_range", error.Code);

        var b4 = AbiCodec.Encode(new AbiValue.FixedBytes([1, 2, 3, 4]));
        b4[4] = 5;
        Assert.False(AbiCodec.TryDecode(b4, [AbiType.Bytes4], out _, out error));
        Assert.Equal("abi.padding_nonzero", error.Code);
    }

    [Fact]
    public void A_string_that_is_not_utf8_is_rejected()
    {
        var data = AbiCodec.Encode(new AbiValue.Bytes([0xc3, 0x28]));
        Assert.True(AbiCodec.TryDecode(data, [AbiType.Bytes], out _, out _));
        Assert.False(AbiCodec.TryDecode(data, [AbiType.String], out _, out var error));
        Assert.Equal("abi.invalid_utf8", error.Code);
    }

    [Fact]
    public void Decode_call_checks_the_selector()
    {
        var call = AbiCodec.EncodeCall(Selectors.Addr, new AbiValue.FixedBytes(new byte[32]));
        Assert.True(AbiCodec.TryDecodeCall(call, Selectors.Addr, [AbiType.Bytes32], out _, out _));
        Assert.False(AbiCodec.TryDecodeCall(call, Selectors.ContentHash, [AbiType.Bytes32], out _, out var error));
        Assert.Equal("abi.unexpected_selector", error.Code);
        Assert.False(AbiCodec.TryDecodeCall(call.AsSpan(0, 3), Selectors.Addr, [AbiType.Bytes32], out _, out error));
        Assert.Equal("abi.truncated", error.Code);
    }

    [Fact]
    public void Value_constructors_refuse_wrong_sizes_and_ranges()
    {
        Assert.Throws<ArgumentException>(() => new AbiValue.Address(new byte[19]));
        Assert.Throws<ArgumentException>(() => new AbiValue.FixedBytes(new byte[33]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AbiValue.Uint(BigInteger.One << 64, 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AbiValue.Uint(BigInteger.MinusOne));
        Assert.Throws<ArgumentException>(() => new AbiValue.List(AbiType.Bytes, [new AbiValue.Text("x")]));
    }

    [Fact]
    public void Type_names_are_canonical()
    {
        Assert.Equal("(bytes,uint64,bytes)", AbiType.TupleOf(AbiType.Bytes, AbiType.Uint64, AbiType.Bytes).Name);
        Assert.Equal("string[]", AbiType.StringArray.Name);
        Assert.Equal("bytes32", AbiType.Bytes32.Name);
        Assert.Equal(AbiType.TupleOf(AbiType.Bytes), AbiType.TupleOf(AbiType.Bytes));
    }

    private static byte[] Word(int value)
    {
        var w = new byte[32];
        w[30] = (byte)(value >> 8);
        w[31] = (byte)value;
        return w;
    }
}
