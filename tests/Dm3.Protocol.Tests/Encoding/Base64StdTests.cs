using Dm3.Protocol.Encoding;
using Dm3.Protocol.Tests.Crypto;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Encoding;

public sealed class Base64StdTests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData("QQ==", 1)]
    [InlineData("QUI=", 2)]
    [InlineData("QUJD", 3)]
    [InlineData("+/+/", 3)]
    public void Strict_standard_base64_is_decoded(string text, int length)
    {
        Assert.True(Base64Std.TryDecode(text, out var bytes));
        Assert.Equal(length, bytes.Length);
        Assert.Equal(text, Base64Std.Encode(bytes));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("QQ")]
    [InlineData("QQ=")]
    [InlineData("QR==")]
    [InlineData("QUJ=")]
    [InlineData("-_-_")]
    [InlineData("QU JD")]
    [InlineData(" QUJD")]
    [InlineData("QUJD\n")]
    [InlineData("Q===")]
    [InlineData("====")]
    [InlineData("QQ==QUJD")]
    public void Non_canonical_or_foreign_forms_are_rejected(string? text)
    {
        Assert.False(Base64Std.TryDecode(text, out var bytes));
        Assert.Null(bytes);
    }

    [Fact]
    public void An_expected_length_is_enforced()
    {
        var text = Base64Std.Encode(new byte[32]);
        Assert.True(Base64Std.TryDecode(text, out _, 32));
        Assert.False(Base64Std.TryDecode(text, out _, 31));
        Assert.False(Base64Std.TryDecode(text, out _, 33));
    }

    [Fact]
    public void Encoding_then_decoding_gives_the_bytes_back()
    {
        Prop.ForAll(TestGen.AnyBytes.ToArbitrary(), bytes =>
            Base64Std.TryDecode(Base64Std.Encode(bytes), out var back, bytes.Length) && back.AsSpan().SequenceEqual(bytes))
            .QuickCheckThrowOnFailure();
    }
}
