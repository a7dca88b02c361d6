using Dm3.Protocol.Encoding;
using Dm3.Protocol.Tests.Crypto;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Encoding;

public sealed class HexTests
{
    [Fact]
    public void Encode_writes_lower_case_with_an_optional_prefix()
    {
        Assert.Equal("0x00abff", Hex.Encode([0x00, 0xAB, 0xFF]));
        Assert.Equal("00abff", Hex.Encode([0x00, 0xAB, 0xFF], prefix: false));
        Assert.Equal("0x", Hex.Encode([]));
    }

    [Theory]
    [InlineData("0xABff", new byte[] { 0xAB, 0xFF })]
    [InlineData("0X0a", new byte[] { 0x0A })]
    [InlineData("0x", new byte[0])]
    public void TryDecode_accepts_either_case_with_a_prefix(string text, byte[] expected)
    {
        Assert.True(Hex.TryDecode(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("abcd")]
    [InlineData("0xabc")]
    [InlineData("0xzz")]
    [InlineData("0x 0")]
    [InlineData("0x0g")]
    [InlineData("0x+1")]
    public void TryDecode_rejects_bad_hex(string? text)
    {
        Assert.False(Hex.TryDecode(text, out var bytes));
        Assert.Null(bytes);
    }

    [Fact]
    public void The_prefix_can_be_optional()
    {
        Assert.True(Hex.TryDecode("abcd", out var bytes, requirePrefix: false));
        Assert.Equal(new byte[] { 0xAB, 0xCD }, bytes);
        Assert.Equal(new byte[] { 0xAB, 0xCD }, Hex.Decode("abcd"));
        Assert.Equal(new byte[] { 0xAB, 0xCD }, Hex.Decode("0xabcd"));
    }

    [Fact]
    public void Decode_throws_a_protocol_format_exception_on_bad_hex()
    {
        var e = Assert.Throws<ProtocolFormatException>(() => Hex.Decode("0xabc"));
        Assert.Equal("hex.invalid", e.Error.Code);
        Assert.IsAssignableFrom<FormatException>(e);
    }

    [Fact]
    public void Encoding_then_decoding_gives_the_bytes_back()
    {
        Prop.ForAll(TestGen.AnyBytes.ToArbitrary(), bytes =>
            Hex.TryDecode(Hex.Encode(bytes), out var back) && back.AsSpan().SequenceEqual(bytes)
            && Hex.TryDecode(Hex.Encode(bytes).ToUpperInvariant(), out var upper) && upper.AsSpan().SequenceEqual(bytes)
            && Hex.Decode(Hex.Encode(bytes, prefix: false)).AsSpan().SequenceEqual(bytes))
            .QuickCheckThrowOnFailure();
    }
}
