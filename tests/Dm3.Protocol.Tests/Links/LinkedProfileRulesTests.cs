using System.Numerics;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Links;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Links;

/// <summary>Validation rules of the Linked Profiles types (linked-profiles §2–§9, §11). Self-contained: no shared data.</summary>
public abstract class LinkedProfileRulesTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    private const string App = "myapp.eth";
    private const string Domain = "app.myapp.example";
    private const string Uri = "https://app.myapp.example/messaging";
    private const string Nonce = "0c1d2e3f405162738495a6b7c8d9eafb";
    private const string ProfileHash = "0xfc4b0b1f733b18f69a91787933860966e77e07cef0b7d5a5c6720b1dd206d338";
    private static readonly byte[] OwnerKey = Convert.FromHexString("dedb22b42648b86868415645ec9427d558a84cc89b30e0e01334c1a9e8c1f8ac");
    private static readonly byte[] Owner = Ethereum.AddressFromPrivateKey(OwnerKey);
    private static readonly LspKeys Lsp = LspKeyDerivation.FromEntropy(new byte[32]);
    private static readonly string LspName = Lsp.LspName(App);
    private static readonly DateTimeOffset IssuedAt = new(2025, 1, 15, 12, 10, 0, TimeSpan.Zero);
    private static readonly (byte[] PrivateKey64, byte[] PublicKey32) MainKeys = Ed25519.KeyPairFromSeed(Enumerable.Repeat((byte)7, 32).ToArray());

    private static LinkMessage Link(TimeSpan? validity = null) =>
        new(LinkMessageType.Link, Domain, Uri, 1, Owner, Nonce, IssuedAt, IssuedAt + (validity ?? TimeSpan.FromDays(7)), LspName, "alice.eth", ProfileHash);

    private static LinkObject LinkObj()
    {
        var text = Link().Format();
        return LinkObject.ForLink(text, Ethereum.PersonalSign(OwnerKey, text), LinkObject.OriginRandom, Lsp.ProfileSeed, Lsp.WalletPrivateKey, null);
    }

    // ---- names and URNs ----

    [Theory]
    [InlineData("myapp.eth", true)]
    [InlineData("my-app.example.eth", true)]
    [InlineData("MyApp.eth", false)]
    [InlineData("eth", false)]
    [InlineData("my_app.eth", false)]
    [InlineData("myapp..eth", false)]
    [InlineData("xn--app.eth", false)]
    [InlineData("m\u00FCnchen.eth", false)]
    [InlineData("", false)]
    public void App_parent_names_are_lower_case_ascii_labels(string name, bool valid)
    {
        Assert.Equal(valid, LspNames.IsValidAppParentName(name, out var error));
        Assert.Equal(valid, error is null);
    }

    [Fact]
    public void App_parent_names_are_at_most_200_bytes()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 49), 4)) + ".eth"; // 203 bytes
        Assert.False(LspNames.IsValidAppParentName(name, out _));
    }

    [Fact]
    public void Lsp_names_use_the_lower_case_address_and_parse_back()
    {
        Assert.Equal(Ethereum.ToLowerAddress(Lsp.Address) + ".addr.myapp.eth", LspName);
        Assert.True(LspNames.TryParseLspName(LspName, out var address, out var parent, out _));
        Assert.Equal(Lsp.Address, address);
        Assert.Equal(App, parent);
        Assert.False(LspNames.TryParseLspName(LspName.ToUpperInvariant(), out _, out _, out _));
        Assert.False(LspNames.TryParseLspName(LspName.Replace(".addr.", ".user.", StringComparison.Ordinal), out _, out _, out _));
        Assert.False(LspNames.TryParseLspName(LspName[1..], out _, out _, out _));
    }

    [Theory]
    [InlineData("alice.eth", "alice.eth")]
    [InlineData("m\u00FCnchen.eth", "m%C3%BCnchen.eth")]
    [InlineData("a b/c?d#e%f", "a%20b%2Fc%3Fd%23e%25f")]
    [InlineData("x:y@z!$&'()*+,;=~_-.", "x:y@z!$&'()*+,;=~_-.")]
    public void Urn_names_percent_encode_everything_outside_the_allowed_set(string name, string encoded)
    {
        Assert.Equal(encoded, Dm3Urn.EncodeName(name));
        Assert.True(Dm3Urn.TryDecodeName(encoded, out var back, out _));
        Assert.Equal(name, back);
    }

    [Theory]
    [InlineData("m%c3%bcnchen.eth")] // lower-case hex
    [InlineData("%61lice.eth")] // over-encoded
    [InlineData("a b")] // raw space
    [InlineData("%C3")] // invalid UTF-8
    [InlineData("%G1")]
    [InlineData("")]
    public void Urn_names_must_be_canonically_encoded(string encoded)
    {
        Assert.False(Dm3Urn.TryDecodeName(encoded, out _, out var error));
        Assert.Equal("link.urn_name_invalid", error.Code);
    }

    [Fact]
    public void Urn_encoding_round_trips_for_any_string()
    {
        Prop.ForAll<NonEmptyString>(s =>
        {
            var text = s.Get;
            if (text.Any(char.IsSurrogate))
            {
                return true; // lone surrogates are not names
            }

            return Dm3Urn.TryDecodeName(Dm3Urn.EncodeName(text), out var back, out _) && back == text;
        }).QuickCheckThrowOnFailure();
    }

    // ---- key derivation ----

    [Fact]
    public void The_wallet_key_is_always_in_1_to_n_minus_1()
    {
        var n = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        var nMinus1 = (n - 1).ToByteArray(isUnsigned: true, isBigEndian: true);
        Assert.Equal(1, new BigInteger(LspKeyDerivation.WalletKeyFromMaterial([.. new byte[16], .. nMinus1]), isUnsigned: true, isBigEndian: true));
        Assert.Equal(1, new BigInteger(LspKeyDerivation.WalletKeyFromMaterial(new byte[48]), isUnsigned: true, isBigEndian: true));

        var gen = Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), 48);
        Prop.ForAll(gen.ToArbitrary(), material =>
        {
            var key = LspKeyDerivation.WalletKeyFromMaterial(material);
            var k = new BigInteger(key, isUnsigned: true, isBigEndian: true);
            return key.Length == 32 && k >= 1 && k < n && Secp256k1.IsValidPrivateKey(key);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Derived_outputs_are_separated_by_their_info_labels()
    {
        var keys = LspKeyDerivation.FromNewEntropy();
        Assert.NotEqual(keys.ProfileSeed, keys.StorageKey);
        Assert.NotEqual(keys.ProfileSeed, keys.WalletPrivateKey);
        Assert.DoesNotContain(Hex.Encode(keys.WalletPrivateKey, prefix: false), keys.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArgumentException>(() => LspKeyDerivation.FromEntropy(new byte[31]));
    }

    [Fact]
    public void Path_a_refuses_a_signature_by_another_wallet_or_of_the_wrong_length()
    {
        var fields = new CreationMessage(Domain, Uri, 1, Owner, App, Nonce, IssuedAt);
        var text = fields.Format();
        Assert.False(LspKeyDerivation.TryFromCreationSignature(fields, Ethereum.PersonalSign(Lsp.WalletPrivateKey, text), out _, out var error));
        Assert.Equal("lsp.creation_signature_signer", error.Code);

        var compact = Ethereum.PersonalSign(OwnerKey, text)[..130]; // 64 bytes
        Assert.False(LspKeyDerivation.TryFromCreationSignature(fields, compact, out _, out error));
        Assert.Equal("lsp.creation_signature_length", error.Code);

        Assert.True(LspKeyDerivation.TryFromCreationSignature(fields, Ethereum.PersonalSign(OwnerKey, text), out var keys, out _));
        Assert.True(LspKeyDerivation.TryFromCreationSignature(fields, Ethereum.PersonalSign(OwnerKey, text), out var keys2, out _));
        Assert.Equal(keys.WalletPrivateKey, keys2.WalletPrivateKey);
    }

    [Fact]
    public void Canonicalisation_rejects_a_zero_r()
    {
        var sig = new byte[65];
        sig[40] = 1;
        sig[64] = 27;
        Assert.False(LspKeyDerivation.TryCanonicalizeSignature(sig, out _, out _));
    }

    // ---- wallet-signed texts ----

    [Fact]
    public void A_creation_message_has_no_expiry_and_fixed_resources()
    {
        var text = new CreationMessage(Domain, Uri, 1, Owner, App, Nonce, IssuedAt).Format();
        Assert.True(CreationMessage.TryParse(text, out _, out _));
        Assert.False(CreationMessage.TryParse(text.Replace("Resources:", "Expiration Time: 2025-01-15T12:20:00Z\nResources:", StringComparison.Ordinal), out _, out _));
        Assert.False(CreationMessage.TryParse(text.Replace("for myapp.eth.", "for other.eth.", StringComparison.Ordinal), out _, out var e));
        Assert.Equal("link.text_mismatch", e.Code);
        Assert.False(CreationMessage.TryParse(text + "\n- urn:dm3:extra", out _, out _));
        Assert.False(new CreationMessage(Domain, Uri, 1, Owner, "Bad.eth", Nonce, IssuedAt).TryFormat(out _, out _));
        Assert.False(new CreationMessage(Domain, Uri, 1, Owner, App, "nonce-with-dash0000000000000000", IssuedAt).TryFormat(out _, out _));
        Assert.False(new CreationMessage(Domain, "https://elsewhere.example/x", 1, Owner, App, Nonce, IssuedAt).TryFormat(out _, out _));
    }

    [Fact]
    public void A_dapp_owner_proof_may_use_its_own_statement_and_extra_resources()
    {
        var text = "https://dapp.example wants you to sign in with your Ethereum account:\n" + Ethereum.ToChecksumAddress(Owner) + "\n\n"
            + "Sign in to Dapp Example.\n\nURI: https://dapp.example/login\nVersion: 1\nChain ID: 1\nNonce: " + Nonce + "\n"
            + "Issued At: 2025-01-15T12:10:00.123Z\nExpiration Time: 2025-01-15T12:15:00.123Z\nRequest ID: 17\nResources:\n"
            + "- https://dapp.example/tos\n- urn:dm3:lsp:app:myapp.eth\n- urn:dm3:lsp:scope:query\n- urn:dm3:lsp:scope:register";
        Assert.True(OwnerProof.TryParse(text, out var proof, out var error), error?.Message);
        Assert.False(proof.IsComponentForm);
        Assert.Equal(App, proof.AppParentName);
        Assert.Equal(["query", "register"], proof.Scopes);
    }

    [Theory]
    [InlineData("- urn:dm3:lsp:app:myapp.eth\n- urn:dm3:lsp:app:other.eth\n- urn:dm3:lsp:scope:query", "link.owner_proof_app")]
    [InlineData("- urn:dm3:lsp:scope:query", "link.owner_proof_app")]
    [InlineData("- urn:dm3:lsp:app:myapp.eth", "link.owner_proof_scope")]
    [InlineData("- urn:dm3:lsp:app:myapp.eth\n- urn:dm3:lsp:scope:admin", "link.owner_proof_scope")]
    [InlineData("- urn:dm3:lsp:app:myapp.eth\n- urn:dm3:lsp:scope:query\n- urn:dm3:lsp:scope:query", "link.owner_proof_scope")]
    [InlineData("- urn:dm3:lsp:app:myapp.eth\n- urn:dm3:lsp:scope:publish-link", "link.owner_proof_scope")]
    public void Owner_proofs_need_exactly_one_app_and_known_scopes(string resources, string code)
    {
        var text = "dapp.example wants you to sign in with your Ethereum account:\n" + Ethereum.ToChecksumAddress(Owner) + "\n\nHi.\n\n"
            + "URI: https://dapp.example/login\nVersion: 1\nChain ID: 1\nNonce: " + Nonce + "\nIssued At: 2025-01-15T12:10:00Z\n"
            + "Expiration Time: 2025-01-15T12:15:00Z\nResources:\n" + resources;
        Assert.False(OwnerProof.TryParse(text, out _, out var error));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void An_owner_proof_with_our_statement_must_have_our_exact_form()
    {
        var ours = new OwnerProofMessage(Domain, Uri, 1, Owner, App, Nonce, IssuedAt, IssuedAt.AddMinutes(5), [LspScopes.Query]).Format();
        Assert.True(OwnerProof.TryParse(ours, out var proof, out _));
        Assert.True(proof.IsComponentForm);
        Assert.False(OwnerProof.TryParse(ours + "\n- https://extra.example", out _, out var error));
        Assert.Equal("link.text_mismatch", error.Code);
        Assert.False(OwnerProof.TryParse(ours.Replace("12:10:00Z", "12:10:00.000Z", StringComparison.Ordinal), out _, out error));
        Assert.Equal("siwe.layout_timestamp", error.Code);
    }

    [Fact]
    public void A_binding_text_must_be_exact()
    {
        var binding = new LspBinding(App, LspName, Owner, "5e4d3c2b1a0998877665544332211000").Format();
        Assert.True(LspBinding.TryParse(binding, out _, out _));
        Assert.False(LspBinding.TryParse(binding + "\n", out _, out _));
        Assert.False(LspBinding.TryParse(binding.Replace(Ethereum.ToChecksumAddress(Owner), Ethereum.ToLowerAddress(Owner), StringComparison.Ordinal), out _, out _));
        Assert.False(LspBinding.TryParse(binding.Replace("addr.myapp.eth", "addr.other.eth", StringComparison.Ordinal), out _, out _));
        Assert.False(new LspBinding("other.eth", LspName, Owner, "5e4d3c2b1a0998877665544332211000").TryFormat(out _, out _));
    }

    [Fact]
    public void Link_messages_fix_statement_and_resource_order()
    {
        var text = Link().Format();
        Assert.True(LinkMessage.TryParse(text, out _, out _));
        var swapped = text.Replace("- urn:dm3:link:main:alice.eth\n- urn:dm3:link:profile-hash:" + ProfileHash,
            "- urn:dm3:link:profile-hash:" + ProfileHash + "\n- urn:dm3:link:main:alice.eth", StringComparison.Ordinal);
        Assert.False(LinkMessage.TryParse(swapped, out _, out _));
        Assert.False(LinkMessage.TryParse(text.Replace("type:LINK", "type:LINK_RECOVER", StringComparison.Ordinal), out _, out _));
        Assert.False(LinkMessage.TryParse(text.Replace("Link a dm3", "Link the dm3", StringComparison.Ordinal), out _, out _));
        Assert.False(LinkMessage.TryParse(text.Replace("type:LINK", "type:LINK_ACCEPT", StringComparison.Ordinal), out _, out _));
        Assert.False(LinkMessage.TryParse(text.Replace(ProfileHash, ProfileHash.ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal), StringComparison.Ordinal), out _, out _));
        Assert.False((Link() with { Type = LinkMessageType.LinkRecover }).TryFormat(out _, out _)); // no requester
        Assert.False((Link() with { Requester = "x.eth" }).TryFormat(out _, out _));
    }

    [Theory]
    [InlineData(LinkMessageType.Link, 7 * 24, 0, 0, null)]
    [InlineData(LinkMessageType.Link, (7 * 24) + 1, 0, 0, "link.validity_too_long")]
    [InlineData(LinkMessageType.LinkRecover, 24, 0, 0, null)]
    [InlineData(LinkMessageType.LinkRecover, 25, 0, 0, "link.validity_too_long")]
    [InlineData(LinkMessageType.Link, 2, -301, 0, "link.issued_in_future")]
    [InlineData(LinkMessageType.Link, 2, -300, 0, null)]
    [InlineData(LinkMessageType.Link, 2, 7200, 0, "link.expired")]
    public void Link_message_time_rules(LinkMessageType type, int validityHours, int nowOffsetSeconds, int unused, string? code)
    {
        _ = unused;
        var message = Link(TimeSpan.FromHours(validityHours)) with { Type = type, Requester = type == LinkMessageType.LinkRecover ? "0x1111111111111111111111111111111111111111.addr.myapp.eth" : null };
        Assert.True(message.TryFormat(out var text, out var e), e?.Message);
        Assert.True(LinkMessage.TryParse(text, out var parsed, out e), e?.Message);
        Assert.Equal(code, parsed.CheckTime(IssuedAt.AddSeconds(nowOffsetSeconds))?.Code);
    }

    [Fact]
    public void A_publish_proof_must_be_signed_for_the_lsp_names_own_address()
    {
        var ok = new PublishLinkProof(Domain, Uri, 1, Lsp.Address, App, Nonce, IssuedAt, IssuedAt.AddMinutes(5), LspName);
        Assert.True(ok.TryFormat(out var text, out _));
        Assert.True(PublishLinkProof.TryParse(text, out _, out _));
        Assert.False((ok with { LspAddress = Owner }).TryFormat(out _, out var error));
        Assert.Equal("link.publish_proof_signer", error.Code);
        Assert.False((ok with { AppParentName = "other.eth" }).TryFormat(out _, out error));
        Assert.Equal("link.publish_proof_name", error.Code);
    }

    // ---- link object ----

    private static JsonObject Json(LinkObject o) => (JsonObject)JsonNode.Parse(o.ToCanonicalJson())!;

    [Fact]
    public void A_link_object_round_trips_and_verifies()
    {
        var link = LinkObj();
        Assert.True(LinkObject.TryParse(link.ToCanonicalJson(), LinkMessageType.Link, out var parsed, out var error), error?.Message);
        Assert.Equal(link, parsed);
        Assert.True(parsed.VerifyWalletSignature());
        Assert.False((parsed with { Signature = Ethereum.PersonalSign(Lsp.WalletPrivateKey, parsed.LinkMessage) }).VerifyWalletSignature());
    }

    [Theory]
    [InlineData("walletPrivateKey", null)]
    [InlineData("profilePrivateKey", null)]
    [InlineData("origin", null)]
    [InlineData("origin", "wallet")]
    [InlineData("version", "2")]
    [InlineData("profileHash", "0x1234")]
    [InlineData("profileName", "alice.eth")]
    [InlineData("signature", "0x1234")]
    [InlineData("nonce", "NOT-HEX")]
    [InlineData("extra", "1")]
    [InlineData("walletPrivateKey", "0x0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("profilePrivateKey", "AAAA")]
    public void A_link_object_breaking_the_table_is_rejected(string member, string? value)
    {
        var json = Json(LinkObj());
        if (value is null)
        {
            json.Remove(member);
        }
        else
        {
            json[member] = member == "version" ? JsonValue.Create(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)) : JsonValue.Create(value);
        }

        Assert.False(LinkObject.TryParse(json, LinkMessageType.Link, out var link, out var error));
        Assert.Null(link);
        Assert.StartsWith("link.", error.Code, StringComparison.Ordinal);
    }

    [Fact]
    public void Link_recover_objects_carry_no_keys_and_accepts_carry_keys_only_for_recovery()
    {
        var recoverText = (Link(TimeSpan.FromHours(12)) with { Type = LinkMessageType.LinkRecover, Requester = "0x1111111111111111111111111111111111111111.addr.myapp.eth" }).Format();
        var recover = LinkObject.ForRecover(recoverText, Ethereum.PersonalSign(OwnerKey, recoverText));
        Assert.Null(recover.Validate(LinkMessageType.LinkRecover));
        Assert.NotNull((recover with { WalletPrivateKey = Hex.Encode(Lsp.WalletPrivateKey) }).Validate(LinkMessageType.LinkRecover));
        Assert.NotNull(recover.Validate(LinkMessageType.Link)); // a LINK_RECOVER text in a LINK object

        var keys = (LinkObject.OriginRandom, Base64Std.Encode(Lsp.ProfileSeed), Hex.Encode(Lsp.WalletPrivateKey), (string?)null);
        var recoverAccept = LinkObject.ForAccept(recover, MainKeys.PrivateKey64, keys: keys);
        Assert.Null(recoverAccept.Validate(LinkMessageType.LinkAccept));
        Assert.NotNull(LinkObject.ForAccept(recover, MainKeys.PrivateKey64).Validate(LinkMessageType.LinkAccept)); // keys missing

        var linkAccept = LinkObject.ForAccept(LinkObj(), MainKeys.PrivateKey64);
        Assert.Null(linkAccept.Validate(LinkMessageType.LinkAccept));
        Assert.True(linkAccept.VerifyAcceptSignature(MainKeys.PublicKey32));
        Assert.False(linkAccept.VerifyAcceptSignature(Lsp.SigningPublicKey));
        Assert.NotNull(LinkObject.ForAccept(LinkObj(), MainKeys.PrivateKey64, keys: keys).Validate(LinkMessageType.LinkAccept)); // keys when answering LINK
        Assert.NotNull(LinkObj().Validate(LinkMessageType.LinkAccept)); // a wallet signature is not an accept signature
    }

    [Fact]
    public void A_link_object_with_an_oversized_link_message_is_rejected_before_its_size_matters()
    {
        var attestation = new LinkAttestation("alice.eth", LspName, ProfileHash, 1736943600, 1736943600 + 86400).Sign(MainKeys.PrivateKey64);
        var accept = LinkObject.ForAccept(LinkObj(), MainKeys.PrivateKey64, attestation);
        Assert.Null(accept.Validate(LinkMessageType.LinkAccept));
        var json = Json(accept);
        json["linkMessage"] = accept.LinkMessage + new string(' ', 9000);
        Assert.False(LinkObject.TryParse(json, LinkMessageType.LinkAccept, out _, out var error));
        Assert.Equal("link.link_message_invalid", error.Code); // the text is checked first and is over 2048 bytes

        Assert.Equal(8192, LinkObject.MaxCanonicalBytes);
    }

    [Fact]
    public void Link_objects_with_duplicate_keys_are_rejected()
    {
        var json = LinkObj().ToCanonicalJson();
        var duplicated = json.Insert(1, "\"version\":1,");
        Assert.False(LinkObject.TryParse(duplicated, LinkMessageType.Link, out _, out _));
    }

    // ---- attestation ----

    [Fact]
    public void Attestation_validity_is_at_most_365_days()
    {
        var ok = new LinkAttestation("alice.eth", LspName, ProfileHash, 1_000_000, 1_000_000 + (365 * 86400));
        Assert.Null(ok.Validate(requireSignature: false));
        Assert.Equal("link.attestation_validity", (ok with { ExpiresAt = ok.ExpiresAt + 1 }).Validate(false)?.Code);
        Assert.NotNull((ok with { ExpiresAt = ok.IssuedAt }).Validate(false));
        Assert.Throws<ProtocolFormatException>(() => (ok with { ExpiresAt = ok.IssuedAt - 1 }).Sign(MainKeys.PrivateKey64));
    }

    [Fact]
    public void Attestation_reader_rules_reject_other_names_hashes_expiry_and_keys()
    {
        var a = new LinkAttestation("alice.eth", LspName, ProfileHash, 1_000_000, 1_000_000 + 86400).Sign(MainKeys.PrivateKey64);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_000_100);
        Assert.Null(a.CheckForReader(LspName, ProfileHash, now, MainKeys.PublicKey32));
        Assert.Equal("link.attestation_name", a.CheckForReader("0x1111111111111111111111111111111111111111.addr.myapp.eth", ProfileHash, now, MainKeys.PublicKey32)?.Code);
        Assert.Equal("link.attestation_hash", a.CheckForReader(LspName, "0x" + new string('0', 64), now, MainKeys.PublicKey32)?.Code);
        Assert.Equal("link.attestation_expired", a.CheckForReader(LspName, ProfileHash, DateTimeOffset.FromUnixTimeSeconds(a.ExpiresAt), MainKeys.PublicKey32)?.Code);
        Assert.Equal("link.attestation_signature", a.CheckForReader(LspName, ProfileHash, now, Lsp.SigningPublicKey)?.Code);
        Assert.Equal("link.attestation_signature", (a with { IssuedAt = a.IssuedAt + 1 }).CheckForReader(LspName, ProfileHash, now, MainKeys.PublicKey32)?.Code);
    }

    [Fact]
    public void Attestation_records_must_be_canonical_closed_and_small()
    {
        var a = new LinkAttestation("alice.eth", LspName, ProfileHash, 1_000_000, 1_000_000 + 86400).Sign(MainKeys.PrivateKey64);
        var record = a.ToRecordValue();
        Assert.True(LinkAttestation.TryParseRecordValue(record, out var back, out _));
        Assert.Equal(a, back);

        var reordered = "data:application/json," + a.ToJson().ToJsonString();
        Assert.False(LinkAttestation.TryParseRecordValue(reordered, out _, out var error));
        Assert.Equal("link.attestation_record_invalid", error.Code);

        var extra = a.ToJson();
        extra["note"] = "x";
        Assert.False(LinkAttestation.TryParse(extra, out _, out error));
        Assert.Equal("link.attestation_invalid", error.Code);

        Assert.False(LinkAttestation.TryParseRecordValue("data:application/json;base64," + Convert.ToBase64String("{}"u8), out _, out _));
        Assert.False(LinkAttestation.TryParseRecordValue(record + new string(' ', 2048), out _, out error));
        Assert.Equal("link.attestation_too_large", error.Code);
        Assert.False(new LinkAttestation("alice.eth", LspName, ProfileHash, 1, 2).TryToRecordValue(out _, out error)); // unsigned
    }

    [Fact]
    public void A_link_accept_attestation_must_name_the_same_profile_and_hash_as_the_link()
    {
        var otherHash = "0x" + new string('a', 64);
        var wrongHash = new LinkAttestation("alice.eth", LspName, otherHash, 1736943600, 1736943600 + 86400).Sign(MainKeys.PrivateKey64);
        Assert.NotNull(LinkObject.ForAccept(LinkObj(), MainKeys.PrivateKey64, wrongHash).Validate(LinkMessageType.LinkAccept));

        var otherName = LspKeyDerivation.FromEntropy(Enumerable.Repeat((byte)1, 32).ToArray()).LspName(App);
        var wrongName = new LinkAttestation("alice.eth", otherName, ProfileHash, 1736943600, 1736943600 + 86400).Sign(MainKeys.PrivateKey64);
        Assert.NotNull(LinkObject.ForAccept(LinkObj(), MainKeys.PrivateKey64, wrongName).Validate(LinkMessageType.LinkAccept));
    }

    [Fact]
    public void Link_objects_and_message_metadata_never_print_private_keys()
    {
        var link = LinkObj();
        var text = link.ToString();
        Assert.DoesNotContain(link.WalletPrivateKey!, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(link.ProfilePrivateKey!, text, StringComparison.Ordinal);
        Assert.Contains(LspName, text, StringComparison.Ordinal);

        var metadata = new Dm3.Protocol.Messaging.MessageMetadata("alice.eth", LspName, 1, Dm3.Protocol.Messaging.MessageType.Link,
            Link: (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(link.ToCanonicalJson())!);
        var metadataText = metadata.ToString();
        Assert.DoesNotContain(link.WalletPrivateKey!, metadataText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(link.ProfilePrivateKey!, metadataText, StringComparison.Ordinal);
        Assert.Contains("alice.eth", metadataText, StringComparison.Ordinal);
    }
}

public sealed class LinkedProfileRulesTestsOnBouncyCastle() : LinkedProfileRulesTests(BouncyCastleCryptoProvider.Instance);

public sealed class LinkedProfileRulesTestsOnLibsodium() : LinkedProfileRulesTests(SodiumCryptoProvider.Instance);
