using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;

namespace Dm3.Protocol.Tests.Crypto;

public abstract class HashesTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    public static IEnumerable<object[]> KeccakIds => SharedData.Ids("keccak256");

    [SharedDataTheory]
    [MemberData(nameof(KeccakIds))]
    public void Keccak256_and_sha256_of_utf8_text_match_the_vector(string id)
    {
        var v = SharedData.Vector("keccak256", id);
        var text = v.Str("inputs.text");
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);

        Assert.Equal(v.Str("expected.keccak256OfUtf8Hex"), Hex.Encode(Hashes.Keccak256(bytes)));
        Assert.Equal(v.Str("expected.sha256OfUtf8Hex"), Hex.Encode(Hashes.Sha256(bytes)));
        Assert.Equal(v.Str("expected.sha256OfUtf8Hex"), Hashes.Sha256HexOfUtf8(text));
    }

    [Fact]
    public void Keccak256_uses_original_keccak_padding_not_sha3()
    {
        // SHA3-256("") is a7ffc6f8bf1ed766...; Ethereum's Keccak-256("") differs.
        Assert.Equal("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", Hex.Encode(Hashes.Keccak256([])));
    }

    [Fact]
    public void Blake2b512_matches_the_rfc7693_abc_example()
    {
        Assert.Equal(
            "0xba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
            Hex.Encode(Hashes.Blake2b512("abc"u8)));
    }

    [Fact]
    public void Blake2b256_of_the_empty_input_is_the_known_digest()
    {
        Assert.Equal("0x0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8", Hex.Encode(Hashes.Blake2b256([])));
    }

    [Fact]
    public void Hash_outputs_have_their_fixed_lengths()
    {
        var data = new byte[1000];
        Assert.Equal(32, Hashes.Sha256(data).Length);
        Assert.Equal(32, Hashes.Keccak256(data).Length);
        Assert.Equal(32, Hashes.Blake2b256(data).Length);
        Assert.Equal(64, Hashes.Blake2b512(data).Length);
        Assert.Matches("^0x[0-9a-f]{64}$", Hashes.Sha256HexOfUtf8("dm3"));
    }
}

public sealed class HashesTestsOnBouncyCastle() : HashesTests(BouncyCastleCryptoProvider.Instance);

public sealed class HashesTestsOnLibsodium() : HashesTests(SodiumCryptoProvider.Instance);
