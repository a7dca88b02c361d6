using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;

namespace Dm3.Protocol.Tests.Profiles;

public abstract class ProfileVectorTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    public static IEnumerable<object[]> KeyIds => SharedData.Ids("storageKeyAndProfileKeys");

    public static IEnumerable<object[]> ProfileIds => SharedData.Ids("signedUserProfile");

    [SharedDataTheory]
    [MemberData(nameof(KeyIds))]
    public void Storage_key_message_and_profile_keys_match_the_reference(string id)
    {
        var v = SharedData.Vector("storageKeyAndProfileKeys", id);
        var walletKey = v.HexBytes("inputs.walletPrivateKeyHex");
        var nonce = v.Str("inputs.nonceText");

        var message = StorageKeyDerivation.CreationMessage(nonce, v.Str("inputs.addressText"));
        Assert.Equal(v.Str("expected.storageKeyCreationMessageText"), message);
        Assert.Equal(message, StorageKeyDerivation.CreationMessage(nonce, Ethereum.AddressFromPrivateKey(walletKey)));
        Assert.Equal(v.HexBytes("expected.eip191DigestHex"), Ethereum.PersonalMessageDigest(message));

        var signature = Ethereum.PersonalSign(walletKey, message);
        Assert.Equal(v.Str("expected.personalSignSignatureHex"), signature);

        Assert.Equal(v.Str("expected.storageKeyB64"), StorageKeyDerivation.StorageKeyFromSignature(signature));
        var keys = ProfileKeys.FromSignature(signature);
        Assert.Equal(v.HexBytes("expected.seedHex"), keys.Seed);
        Assert.Equal(v.Str("expected.storageKeyB64"), keys.StorageKey);
        Assert.Equal(v.Str("expected.storageEncryptionKeyB64"), keys.StorageKey);
        Assert.Equal(v.B64Bytes("expected.x25519PrivateKeyB64"), keys.EncryptionPrivateKey);
        Assert.Equal(v.HexBytes("expected.x25519PrivateKeyEqualsBlake2b256OfSeedHex"), keys.EncryptionPrivateKey);
        Assert.Equal(v.B64Bytes("expected.x25519PublicKeyB64"), keys.EncryptionPublicKey);
        Assert.Equal(v.B64Bytes("expected.ed25519PrivateKey64B64"), keys.SigningPrivateKey);
        Assert.Equal(v.B64Bytes("expected.ed25519PublicKeyB64"), keys.SigningPublicKey);

        Assert.True(ProfileKeys.TryFromStorageKey(v.Str("expected.storageKeyB64"), out var fromStorage, out var error), error?.Message);
        Assert.Equal(keys.SigningPrivateKey, fromStorage.SigningPrivateKey);
        Assert.Equal(keys.EncryptionPrivateKey, fromStorage.EncryptionPrivateKey);
    }

    [SharedDataFact]
    public void The_default_nonce_is_sha256_of_dm3_default_nonce()
    {
        Assert.Equal(StorageKeyDerivation.DefaultNonce, Hashes.Sha256HexOfUtf8("dm3_default_nonce"));
    }

    [SharedDataTheory]
    [MemberData(nameof(ProfileIds))]
    public void Signed_user_profile_record_and_hash_match_the_reference(string id)
    {
        var v = SharedData.Vector("signedUserProfile", id);
        if (id == "delivery-service-profile-record")
        {
            DeliveryServiceProfileRecord(v);
            return;
        }

        var walletKey = v.HexBytes("inputs.walletPrivateKeyHex");
        var address = Ethereum.AddressFromPrivateKey(walletKey);
        var keySignature = Ethereum.PersonalSign(walletKey, StorageKeyDerivation.CreationMessage(v.Str("inputs.nonceText"), address));
        var keys = ProfileKeys.FromSignature(keySignature);
        Assert.Equal(v.Str("inputs.derivedX25519PublicKeyB64"), keys.PublicEncryptionKeyBase64);
        Assert.Equal(v.Str("inputs.derivedEd25519PublicKeyB64"), keys.PublicSigningKeyBase64);

        var services = System.Text.Json.JsonSerializer.Deserialize<string[]>(v.Str("inputs.deliveryServicesJson"))!;
        var profile = keys.ToUserProfile(services);
        Assert.Equal(v.Str("expected.userProfileCanonicalJson"), profile.ToCanonicalJson());
        Assert.Equal(v.Str("expected.profileCreationMessageText"), ProfileCreationMessage.Create(profile, address));
        Assert.Equal(v.HexBytes("expected.eip191DigestHex"), Ethereum.PersonalMessageDigest(ProfileCreationMessage.Create(profile, address)));

        var signed = SignedUserProfile.Sign(profile, walletKey);
        Assert.Equal(v.Str("expected.profileSignatureHex"), signed.Signature);
        Assert.Equal(v.Str("expected.signedUserProfileCanonicalJson"), signed.ToCanonicalJson());
        Assert.Equal(v.Str("expected.textRecordValueText"), signed.ToTextRecordValue());
        Assert.Equal(v.Str("expected.dm3HashHex"), signed.Dm3Hash);
        Assert.Equal("true", v.Str("expected.checkUserProfileWithAddressText"));
        Assert.True(signed.VerifySignature(address));
        Assert.True(signed.TryVerifySignature(v.Str("inputs.addressText"), out var verifyError), verifyError?.Message);

        // Reader side: the published record parses back to the same profile, which verifies.
        Assert.True(ProfileTextRecord.TryReadSignedUserProfile(v.Str("expected.textRecordValueText"), out var read, out var error), error?.Message);
        Assert.Equal(v.Str("expected.signedUserProfileCanonicalJson"), read.ToCanonicalJson());
        Assert.True(read.VerifySignature(address));
        Assert.True(read.Profile.TryDecodeKeys(out var enc, out var sig, out _));
        Assert.Equal(keys.EncryptionPublicKey, enc);
        Assert.Equal(keys.SigningPublicKey, sig);
    }

    private static void DeliveryServiceProfileRecord(System.Text.Json.Nodes.JsonObject v)
    {
        var (_, signingPublic) = Ed25519.KeyPairFromSeed(v.B64Bytes("inputs.signingSeedB64"));
        var (_, encryptionPublic) = X25519.KxSeedKeyPair(v.B64Bytes("inputs.encryptionSeedB64"));
        var profile = new DeliveryServiceProfile(Base64Std.Encode(signingPublic), Base64Std.Encode(encryptionPublic), v.Str("inputs.urlText"));
        Assert.Equal(v.Str("expected.deliveryServiceProfileCanonicalJson"), profile.ToCanonicalJson());
        Assert.Equal(v.Str("expected.textRecordValueText"), profile.ToTextRecordValue());
        Assert.Equal(v.Str("expected.sha256OfCanonicalJsonHex"), Hashes.Sha256HexOfUtf8(profile.ToCanonicalJson()));

        Assert.True(ProfileTextRecord.TryReadDeliveryServiceProfile(v.Str("expected.textRecordValueText"), out var read, out var error), error?.Message);
        Assert.Equal(profile.ToCanonicalJson(), read.ToCanonicalJson());
    }
}

public sealed class ProfileVectorTestsOnBouncyCastle() : ProfileVectorTests(BouncyCastleCryptoProvider.Instance);

public sealed class ProfileVectorTestsOnLibsodium() : ProfileVectorTests(SodiumCryptoProvider.Instance);
