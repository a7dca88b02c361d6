using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Crypto;

public abstract class Ed25519Tests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    public static IEnumerable<object[]> Ids => SharedData.Ids("ed25519");

    [SharedDataTheory]
    [MemberData(nameof(Ids))]
    public void Ed25519_vectors_are_reproduced_and_negative_vectors_fail(string id)
    {
        var v = SharedData.Vector("ed25519", id);
        var text = v.Str("inputs.messageText");
        if (!v.Has("inputs.privateKey64B64"))
        {
            Assert.Equal("false", v.Str("expected.verifiesText"));
            Assert.False(Ed25519.VerifyText(v.B64Bytes("inputs.publicKeyB64"), text, v.Str("inputs.signatureB64")));
            return;
        }

        var privateKey = v.B64Bytes("inputs.privateKey64B64");
        var publicKey = v.B64Bytes("expected.publicKeyB64");
        if (v.Has("inputs.seedB64"))
        {
            var (derivedPrivate, derivedPublic) = Ed25519.KeyPairFromSeed(v.B64Bytes("inputs.seedB64"));
            Assert.Equal(privateKey, derivedPrivate);
            Assert.Equal(publicKey, derivedPublic);
        }

        var signatureText = Ed25519.SignText(privateKey, text);
        Assert.Equal(v.Str("expected.signatureB64"), signatureText);
        Assert.Equal(v.Str("expected.signatureHex"), Hex.Encode(Ed25519.Sign(privateKey, System.Text.Encoding.UTF8.GetBytes(text))));
        Assert.True(Ed25519.VerifyText(publicKey, text, signatureText));
        if (v.Has("expected.verifiesText"))
        {
            Assert.Equal("true", v.Str("expected.verifiesText"));
        }

        Assert.False(Ed25519.VerifyText(publicKey, text + "x", signatureText));
    }

    [Fact]
    public void Rfc8032_test_1_is_reproduced()
    {
        var (privateKey, publicKey) = Ed25519.KeyPairFromSeed(Hex.Decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        Assert.Equal("0xd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", Hex.Encode(publicKey));
        Assert.Equal(
            "0xe5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            Hex.Encode(Ed25519.Sign(privateKey, [])));
    }

    [Fact]
    public void Verify_returns_false_instead_of_throwing_on_malformed_input()
    {
        var (privateKey, publicKey) = Ed25519.KeyPairFromSeed(new byte[32]);
        var signature = Ed25519.Sign(privateKey, "m"u8);
        Assert.True(Ed25519.Verify(publicKey, "m"u8, signature));
        Assert.False(Ed25519.Verify(publicKey.AsSpan(0, 31), "m"u8, signature));
        Assert.False(Ed25519.Verify(publicKey, "m"u8, signature.AsSpan(0, 63)));
        Assert.False(Ed25519.Verify(new byte[32], "m"u8, signature));
        Assert.False(Ed25519.Verify(Enumerable.Repeat((byte)0xFF, 32).ToArray(), "m"u8, signature));
        Assert.False(Ed25519.Verify(publicKey, "m"u8, new byte[64]));
        Assert.False(Ed25519.Verify(publicKey, "m"u8, Enumerable.Repeat((byte)0xFF, 64).ToArray()));
        Assert.False(Ed25519.VerifyText(publicKey, "m", "not base64!"));
        Assert.False(Ed25519.VerifyText(publicKey, "m", Base64Std.Encode(signature).TrimEnd('=')));
        Assert.False(Ed25519.VerifyText(publicKey, "m", null!));
        Assert.False(Ed25519.VerifyText(publicKey, null!, Base64Std.Encode(signature)));
    }

    [Fact]
    public void Signing_refuses_a_private_key_whose_public_half_does_not_match_its_seed()
    {
        var (privateKey, _) = Ed25519.KeyPairFromSeed(new byte[32]);
        privateKey[40] ^= 1;
        Assert.Throws<ArgumentException>(() => Ed25519.Sign(privateKey, "m"u8));
        Assert.Throws<ArgumentException>(() => Ed25519.Sign(new byte[32], "m"u8));
        Assert.Throws<ArgumentException>(() => Ed25519.KeyPairFromSeed(new byte[31]));
    }

    [Fact]
    public void Signatures_verify_and_any_flipped_bit_breaks_them()
    {
        var gen = Gen.Zip(Gen.Zip(TestGen.Bytes(32), TestGen.AnyBytes), Gen.Choose(0, 511));
        Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var ((seed, message), bit) = input;
            var (privateKey, publicKey) = Ed25519.KeyPairFromSeed(seed);
            var signature = Ed25519.Sign(privateKey, message);
            var tampered = (byte[])signature.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            return Ed25519.Verify(publicKey, message, signature) && !Ed25519.Verify(publicKey, message, tampered);
        }).QuickCheckThrowOnFailure();
    }
}

public sealed class Ed25519TestsOnBouncyCastle() : Ed25519Tests(BouncyCastleCryptoProvider.Instance);

public sealed class Ed25519TestsOnLibsodium() : Ed25519Tests(SodiumCryptoProvider.Instance);
