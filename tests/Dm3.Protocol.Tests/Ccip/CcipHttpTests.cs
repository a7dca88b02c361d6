using Dm3.Protocol.Ccip;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Tests.Abi;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Ccip;

public sealed class CcipHttpTests
{
    private const string Sender = "0x1111111111111111111111111111111111111111";

    [Theory]
    [InlineData("/0x1111111111111111111111111111111111111111/0x9061b923.json")]
    [InlineData("/0x1111111111111111111111111111111111111111/0x9061b923")]
    [InlineData("/0x1111111111111111111111111111111111111111/0x9061B923")]
    [InlineData("/0x1111111111111111111111111111111111111111/0x9061B923.json")]
    public void Get_path_accepts_both_hex_cases_and_one_optional_json_suffix(string path)
    {
        Assert.True(CcipHttp.TryParseGetPath(path, out var call, out var error), error?.Message);
        Assert.Equal(Hex.Decode(Sender), call.Sender);
        Assert.Equal(Hex.Decode("0x9061b923"), call.Calldata);
    }

    [Fact]
    public void Get_path_accepts_an_upper_case_sender()
    {
        Assert.True(CcipHttp.TryParseGetPath("/0xABCDEF1111111111111111111111111111111111/0x00", out var call, out _));
        Assert.Equal(0xab, call.Sender[0]);
    }

    [Theory]
    [InlineData(null, "ccip.path.malformed")]
    [InlineData("", "ccip.path.malformed")]
    [InlineData("0x1111111111111111111111111111111111111111/0x00", "ccip.path.malformed")]
    [InlineData("/0x1111111111111111111111111111111111111111", "ccip.path.malformed")]
    [InlineData("/0x1111111111111111111111111111111111111111/0x00/x", "ccip.path.malformed")]
    [InlineData("/0x111111111111111111111111111111111111111/0x00", "ccip.sender.malformed")]
    [InlineData("/1111111111111111111111111111111111111111xx/0x00", "ccip.sender.malformed")]
    [InlineData("/0x111111111111111111111111111111111111111g/0x00", "ccip.sender.malformed")]
    [InlineData("/0x1111111111111111111111111111111111111111/0x123", "ccip.calldata_odd_length")]
    [InlineData("/0x1111111111111111111111111111111111111111/0x123.json", "ccip.calldata_odd_length")]
    [InlineData("/0x1111111111111111111111111111111111111111/9061b923", "ccip.calldata_malformed")]
    [InlineData("/0x1111111111111111111111111111111111111111/0x90zz", "ccip.calldata_malformed")]
    [InlineData("/0x1111111111111111111111111111111111111111/0x00.json.json", "ccip.calldata_malformed")]
    public void Get_path_rejects_malformed_input(string? path, string code)
    {
        Assert.False(CcipHttp.TryParseGetPath(path, out _, out var error));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Oversized_calldata_is_rejected_at_the_configured_limit()
    {
        var atLimit = "/" + Sender + "/0x" + new string('a', CcipHttp.DefaultMaxCalldataHexChars);
        Assert.True(CcipHttp.TryParseGetPath(atLimit, out var call, out _));
        Assert.Equal(CcipHttp.DefaultMaxCalldataHexChars / 2, call.Calldata.Length);

        var over = "/" + Sender + "/0x" + new string('a', CcipHttp.DefaultMaxCalldataHexChars + 2);
        Assert.False(CcipHttp.TryParseGetPath(over, out _, out var error));
        Assert.Equal("ccip.calldata_too_large", error.Code);

        var huge = "/" + Sender + "/0x" + new string('a', 10_000_000);
        Assert.False(CcipHttp.TryParseGetPath(huge, out _, out error));
        Assert.Equal("ccip.calldata_too_large", error.Code);

        Assert.False(CcipHttp.TryParseGetPath("/" + Sender + "/0x" + new string('a', 12), out _, out error, maxCalldataHexChars: 10));
        Assert.Equal("ccip.calldata_too_large", error.Code);

        var body = CcipHttp.FormatPostBody(Hex.Decode(Sender), new byte[(CcipHttp.DefaultMaxCalldataHexChars / 2) + 1]);
        Assert.False(CcipHttp.TryParsePostBody(body, out _, out error));
        Assert.Equal("ccip.calldata_too_large", error.Code);
    }

    [Fact]
    public void Route_segments_parse_like_the_path()
    {
        Assert.True(CcipHttp.TryParseGetSegments(Sender, "0x9061b923.json", out var call, out _));
        Assert.Equal(Hex.Decode("0x9061b923"), call.Calldata);
        Assert.False(CcipHttp.TryParseGetSegments(Sender, null, out _, out var error));
        Assert.Equal("ccip.path.malformed", error.Code);
    }

    [Theory]
    [InlineData("{\"data\":\"0x9061b923\",\"sender\":\"0x1111111111111111111111111111111111111111\"}")]
    [InlineData("{\"sender\":\"0x1111111111111111111111111111111111111111\",\"data\":\"0x9061B923\"}")]
    [InlineData(" { \"data\" : \"0x9061b923\", \"extra\": {\"a\":[1,2]}, \"sender\":\"0x1111111111111111111111111111111111111111\" } ")]
    [InlineData("{\"d\\u0061ta\":\"0x9061b923\",\"sender\":\"0x1111111111111111111111111111111111111111\"}")]
    public void Post_body_is_parsed(string json)
    {
        Assert.True(CcipHttp.TryParsePostBody(json, out var call, out var error), error?.Message);
        Assert.Equal(Hex.Decode(Sender), call.Sender);
        Assert.Equal(Hex.Decode("0x9061b923"), call.Calldata);
    }

    [Theory]
    [InlineData(null, "ccip.body.malformed")]
    [InlineData("", "ccip.body.malformed")]
    [InlineData("[]", "ccip.body.malformed")]
    [InlineData("{\"data\":\"0x00\"", "ccip.body.malformed")]
    [InlineData("{\"data\":\"0x00\",\"sender\":\"0x1111111111111111111111111111111111111111\"} {}", "ccip.body.malformed")]
    [InlineData("{\"data\":\"0x00\",\"sender\":\"0x1111111111111111111111111111111111111111\",}", "ccip.body.malformed")]
    [InlineData("{\"data\":1,\"sender\":\"0x1111111111111111111111111111111111111111\"}", "ccip.body.malformed")]
    [InlineData("{\"data\":\"0x00\"}", "ccip.body.missing_member")]
    [InlineData("{\"data\":\"0x00\",\"data\":\"0x01\",\"sender\":\"0x1111111111111111111111111111111111111111\"}", "ccip.body.duplicate_key")]
    [InlineData("{\"data\":\"0x00\",\"sender\":\"0x1111111111111111111111111111111111111111\",\"sender\":\"0x1111111111111111111111111111111111111111\"}", "ccip.body.duplicate_key")]
    [InlineData("{\"data\":\"0x001\",\"sender\":\"0x1111111111111111111111111111111111111111\"}", "ccip.calldata_odd_length")]
    public void Post_body_rejects_malformed_input(string? json, string code)
    {
        Assert.False(CcipHttp.TryParsePostBody(json, out _, out var error));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Parsers_never_throw_on_random_text()
    {
        var chars = "0x1aF/.json{}\":,[] \\u".ToCharArray();
        var gen = Gen.Choose(0, 120).SelectMany(n => Gen.ArrayOf(Gen.Elements(chars), n)).Select(c => new string(c));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(gen.ToArbitrary(), text =>
        {
            var a = CcipHttp.TryParseGetPath(text, out var c1, out var e1);
            var b = CcipHttp.TryParsePostBody(text, out var c2, out var e2);
            return (a ? c1 is not null : e1 is not null) && (b ? c2 is not null : e2 is not null);
        }));
    }

    [Fact]
    public void Path_and_body_formatting_round_trips()
    {
        var gen = Gen.Zip(AbiGen.Bytes(20), AbiGen.AnyBytes(300));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(gen.ToArbitrary(), t =>
            CcipHttp.TryParseGetPath(CcipHttp.FormatGetPath(t.Item1, t.Item2), out var a, out _)
            && a.Equals(new CcipGatewayCall(t.Item1, t.Item2))
            && CcipHttp.TryParsePostBody(CcipHttp.FormatPostBody(t.Item1, t.Item2), out var b, out _)
            && b.Equals(a)));
    }

    [Fact]
    public void Bodies_are_json()
    {
        Assert.Equal("{\"data\":\"0x0102\"}", CcipHttp.DataBody([1, 2]));
        Assert.Equal("{\"message\":\"unknown \\\"sender\\\"\"}", CcipHttp.ErrorBody("unknown \"sender\""));
    }
}
