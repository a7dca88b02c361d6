using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Tests.Support;

namespace Dm3.Protocol.Tests.Crypto;

public sealed class EthereumTests
{
    public static IEnumerable<object[]> Eip55Ids => SharedData.Ids("eip55");

    public static IEnumerable<object[]> PersonalSignIds => SharedData.Ids("personalSign");

    [SharedDataTheory]
    [MemberData(nameof(Eip55Ids))]
    public void Eip55_checksums_match_the_vector_and_bad_checksums_are_rejected(string id)
    {
        var v = SharedData.Vector("eip55", id);
        var input = v.Str("inputs.addressText");
        if (v.Has("expected.outcomeText"))
        {
            Assert.Equal("must-fail", v.Str("expected.outcomeText"));
            Assert.False(Ethereum.TryParseAddress(input, out _, out var error));
            Assert.Equal("address.checksum", error!.Code);
            return;
        }

        Assert.True(Ethereum.TryParseAddress(input, out var address, out _));
        var checksum = v.Str("expected.checksumAddressText");
        Assert.Equal(checksum, Ethereum.ToChecksumAddress(address));
        Assert.Equal(input.ToLowerInvariant(), Ethereum.ToLowerAddress(address));
        Assert.Equal(
            v.Str("expected.keccak256OfLowercaseHexAsciiHex"),
            Hex.Encode(Hashes.Keccak256(System.Text.Encoding.ASCII.GetBytes(input[2..].ToLowerInvariant()))));

        Assert.True(Ethereum.TryParseAddress(checksum, out var again, out _));
        Assert.Equal(address, again);
    }

    [SharedDataTheory]
    [MemberData(nameof(PersonalSignIds))]
    public void Personal_sign_reproduces_the_vector_and_recovers_the_signer(string id)
    {
        var v = SharedData.Vector("personalSign", id);
        var key = v.HexBytes("inputs.walletPrivateKeyHex");
        var message = v.Has("inputs.messageText")
            ? System.Text.Encoding.UTF8.GetBytes(v.Str("inputs.messageText"))
            : v.HexBytes("inputs.messageBytesHex");

        var digest = Ethereum.PersonalMessageDigest(message);
        Assert.Equal(v.Str("expected.eip191DigestHex"), Hex.Encode(digest));
        Assert.Equal(digest, Hashes.Keccak256(v.HexBytes("expected.prefixedMessageHex")));

        var signature = Secp256k1.SignDigest(key, digest);
        Assert.Equal(v.Str("expected.signatureHex"), Hex.Encode(signature));
        Assert.Equal(v.Str("expected.rHex"), Hex.Encode(signature.AsSpan(0, 32)));
        Assert.Equal(v.Str("expected.sHex"), Hex.Encode(signature.AsSpan(32, 32)));
        Assert.Equal(v.Str("expected.vText"), signature[64].ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(v.Str("expected.signerAddressText"), Ethereum.ToChecksumAddress(Ethereum.AddressFromPrivateKey(key)));

        Assert.True(Secp256k1.TryRecover(digest, v.HexBytes("expected.signatureHex"), out var publicKey, out _));
        Assert.Equal(v.Str("expected.recoveredAddressText"), Ethereum.ToChecksumAddress(Ethereum.AddressFromPublicKey(publicKey)));

        if (v.Has("inputs.messageText"))
        {
            var text = v.Str("inputs.messageText");
            Assert.Equal(v.Str("expected.signatureHex"), Ethereum.PersonalSign(key, text));
            Assert.True(Ethereum.TryRecoverPersonalSigner(text, v.Str("expected.signatureHex"), out var signer, out _));
            Assert.Equal(v.Str("expected.signerAddressText"), Ethereum.ToChecksumAddress(signer));
            Assert.True(Ethereum.VerifyPersonalSignature(text, v.Str("expected.signatureHex"), signer));
            Assert.False(Ethereum.VerifyPersonalSignature(text + " ", v.Str("expected.signatureHex"), signer));
        }
    }

    [Fact]
    public void Private_key_one_maps_to_the_well_known_address()
    {
        var key = new byte[32];
        key[31] = 1;
        Assert.Equal("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", Ethereum.ToChecksumAddress(Ethereum.AddressFromPrivateKey(key)));
    }

    [Theory]
    [InlineData("0x25a643b6e52864d0ed816f1e43c0cf49c83b8292")]
    [InlineData("0x25A643B6E52864D0ED816F1E43C0CF49C83B8292")]
    [InlineData("0x25A643B6e52864d0eD816F1E43c0CF49C83B8292")]
    public void Lower_upper_and_checksummed_addresses_are_accepted(string text)
    {
        Assert.True(Ethereum.TryParseAddress(text, out var address, out var error));
        Assert.Null(error);
        Assert.Equal("0x25a643b6e52864d0ed816f1e43c0cf49c83b8292", Ethereum.ToLowerAddress(address));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("25a643b6e52864d0ed816f1e43c0cf49c83b8292")]
    [InlineData("0X25a643b6e52864d0ed816f1e43c0cf49c83b8292")]
    [InlineData("0x25a643b6e52864d0ed816f1e43c0cf49c83b829")]
    [InlineData("0x25a643b6e52864d0ed816f1e43c0cf49c83b82922")]
    [InlineData("0x25a643b6e52864d0ed816f1e43c0cf49c83b829g")]
    [InlineData(" 0x25a643b6e52864d0ed816f1e43c0cf49c83b8292")]
    public void Malformed_addresses_are_rejected_with_a_format_error(string? text)
    {
        Assert.False(Ethereum.TryParseAddress(text, out var address, out var error));
        Assert.Null(address);
        Assert.Equal("address.format", error!.Code);
    }

    [Fact]
    public void A_wrong_checksum_is_accepted_only_when_the_caller_waives_the_check()
    {
        const string text = "0x25a643B6e52864d0eD816F1E43c0CF49C83B8292";
        Assert.False(Ethereum.TryParseAddress(text, out _, out _));
        Assert.True(Ethereum.TryParseAddress(text, out var address, out _, requireChecksumIfMixedCase: false));
        Assert.Equal(20, address.Length);
    }

    [Fact]
    public void Recovering_a_personal_signer_fails_cleanly_on_bad_signature_text()
    {
        Assert.False(Ethereum.TryRecoverPersonalSigner("hello", "0xzz", out _, out var error));
        Assert.Equal("personal_sign.bad_hex", error!.Code);
        Assert.False(Ethereum.TryRecoverPersonalSigner("hello", "0x" + new string('1', 130), out _, out error));
        Assert.Equal("secp256k1.bad_v", error!.Code);
        Assert.False(Ethereum.TryRecoverPersonalSigner("hello", "0x1234", out _, out error));
        Assert.Equal("secp256k1.bad_length", error!.Code);
        Assert.False(Ethereum.VerifyPersonalSignature("hello", "not hex", new byte[20]));
        Assert.False(Ethereum.VerifyPersonalSignature("hello", "0x00", new byte[3]));
    }

    [Fact]
    public void Personal_message_digest_counts_utf8_bytes_not_characters()
    {
        // "ü" is one char but two UTF-8 bytes: the prefix must say 2.
        var expected = Hashes.Keccak256([.. "\u0019Ethereum Signed Message:\n2"u8, 0xC3, 0xBC]);
        Assert.Equal(expected, Ethereum.PersonalMessageDigest("\u00fc"));
    }

    [Fact]
    public void Address_helpers_reject_wrong_lengths()
    {
        Assert.Throws<ArgumentException>(() => Ethereum.ToChecksumAddress(new byte[19]));
        Assert.Throws<ArgumentException>(() => Ethereum.ToLowerAddress(new byte[21]));
        Assert.Throws<ArgumentException>(() => Ethereum.AddressFromPublicKey(new byte[33]));
    }
}
