using System.Security.Cryptography;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Crypto;

public abstract class X25519Tests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    [Fact]
    public void Rfc7748_section_6_1_key_agreement_is_reproduced()
    {
        var alice = Hex.Decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        var bob = Hex.Decode("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        var alicePublic = X25519.PublicKeyFromPrivate(alice);
        var bobPublic = X25519.PublicKeyFromPrivate(bob);
        Assert.Equal("0x8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", Hex.Encode(alicePublic));
        Assert.Equal("0xde9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", Hex.Encode(bobPublic));
        const string shared = "0x4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        Assert.Equal(shared, Hex.Encode(X25519.SharedSecret(alice, bobPublic)));
        Assert.Equal(shared, Hex.Encode(X25519.SharedSecret(bob, alicePublic)));
    }

    [Fact]
    public void A_small_order_public_key_is_refused()
    {
        var (privateKey, _) = X25519.GenerateKeyPair();
        Assert.Throws<CryptographicException>(() => X25519.SharedSecret(privateKey, new byte[32]));
        var one = new byte[32];
        one[0] = 1;
        Assert.Throws<CryptographicException>(() => X25519.SharedSecret(privateKey, one));
    }

    [Fact]
    public void Keys_of_the_wrong_length_are_refused()
    {
        Assert.Throws<ArgumentException>(() => X25519.PublicKeyFromPrivate(new byte[31]));
        Assert.Throws<ArgumentException>(() => X25519.SharedSecret(new byte[32], new byte[33]));
        Assert.Throws<ArgumentException>(() => X25519.KxSeedKeyPair(new byte[16]));
    }

    [Fact]
    public void Kx_seed_key_pair_uses_blake2b_256_of_the_seed_as_the_private_key()
    {
        var seed = Hashes.Sha256("seed"u8);
        var (privateKey, publicKey) = X25519.KxSeedKeyPair(seed);
        Assert.Equal(Hashes.Blake2b256(seed), privateKey);
        Assert.Equal(X25519.PublicKeyFromPrivate(privateKey), publicKey);
    }

    [Fact]
    public void Generated_key_pairs_are_distinct_and_consistent()
    {
        var (a, aPublic) = X25519.GenerateKeyPair();
        var (b, _) = X25519.GenerateKeyPair();
        Assert.NotEqual(a, b);
        Assert.Equal(X25519.PublicKeyFromPrivate(a), aPublic);
    }

    [Fact]
    public void Shared_secrets_are_symmetric()
    {
        Prop.ForAll(Gen.Two(TestGen.Bytes(32)).ToArbitrary(), pair =>
        {
            var (a, b) = pair;
            var ab = X25519.SharedSecret(a, X25519.PublicKeyFromPrivate(b));
            var ba = X25519.SharedSecret(b, X25519.PublicKeyFromPrivate(a));
            return ab.AsSpan().SequenceEqual(ba);
        }).QuickCheckThrowOnFailure();
    }
}

public sealed class X25519TestsOnBouncyCastle() : X25519Tests(BouncyCastleCryptoProvider.Instance);

public sealed class X25519TestsOnLibsodium() : X25519Tests(SodiumCryptoProvider.Instance);
