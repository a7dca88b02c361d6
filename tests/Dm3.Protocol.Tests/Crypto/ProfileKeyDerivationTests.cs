using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;

namespace Dm3.Protocol.Tests.Crypto;

/// <summary>
/// W§4.2 key derivation on the primitive level: wallet signature → storage key → seed → X25519 and Ed25519 pairs.
/// (Building the storage-key message text belongs to the messaging layer; here the vector's text is used as given.)
/// </summary>
public abstract class ProfileKeyDerivationTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    public static IEnumerable<object[]> Ids => SharedData.Ids("storageKeyAndProfileKeys");

    [SharedDataTheory]
    [MemberData(nameof(Ids))]
    public void Profile_keys_are_derived_from_the_wallet_signature_exactly_as_the_vector(string id)
    {
        var v = SharedData.Vector("storageKeyAndProfileKeys", id);
        var walletKey = v.HexBytes("inputs.walletPrivateKeyHex");
        var checksum = v.Str("expected.checksumAddressText");
        var message = v.Str("expected.storageKeyCreationMessageText");
        var signatureText = v.Str("expected.personalSignSignatureHex");

        // Wallet and address.
        Assert.True(Ethereum.TryParseAddress(v.Str("inputs.addressText"), out var address, out _));
        Assert.Equal(address, Ethereum.AddressFromPrivateKey(walletKey));
        Assert.Equal(checksum, Ethereum.ToChecksumAddress(address));
        Assert.Contains("\n" + checksum + "\n", message, StringComparison.Ordinal);
        Assert.EndsWith("\nNonce: " + v.Str("inputs.nonceText"), message, StringComparison.Ordinal);

        // The wallet signature (RFC 6979 makes it reproducible) and its recovery.
        Assert.Equal(v.Str("expected.eip191DigestHex"), Hex.Encode(Ethereum.PersonalMessageDigest(message)));
        Assert.Equal(signatureText, Ethereum.PersonalSign(walletKey, message));
        Assert.True(Ethereum.TryRecoverPersonalSigner(message, signatureText, out var signer, out _));
        Assert.Equal(address, signer);

        // storageKey = base64(sha256(UTF-8(signature TEXT))), seed = its bytes.
        var storageKey = Base64Std.Encode(Hashes.Sha256(System.Text.Encoding.UTF8.GetBytes(signatureText)));
        Assert.Equal(v.Str("expected.storageKeyB64"), storageKey);
        Assert.Equal(v.Str("expected.storageEncryptionKeyB64"), storageKey);
        Assert.Equal(v.Str("inputs.nonceText"), v.Str("expected.storageEncryptionNonceText"));
        Assert.True(Base64Std.TryDecode(storageKey, out var seed, 32));
        Assert.Equal(v.Str("expected.seedHex"), Hex.Encode(seed));

        // X25519 = crypto_kx_seed_keypair(seed): private = BLAKE2b-256(seed).
        Assert.Equal(v.Str("expected.x25519PrivateKeyEqualsBlake2b256OfSeedHex"), Hex.Encode(Hashes.Blake2b256(seed)));
        var (xPrivate, xPublic) = X25519.KxSeedKeyPair(seed);
        Assert.Equal(v.Str("expected.x25519PrivateKeyB64"), Base64Std.Encode(xPrivate));
        Assert.Equal(v.Str("expected.x25519PublicKeyB64"), Base64Std.Encode(xPublic));

        // Ed25519 = crypto_sign_seed_keypair(seed).
        var (edPrivate, edPublic) = Ed25519.KeyPairFromSeed(seed);
        Assert.Equal(v.Str("expected.ed25519PrivateKey64B64"), Base64Std.Encode(edPrivate));
        Assert.Equal(v.Str("expected.ed25519PublicKeyB64"), Base64Std.Encode(edPublic));
    }

    [SharedDataFact]
    public void Upper_case_signature_text_gives_a_different_storage_key()
    {
        var v = SharedData.Vector("storageKeyAndProfileKeys", "wallet-a-nonce-0");
        var signatureText = v.Str("expected.personalSignSignatureHex");
        var upper = "0x" + signatureText[2..].ToUpperInvariant();
        Assert.NotEqual(
            v.Str("expected.storageKeyB64"),
            Base64Std.Encode(Hashes.Sha256(System.Text.Encoding.UTF8.GetBytes(upper))));
        Assert.True(Ethereum.TryRecoverPersonalSigner(v.Str("expected.storageKeyCreationMessageText"), upper, out _, out _));
    }
}

public sealed class ProfileKeyDerivationTestsOnBouncyCastle() : ProfileKeyDerivationTests(BouncyCastleCryptoProvider.Instance);

public sealed class ProfileKeyDerivationTestsOnLibsodium() : ProfileKeyDerivationTests(SodiumCryptoProvider.Instance);
