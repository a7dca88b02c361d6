using System.Security.Cryptography;
using Dm3.Protocol.Profiles;

namespace Dm3.Protocol.Tests.Profiles;

public sealed class IpfsCidTests
{
    // CIDv1 raw sha2-256 of the bytes "hello world" (as `ipfs add --cid-version 1 --raw-leaves` prints it).
    private const string HelloWorld = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";

    [Fact]
    public void A_raw_CIDv1_names_the_sha256_of_its_content()
    {
        Assert.True(IpfsCid.TryParse(HelloWorld, out var cid));
        Assert.Equal((1, 0x55UL, 0x12UL), (cid.Version, cid.Codec, cid.HashFunction));
        Assert.True(cid.CanVerify);
        Assert.Equal(SHA256.HashData("hello world"u8), cid.Digest);
        Assert.True(cid.Matches(System.Text.Encoding.UTF8.GetBytes("hello world")));
        Assert.False(cid.Matches(System.Text.Encoding.UTF8.GetBytes("hello world!")));
    }

    [Fact]
    public void A_CIDv0_is_recognised_but_cannot_be_checked_directly()
    {
        Assert.True(IpfsCid.TryParse("QmWATWQ7fVPP2EFGu71UkfnqhYXDYH566qy47CnJDgvs8u", out var cid));
        Assert.False(cid.CanVerify);
    }

    [Theory]
    [InlineData("")]
    [InlineData("zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA")]
    [InlineData("bafkrei!")]
    [InlineData("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5")]
    [InlineData("Qm")]
    public void Anything_else_is_not_a_CID_we_read(string text) => Assert.False(IpfsCid.TryParse(text, out _));
}
