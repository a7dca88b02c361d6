using System.Globalization;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;
using Dm3.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Json;

public sealed class CanonicalJsonTests
{
    public static IEnumerable<object[]> Ids => SharedData.Ids("canonicalJson");

    [SharedDataTheory]
    [MemberData(nameof(Ids))]
    public void Canonical_text_utf8_and_hash_match_the_vector(string id)
    {
        var v = SharedData.Vector("canonicalJson", id);
        Assert.True(CanonicalJson.TryCanonicalize(v.Str("inputs.jsonText"), out var canonical, out var error), error?.Message);
        Assert.Equal(v.Str("expected.canonicalText"), canonical);
        var utf8 = System.Text.Encoding.UTF8.GetBytes(canonical);
        Assert.Equal(v.Str("expected.canonicalUtf8Hex"), Hex.Encode(utf8));
        Assert.Equal(v.Str("expected.sha256OfCanonicalUtf8Hex"), Hex.Encode(Hashes.Sha256(utf8)));

        Assert.True(CanonicalJson.TryParse(v.Str("inputs.jsonText"), out var node, out _));
        Assert.Equal(canonical, CanonicalJson.Serialize(node));
    }

    [Theory]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("{\"a\":1,\"\\u0061\":2}")]
    [InlineData("{\"x\":{\"b\":true,\"b\":true}}")]
    [InlineData("[{\"k\":[{\"d\":null,\"d\":null}]}]")]
    public void Duplicate_keys_are_rejected_at_any_depth(string json)
    {
        Assert.False(CanonicalJson.TryParse(json, out var node, out var error));
        Assert.Null(node);
        Assert.Equal("json.duplicate_key", error!.Code);
        Assert.False(CanonicalJson.TryCanonicalize(json, out _, out error));
        Assert.Equal("json.duplicate_key", error!.Code);
    }

    [Fact]
    public void Equal_keys_in_different_objects_are_not_duplicates()
    {
        Assert.True(CanonicalJson.TryCanonicalize("{\"a\":{\"a\":1},\"b\":{\"a\":2}}", out var canonical, out _));
        Assert.Equal("{\"a\":{\"a\":1},\"b\":{\"a\":2}}", canonical);
    }

    [Theory]
    [InlineData("\"\\ud800\"")]
    [InlineData("\"\\udc00\"")]
    [InlineData("\"x\\ud83dy\"")]
    [InlineData("\"\\ude00\\ud83d\"")]
    [InlineData("\"\\ud83d\\u0041\"")]
    [InlineData("\"\\ud83d\\n\"")]
    [InlineData("{\"\\udfff\":1}")]
    [InlineData("\"\\uD800\"")]
    public void Escaped_lone_surrogates_are_rejected(string json)
    {
        Assert.False(CanonicalJson.TryCanonicalize(json, out _, out var error));
        Assert.Equal("json.lone_surrogate", error!.Code);
    }

    [Fact]
    public void Raw_lone_surrogates_are_rejected()
    {
        // Built in code: lone surrogates do not survive xunit's serialization of inline data.
        string[] documents = ["\"" + '\ud800' + "\"", "{\"" + '\udc00' + "\":1}", "\"a" + '\ud83d' + "\"", "[\"" + '\ude00' + '\ud83d' + "\"]"];
        foreach (var json in documents)
        {
            Assert.False(CanonicalJson.TryCanonicalize(json, out _, out var error));
            Assert.Equal("json.lone_surrogate", error!.Code);
        }
    }

    [Fact]
    public void Escaped_surrogate_pairs_are_decoded_and_written_raw()
    {
        Assert.True(CanonicalJson.TryCanonicalize("[\"\\uD83D\\uDE00\",\"\\ud83d\\ude00\"]", out var canonical, out _));
        Assert.Equal("[\"\ud83d\ude00\",\"\ud83d\ude00\"]", canonical);
    }

    [Theory]
    [InlineData("{} x", "json.syntax")]
    [InlineData("{}{}", "json.syntax")]
    [InlineData("1 2", "json.syntax")]
    [InlineData("", "json.syntax")]
    [InlineData("   ", "json.syntax")]
    [InlineData("{\"a\":1,}", "json.syntax")]
    [InlineData("[1,]", "json.syntax")]
    [InlineData("{/*c*/}", "json.syntax")]
    [InlineData("{'a':1}", "json.syntax")]
    [InlineData("\ufeff{}", "json.syntax")]
    [InlineData("[01]", "json.syntax")]
    [InlineData("[NaN]", "json.syntax")]
    [InlineData("\"\t\"", "json.syntax")]
    [InlineData("[1e400]", "json.number_range")]
    [InlineData("[-1e400]", "json.number_range")]
    public void Malformed_documents_are_rejected_with_a_precise_code(string json, string code)
    {
        Assert.False(CanonicalJson.TryCanonicalize(json, out var canonical, out var error));
        Assert.Null(canonical);
        Assert.Equal(code, error!.Code);
    }

    [Fact]
    public void Nesting_deeper_than_64_levels_is_rejected()
    {
        var ok = new string('[', 64) + new string(']', 64);
        Assert.True(CanonicalJson.TryCanonicalize(ok, out var canonical, out _));
        Assert.Equal(ok, canonical);

        var tooDeep = new string('[', 65) + new string(']', 65);
        Assert.False(CanonicalJson.TryCanonicalize(tooDeep, out _, out var error));
        Assert.Equal("json.too_deep", error!.Code);

        var deepObjects = string.Concat(Enumerable.Repeat("{\"a\":", 65)) + "1" + new string('}', 65);
        Assert.False(CanonicalJson.TryParse(deepObjects, out _, out error));
        Assert.Equal("json.too_deep", error!.Code);
    }

    [Fact]
    public void A_null_root_has_no_node_but_canonicalizes_to_null()
    {
        Assert.False(CanonicalJson.TryParse(" null ", out _, out var error));
        Assert.Equal("json.null_root", error!.Code);
        Assert.True(CanonicalJson.TryCanonicalize(" null ", out var canonical, out _));
        Assert.Equal("null", canonical);
        Assert.Equal("null", CanonicalJson.Serialize(null));
    }

    [Fact]
    public void Nested_nulls_are_null_members()
    {
        Assert.True(CanonicalJson.TryParse("{\"n\":null,\"a\":[null]}", out var node, out _));
        Assert.True(node.AsObject().ContainsKey("n"));
        Assert.Null(node["n"]);
        Assert.Null(node["a"]![0]);
        Assert.Equal("{\"a\":[null],\"n\":null}", CanonicalJson.Serialize(node));
    }

    [Fact]
    public void Keys_are_sorted_by_utf16_code_units_not_code_points()
    {
        var obj = new JsonObject
        {
            ["\ue000"] = 1,
            ["\ud83d\ude00"] = 2,
            ["a"] = 3,
            ["_"] = 4,
            ["Z"] = 5,
            ["10"] = 6,
            ["9"] = 7,
            ["1"] = 8,
            [""] = 9,
        };
        Assert.Equal("{\"\":9,\"1\":8,\"10\":6,\"9\":7,\"Z\":5,\"_\":4,\"a\":3,\"\ud83d\ude00\":2,\"\ue000\":1}", CanonicalJson.Serialize(obj));
    }

    [Fact]
    public void Serialize_accepts_trees_built_in_code_with_any_numeric_type()
    {
        var obj = new JsonObject
        {
            ["l"] = 9007199254740993L,
            ["i"] = -5,
            ["m"] = 1.50m,
            ["f"] = 0.5f,
            ["d"] = 1e21,
            ["b"] = false,
            ["s"] = "<&>",
            ["n"] = null,
            ["a"] = new JsonArray(1, "x", null, new JsonObject { ["z"] = 1, ["y"] = 2 }),
        };
        Assert.Equal(
            "{\"a\":[1,\"x\",null,{\"y\":2,\"z\":1}],\"b\":false,\"d\":1e+21,\"f\":0.5,\"i\":-5,\"l\":9007199254740992,\"m\":1.5,\"n\":null,\"s\":\"<&>\"}",
            CanonicalJson.Serialize(obj));
        Assert.Equal("{\"k\":[1,2]}", CanonicalJson.Serialize(JsonNode.Parse("{ \"k\" : [ 1 , 2.0 ] }")));
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("q\"b\\s/", "\"q\\\"b\\\\s/\"")]
    [InlineData("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"")]
    [InlineData("\u0000\u0001\u001f\u007f", "\"\\u0000\\u0001\\u001f\u007f\"")]
    [InlineData("\u2028\u2029<>&'\u00e9\u65e5", "\"\u2028\u2029<>&'\u00e9\u65e5\"")]
    [InlineData("\ud83d\udc4b", "\"\ud83d\udc4b\"")]
    public void Strings_are_escaped_like_json_stringify(string value, string expected)
    {
        Assert.Equal(expected, CanonicalJson.SerializeString(value));
    }

    [Fact]
    public void Writing_a_lone_surrogate_is_refused()
    {
        Assert.Throws<ArgumentException>(() => CanonicalJson.SerializeString("a\ud800"));
        Assert.Throws<ArgumentException>(() => CanonicalJson.Serialize(new JsonObject { ["\udc00"] = 1 }));
    }

    [Theory]
    [InlineData(0d, "0")]
    [InlineData(1d, "1")]
    [InlineData(-1d, "-1")]
    [InlineData(1.5, "1.5")]
    [InlineData(-1.25e-10, "-1.25e-10")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(100, "100")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1.2345e21, "1.2345e+21")]
    [InlineData(123456789012345680000d, "123456789012345680000")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(0.0000012345, "0.0000012345")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(1.5e-7, "1.5e-7")]
    [InlineData(1.5e300, "1.5e+300")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308")]
    [InlineData(9007199254740993d, "9007199254740992")]
    [InlineData(123.456, "123.456")]
    [InlineData(1234567.125, "1234567.125")]
    [InlineData(double.NaN, "null")]
    [InlineData(double.PositiveInfinity, "null")]
    [InlineData(double.NegativeInfinity, "null")]
    public void Numbers_are_printed_like_ecmascript_number_to_string(double value, string expected)
    {
        Assert.Equal(expected, CanonicalJson.FormatNumber(value));
    }

    [Fact]
    public void Negative_zero_prints_as_zero()
    {
        Assert.Equal("0", CanonicalJson.FormatNumber(-0d));
        Assert.True(CanonicalJson.TryCanonicalize("[-0,-0.0,-0e5]", out var canonical, out _));
        Assert.Equal("[0,0,0]", canonical);
    }

    [Fact]
    public void Formatted_numbers_parse_back_to_the_same_double()
    {
        var fromBits = TestGenBits();
        var arbitrary = ArbMap.Default.GeneratorFor<double>().Or(fromBits).Where(double.IsFinite).ToArbitrary();
        Prop.ForAll(arbitrary, d =>
        {
            var text = CanonicalJson.FormatNumber(d);
            var back = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            return back.Equals(d) || (d == 0 && back == 0);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Formatted_numbers_are_valid_json_numbers_that_canonicalize_to_themselves()
    {
        var arbitrary = TestGenBits().Where(double.IsFinite).ToArbitrary();
        Prop.ForAll(arbitrary, d =>
        {
            var text = CanonicalJson.FormatNumber(d);
            return CanonicalJson.TryCanonicalize(text, out var canonical, out _) && canonical == text;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Canonicalization_is_idempotent_and_agrees_with_serializing_the_tree()
    {
        Prop.ForAll(JsonTrees.Arbitrary, tree =>
        {
            var loose = tree?.ToJsonString() ?? "null"; // System.Text.Json escaping and insertion order
            if (!CanonicalJson.TryCanonicalize(loose, out var once, out _))
            {
                return false;
            }

            return CanonicalJson.TryCanonicalize(once, out var twice, out _)
                && twice == once
                && CanonicalJson.Serialize(tree) == once;
        }).QuickCheckThrowOnFailure();
    }

    private static Gen<double> TestGenBits() =>
        Gen.Zip(Gen.Choose(int.MinValue, int.MaxValue), Gen.Choose(int.MinValue, int.MaxValue))
            .Select(static p => BitConverter.Int64BitsToDouble(((long)p.Item1 << 32) | (uint)p.Item2));

    /// <summary>Random JSON trees with awkward keys and strings (escapes, non-ASCII, surrogate pairs).</summary>
    private static class JsonTrees
    {
        private static readonly string[] Pieces =
            ["a", "b", "Z", "_", "1", "10", "9", "", "\"", "\\", "/", "\n", "\u0001", "\u001f", "\u007f", "\u00e9", "\u2028", "\ue000", "\ud83d\ude00", "<", "&", " "];

        private static readonly Gen<string> Text =
            Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Gen.Elements(Pieces), n)).Select(string.Concat);

        private static readonly Gen<JsonNode?> Scalar = Gen.OneOf(
            Text.Select(static s => (JsonNode?)JsonValue.Create(s)),
            TestGenBits().Where(double.IsFinite).Select(static d => (JsonNode?)JsonValue.Create(d)),
            Gen.Choose(-1000, 1000).Select(static i => (JsonNode?)JsonValue.Create(i)),
            Gen.Choose(0, 2).Select(static i => i switch
            {
                0 => (JsonNode?)null,
                1 => JsonValue.Create(true),
                _ => JsonValue.Create(false),
            }));

        public static Arbitrary<JsonNode?> Arbitrary { get; } = Gen.Sized(static size => Tree(Math.Min(size, 40))).ToArbitrary();

        private static Gen<JsonNode?> Tree(int size)
        {
            if (size <= 1)
            {
                return Scalar;
            }

            var child = Gen.Sized(_ => Tree(size / 3));
            var array = Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(child, n))
                .Select(static items => (JsonNode?)new JsonArray([.. items]));
            var obj = Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Gen.Zip(Text, child), n))
                .Select(static members =>
                {
                    var o = new JsonObject();
                    foreach (var (key, value) in members)
                    {
                        o[key] = value;
                    }

                    return (JsonNode?)o;
                });
            return Gen.Frequency((2, Scalar), (1, array), (1, obj));
        }
    }
}
