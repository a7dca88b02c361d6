using System.Security.Cryptography;
using System.Text;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Profiles;

public abstract class ProfileTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    private const string Enc = "ovGd4x3ufdRFrweHYZq8yjq4Z9mc8Hs585sczcUOv2M=";
    private const string Sig = "Mjk16w8sprbi2NOo/sfCtkMUR/3PlgsXjIk+fubGrnY=";
    private static readonly string ProfileJson = $"{{\"deliveryServices\":[\"ds.dm3.eth\"],\"publicEncryptionKey\":\"{Enc}\",\"publicSigningKey\":\"{Sig}\"}}";
    private static readonly string SignedJson = $"{{\"profile\":{ProfileJson},\"signature\":\"0x12\"}}";

    [Fact]
    public void User_profile_parses_and_reserialises_canonically()
    {
        var reordered = $"{{ \"publicSigningKey\":\"{Sig}\", \"deliveryServices\":[\"ds.dm3.eth\"], \"publicEncryptionKey\":\"{Enc}\" }}";
        Assert.True(UserProfile.TryParse(reordered, out var profile, out var error), error?.Message);
        Assert.Equal(ProfileJson, profile.ToCanonicalJson());
        Assert.Equal(["ds.dm3.eth"], profile.DeliveryServices);
    }

    [Theory]
    [InlineData("{\"deliveryServices\":[],\"publicEncryptionKey\":\"a\",\"publicSigningKey\":\"b\",\"x\":1}", "userProfile.unknown_member")]
    [InlineData("{\"deliveryServices\":[],\"publicEncryptionKey\":\"a\"}", "userProfile.missing_member")]
    [InlineData("{\"deliveryServices\":\"ds.eth\",\"publicEncryptionKey\":\"a\",\"publicSigningKey\":\"b\"}", "userProfile.bad_type")]
    [InlineData("{\"deliveryServices\":[1],\"publicEncryptionKey\":\"a\",\"publicSigningKey\":\"b\"}", "userProfile.bad_type")]
    [InlineData("{\"deliveryServices\":[],\"publicEncryptionKey\":null,\"publicSigningKey\":\"b\"}", "userProfile.bad_type")]
    [InlineData("{\"deliveryServices\":[],\"publicEncryptionKey\":\"a\",\"publicSigningKey\":true}", "userProfile.bad_type")]
    [InlineData("\"text\"", "userProfile.not_object")]
    public void User_profile_rejects_schema_violations(string json, string code)
    {
        Assert.False(UserProfile.TryParse(json, out _, out var error));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Profiles_reject_duplicate_keys()
    {
        var duplicate = $"{{\"profile\":{ProfileJson},\"signature\":\"0x12\",\"signature\":\"0x34\"}}";
        Assert.False(SignedUserProfile.TryParse(duplicate, out _, out _));
        var innerDuplicate = $"{{\"deliveryServices\":[],\"publicEncryptionKey\":\"{Enc}\",\"publicEncryptionKey\":\"{Enc}\",\"publicSigningKey\":\"{Sig}\"}}";
        Assert.False(UserProfile.TryParse(innerDuplicate, out _, out _));
    }

    [Theory]
    [InlineData("{\"profile\":{},\"signature\":\"0x\"}", "userProfile.missing_member")]
    [InlineData("{\"profile\":null,\"signature\":\"0x\"}", "userProfile.not_object")]
    [InlineData("{\"signature\":\"0x\"}", "signedUserProfile.missing_member")]
    [InlineData("{\"profile\":{},\"signature\":\"0x\",\"extra\":\"\"}", "signedUserProfile.unknown_member")]
    public void Signed_user_profile_rejects_schema_violations(string json, string code)
    {
        Assert.False(SignedUserProfile.TryParse(json, out _, out var error));
        Assert.Equal(code, error.Code);
    }

    [Theory]
    [InlineData("{\"publicSigningKey\":\"a\",\"publicEncryptionKey\":\"b\"}", "deliveryServiceProfile.missing_member")]
    [InlineData("{\"publicSigningKey\":\"a\",\"publicEncryptionKey\":\"b\",\"url\":5}", "deliveryServiceProfile.bad_type")]
    [InlineData("{\"publicSigningKey\":\"a\",\"publicEncryptionKey\":\"b\",\"url\":\"u\",\"name\":\"x\"}", "deliveryServiceProfile.unknown_member")]
    public void Delivery_service_profile_rejects_schema_violations(string json, string code)
    {
        Assert.False(DeliveryServiceProfile.TryParse(json, out _, out var error));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Decoding_keys_reports_malformed_key_text()
    {
        var profile = new UserProfile("not-base64", Sig, []);
        Assert.False(profile.TryDecodeKeys(out _, out _, out var error));
        Assert.Equal("userProfile.bad_encryption_key", error.Code);
        var shortKey = new UserProfile(Enc, "AAAA", []);
        Assert.False(shortKey.TryDecodeKeys(out _, out _, out error));
        Assert.Equal("userProfile.bad_signing_key", error.Code);
    }

    [Fact]
    public void Profile_signatures_verify_only_for_the_signing_wallet()
    {
        var gen = Gen.Choose(0, 3).Select(n => (Wallet: RandomWalletKey(), Other: RandomWalletKey(), Services: Enumerable.Range(0, n).Select(i => $"ds{i}.example.eth").ToArray()));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(15), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var keys = ProfileKeys.Generate();
            var signed = SignedUserProfile.Sign(keys.ToUserProfile(t.Services), t.Wallet);
            var address = Ethereum.AddressFromPrivateKey(t.Wallet);
            var other = Ethereum.AddressFromPrivateKey(t.Other);
            Assert.True(SignedUserProfile.TryParse(signed.ToCanonicalJson(), out var parsed, out _));
            var tampered = new SignedUserProfile(new UserProfile(keys.PublicEncryptionKeyBase64, keys.PublicSigningKeyBase64, [.. t.Services, "evil.eth"]), signed.Signature);
            return signed.VerifySignature(address)
                && parsed.VerifySignature(address)
                && !signed.VerifySignature(other)
                && !tampered.VerifySignature(address);
        }));
    }

    [Fact]
    public void Profile_verification_with_a_malformed_signature_or_address_is_false_not_an_exception()
    {
        var signed = SignedUserProfile.Parse(SignedJson);
        Assert.False(signed.VerifySignature(new byte[20]));
        Assert.False(signed.VerifySignature(new byte[3]));
        Assert.False(signed.TryVerifySignature("0xnot-an-address", out var error));
        Assert.NotNull(error);
        Assert.False(signed.TryVerifySignature("0x0000000000000000000000000000000000000001", out error));
        Assert.Equal("signedUserProfile.bad_signature", error.Code);
    }

    [Theory]
    [InlineData("data:application/json,{\"a\":1}", "{\"a\":1}")]
    [InlineData("data:application/json;charset=utf-8,{\"a\":1}", "{\"a\":1}")]
    [InlineData("data:application/json;charset=UTF-8;base64,eyJhIjoxfQ==", "{\"a\":1}")]
    [InlineData("data:application/json;base64,eyJhIjoxfQ==", "{\"a\":1}")]
    public void Record_reader_accepts_inline_json_forms(string value, string json)
    {
        Assert.True(ProfileTextRecord.TryReadInlineJson(value, out var read, out var error), error?.Message);
        Assert.Equal(json, read);
        Assert.True(ProfileTextRecord.TryParse(value, out var classified, out _));
        Assert.Equal(ProfileRecordKind.InlineJson, classified.Kind);
        Assert.Equal(json, classified.Json);
    }

    [Theory]
    [InlineData("", "record.empty")]
    [InlineData("{\"a\":1}", "record.unsupported_scheme")]
    [InlineData("data:text/plain,{}", "record.bad_media_type")]
    [InlineData("data:application/json", "record.bad_data_uri")]
    [InlineData("data:application/json;charset=latin1,{}", "record.unsupported_charset")]
    [InlineData("data:application/json;base64;charset=utf-8,e30=", "record.bad_data_uri")]
    [InlineData("data:application/json;foo=bar,{}", "record.bad_data_uri")]
    [InlineData("data:application/json;base64,e30", "record.bad_base64")]
    [InlineData("data:application/json;base64,//79", "record.bad_utf8")]
    [InlineData("https://example.com/p.json?dm3Hash=0x00", "record.not_inline")]
    [InlineData("ipfs://bafy", "record.not_inline")]
    public void Record_reader_rejects_other_values_precisely(string value, string code)
    {
        Assert.False(ProfileTextRecord.TryReadInlineJson(value, out _, out var error));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Record_classifier_recognises_hashed_urls_and_ipfs()
    {
        var hash = "0x" + new string('a', 64);
        Assert.True(ProfileTextRecord.TryParse($"https://example.com/p.json?x=1&dm3Hash={hash}", out var url, out _));
        Assert.Equal(ProfileRecordKind.HashedUrl, url.Kind);
        Assert.Equal(hash, url.ExpectedHash);
        Assert.True(ProfileTextRecord.TryParse("ipfs://bafybeigdyr", out var ipfs, out _));
        Assert.Equal(ProfileRecordKind.Ipfs, ipfs.Kind);
        Assert.False(ProfileTextRecord.TryParse("https://example.com/p.json", out _, out var error));
        Assert.Equal("record.missing_dm3hash", error.Code);
        Assert.False(ProfileTextRecord.TryParse($"https://example.com/p.json?dm3Hash={hash}&dm3Hash={hash}", out _, out error));
        Assert.Equal("record.bad_dm3hash", error.Code);
    }

    [Fact]
    public void Hashed_url_check_accepts_json_whose_canonical_form_has_the_hash()
    {
        var hash = Hashes.Sha256HexOfUtf8(SignedJson);
        var pretty = $"{{ \"signature\": \"0x12\", \"profile\": {ProfileJson} }}";
        Assert.True(ProfileTextRecord.TryCheckHashedUrl($"https://cdn.example/p.json?dm3Hash={hash}", pretty, out var canonical, out var error), error?.Message);
        Assert.Equal(SignedJson, canonical);
        Assert.True(ProfileTextRecord.TryCheckHashedUrl($"https://cdn.example/p.json?dm3Hash={hash.ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal)}", SignedJson, out _, out _));
    }

    [Fact]
    public void Hashed_url_check_rejects_a_mismatch_and_bad_input()
    {
        var hash = Hashes.Sha256HexOfUtf8(SignedJson);
        Assert.False(ProfileTextRecord.TryCheckHashedUrl($"https://cdn.example/p.json?dm3Hash={hash}", SignedJson.Replace("0x12", "0x13", StringComparison.Ordinal), out _, out var error));
        Assert.Equal("record.hash_mismatch", error.Code);
        Assert.False(ProfileTextRecord.TryCheckHashedUrl($"https://cdn.example/p.json?dm3Hash={hash}", "{broken", out _, out error));
        Assert.Equal("record.bad_fetched_json", error.Code);
        Assert.False(ProfileTextRecord.TryCheckHashedUrl("https://cdn.example/p.json", SignedJson, out _, out error));
        Assert.Equal("record.missing_dm3hash", error.Code);
        Assert.False(ProfileTextRecord.TryCheckHashedUrl("ftp://cdn.example/p.json?dm3Hash=" + hash, SignedJson, out _, out error));
        Assert.Equal("record.not_hashed_url", error.Code);
    }

    [Fact]
    public void Storage_key_is_the_hash_of_the_signature_text_not_its_bytes()
    {
        const string lower = "0x78c6a6b1689b8dc9121d0cbc326d108f478b6d1258f29f01230d60de82d512586765d1d10b4f995a0cd7c65332f112bc58aa1a69cb7bb88b6ff1308ed8afc3781b";
        var expected = Convert.ToBase64String(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(lower)));
        Assert.Equal(expected, StorageKeyDerivation.StorageKeyFromSignature(lower));
        Assert.NotEqual(expected, StorageKeyDerivation.StorageKeyFromSignature(lower.ToUpperInvariant()));
    }

    [Fact]
    public void Profile_keys_never_print_private_material()
    {
        var keys = ProfileKeys.Generate();
        var text = keys.ToString();
        Assert.DoesNotContain(Convert.ToBase64String(keys.SigningPrivateKey), text, StringComparison.Ordinal);
        Assert.DoesNotContain(keys.StorageKey, text, StringComparison.Ordinal);
    }

    private static byte[] RandomWalletKey()
    {
        while (true)
        {
            var key = RandomNumberGenerator.GetBytes(32);
            if (Secp256k1.IsValidPrivateKey(key))
            {
                return key;
            }
        }
    }
}

public sealed class ProfileTestsOnBouncyCastle() : ProfileTests(BouncyCastleCryptoProvider.Instance);

public sealed class ProfileTestsOnLibsodium() : ProfileTests(SodiumCryptoProvider.Instance);
