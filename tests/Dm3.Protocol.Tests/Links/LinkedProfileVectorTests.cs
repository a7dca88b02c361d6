using System.Globalization;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;
using Dm3.Protocol.Links;
using Dm3.Protocol.Siwe;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;

namespace Dm3.Protocol.Tests.Links;

/// <summary>Reproduces the <c>linkedProfiles</c> vectors of shared/conformance/dm3-vectors.json (linked-profiles §15).</summary>
public abstract class LinkedProfileVectorTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    private const string Category = "linkedProfiles";

    public static IEnumerable<object[]> Ids() => SharedData.Ids(Category);

    /// <summary>Inputs shared by the later vectors come from the first one (domain, URI, chain, app, owner).</summary>
    private sealed record Common(string Domain, string Uri, ulong ChainId, string App, byte[] OwnerKey, byte[] Owner, string LspName,
        byte[] LspWalletKey, byte[] ProfileSeed, string ProfileHash, string CreationNonce)
    {
        public static Common Load()
        {
            var v = SharedData.Vector(Category, "create-from-signature");
            var i = v.Obj("inputs");
            var e = v.Obj("expected");
            var ownerKey = i.HexBytes("ownerWalletPrivateKeyHex");
            return new Common(i.Str("domainText"), i.Str("uriText"), ulong.Parse(i.Str("chainIdText"), CultureInfo.InvariantCulture), i.Str("appParentNameText"),
                ownerKey, Ethereum.AddressFromPrivateKey(ownerKey), e.Str("lspNameText"), e.HexBytes("lspWalletPrivateKeyHex"),
                e.B64Bytes("profileSeedB64"), e.Str("lspProfileHashHex"), i.Str("creationNonceText"));
        }
    }

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    [SharedDataTheory]
    [MemberData(nameof(Ids))]
    public void Vector_is_reproduced(string id)
    {
        var v = SharedData.Vector(Category, id);
        switch (id)
        {
            case "create-from-signature": CreateFromSignature(v); break;
            case "create-from-random-entropy": CreateFromRandomEntropy(v); break;
            case "owner-proof-and-binding": OwnerProofAndBinding(v); break;
            case "link-and-accept": LinkAndAccept(v); break;
            case "link-recover": LinkRecover(v); break;
            case "publish-link-record-proof": PublishLinkRecordProof(v); break;
            default: Assert.Fail($"no test for linkedProfiles vector '{id}'"); break;
        }
    }

    private static void CreateFromSignature(JsonObject v)
    {
        var i = v.Obj("inputs");
        var e = v.Obj("expected");
        var ownerKey = i.HexBytes("ownerWalletPrivateKeyHex");
        var owner = Ethereum.AddressFromPrivateKey(ownerKey);
        Assert.Equal(i.Str("ownerAddressText"), Ethereum.ToChecksumAddress(owner));

        var fields = new CreationMessage(i.Str("domainText"), i.Str("uriText"), ulong.Parse(i.Str("chainIdText"), CultureInfo.InvariantCulture), owner,
            i.Str("appParentNameText"), i.Str("creationNonceText"), Time(i.Str("issuedAtText")));
        var text = fields.Format();
        Assert.Equal(e.Str("creationMessageText"), text);
        Assert.True(CreationMessage.TryParse(text, out var parsed, out var parseError), parseError?.Message);
        Assert.Equal(fields.Domain, parsed.Domain);
        Assert.Equal(fields.AppParentName, parsed.AppParentName);
        Assert.Equal(fields.IssuedAt, parsed.IssuedAt);
        Assert.Equal(owner, parsed.Owner);

        var signature = Ethereum.PersonalSign(ownerKey, text);
        Assert.Equal(e.Str("creationSignatureHex"), signature);

        // Canonical IKM from every encoding of the same signature (§3.1 rule 5).
        Assert.True(LspKeyDerivation.TryCanonicalizeSignature(Hex.Decode(signature), out var ikm, out _));
        Assert.Equal(e.HexBytes("canonicalSignatureIkmHex"), ikm);
        Assert.True(LspKeyDerivation.TryCanonicalizeSignature(e.HexBytes("nonCanonicalV0V1SignatureHex"), out var ikmV01, out _));
        Assert.Equal(e.HexBytes("sameIkmFromV0V1EncodingHex"), ikmV01);
        Assert.True(LspKeyDerivation.TryCanonicalizeSignature(e.HexBytes("nonCanonicalHighSSignatureHex"), out var ikmHighS, out _));
        Assert.Equal(e.HexBytes("sameIkmFromHighSEncodingHex"), ikmHighS);

        Assert.Equal("dm3-lsp-v1", e.Str("hkdfSaltText"));
        Assert.True(LspKeyDerivation.TryFromCreationSignature(fields, signature, out var keys, out var deriveError), deriveError?.Message);
        AssertKeys(e, keys, i.Str("appParentNameText"));
        Assert.Equal(e.Str("lspNameText"), keys.LspName(i.Str("appParentNameText")));
        Assert.Equal(e.HexBytes("profileSeedHex"), keys.ProfileSeed);
        Assert.Equal(e.B64Bytes("x25519PrivateKeyB64"), keys.EncryptionPrivateKey);
        Assert.Equal(e.B64Bytes("ed25519PrivateKey64B64"), keys.SigningPrivateKey);
        Assert.Equal(e.HexBytes("lspNamehashHex"), Namehash(e.Str("lspNameText")));

        foreach (var other in new[] { e.Str("nonCanonicalV0V1SignatureHex"), e.Str("nonCanonicalHighSSignatureHex") })
        {
            Assert.True(LspKeyDerivation.TryFromCreationSignature(fields, other, out var same, out var otherError), otherError?.Message);
            Assert.Equal(keys.WalletPrivateKey, same.WalletPrivateKey);
            Assert.Equal(keys.ProfileSeed, same.ProfileSeed);
        }

        AssertProfile(e, keys, i.Str("deliveryServicesJson"), hasCreationText: true);
    }

    private static void CreateFromRandomEntropy(JsonObject v)
    {
        var i = v.Obj("inputs");
        var e = v.Obj("expected");
        var keys = LspKeyDerivation.FromEntropy(i.HexBytes("entropy32Hex"));
        AssertKeys(e, keys, i.Str("appParentNameText"));
        AssertProfile(e, keys, i.Str("deliveryServicesJson"), hasCreationText: false);
    }

    private static void AssertKeys(JsonObject e, LspKeys keys, string app)
    {
        Assert.Equal(e.HexBytes("hkdfPrkHex"), keys.Prk);
        Assert.Equal(e.HexBytes("walletKeyMaterial48Hex"), keys.WalletKeyMaterial48);
        Assert.Equal(e.HexBytes("lspWalletPrivateKeyHex"), keys.WalletPrivateKey);
        Assert.Equal(e.Str("lspAddressText"), keys.AddressText);
        Assert.Equal(e.Str("lspNameText"), keys.LspName(app));
        Assert.Equal(e.Str("profileSeedB64"), Base64Std.Encode(keys.ProfileSeed));
        Assert.Equal(e.Str("storageKeyB64"), Base64Std.Encode(keys.StorageKey));
        Assert.Equal(e.Str("x25519PublicKeyB64"), Base64Std.Encode(keys.EncryptionPublicKey));
        Assert.Equal(e.Str("ed25519PublicKeyB64"), Base64Std.Encode(keys.SigningPublicKey));
        Assert.Equal(keys.WalletPrivateKey, LspKeyDerivation.WalletKeyFromMaterial(keys.WalletKeyMaterial48));
        var (encryption, signing) = LspKeyDerivation.ProfilePublicKeys(keys.ProfileSeed);
        Assert.Equal(keys.EncryptionPublicKey, encryption);
        Assert.Equal(keys.SigningPublicKey, signing);
    }

    /// <summary>
    /// The LSP's SignedUserProfile, checked with the primitives (W§3): the profile holds our derived keys, the
    /// signature is the LSP wallet's EIP-191 signature of the creation text, and hash and record follow from the
    /// canonical JSON.
    /// </summary>
    private static void AssertProfile(JsonObject e, LspKeys keys, string deliveryServicesJson, bool hasCreationText)
    {
        var userProfile = new JsonObject
        {
            ["deliveryServices"] = JsonNode.Parse(deliveryServicesJson),
            ["publicEncryptionKey"] = Base64Std.Encode(keys.EncryptionPublicKey),
            ["publicSigningKey"] = Base64Std.Encode(keys.SigningPublicKey),
        };
        var creationText = "dm3.chat wants you register your dm3 profile with your Ethereum account:\n" + keys.AddressText
            + "\n\nThis is required only once!\n(There is no paid transaction initiated. The signature is used off-chain only.)\n\n"
            + "URI: https://dm3.chat\nVersion: 1\ndm3 Profile: " + CanonicalJson.Serialize(userProfile);
        if (hasCreationText)
        {
            Assert.Equal(e.Str("lspProfileCreationMessageText"), creationText);
        }

        var signed = new JsonObject
        {
            ["profile"] = userProfile.DeepClone(),
            ["signature"] = Ethereum.PersonalSign(keys.WalletPrivateKey, creationText),
        };
        var canonical = CanonicalJson.Serialize(signed);
        Assert.Equal(e.Str("lspSignedUserProfileCanonicalJson"), canonical);
        Assert.Equal(e.Str("lspProfileHashHex"), Hashes.Sha256HexOfUtf8(canonical));
        if (e.Has("lspTextRecordValueText"))
        {
            Assert.Equal(e.Str("lspTextRecordValueText"), "data:application/json," + canonical);
        }
    }

    private static void OwnerProofAndBinding(JsonObject v)
    {
        var c = Common.Load();
        var i = v.Obj("inputs");
        var e = v.Obj("expected");
        var issuedAt = Time(i.Str("issuedAtText"));
        var fields = new OwnerProofMessage(c.Domain, c.Uri, c.ChainId, c.Owner, c.App, i.Str("serverNonceText"), issuedAt,
            Time(i.Str("expirationTimeText")), [LspScopes.Query, LspScopes.Register, LspScopes.Escrow]);
        var text = fields.Format();
        Assert.Equal(e.Str("ownerProofMessageText"), text);
        Assert.Equal(e.HexBytes("ownerProofEip191DigestHex"), Ethereum.PersonalMessageDigest(text));
        var signature = Ethereum.PersonalSign(i.HexBytes("ownerWalletPrivateKeyHex"), text);
        Assert.Equal(e.Str("ownerProofSignatureHex"), signature);

        Assert.True(OwnerProof.TryParse(text, out var proof, out var error), error?.Message);
        Assert.True(proof.IsComponentForm);
        Assert.Equal(c.App, proof.AppParentName);
        Assert.Equal(["query", "register", "escrow"], proof.Scopes);

        var expectations = LinkedProfileTexts.ProofExpectations(issuedAt.AddSeconds(20), c.Domain, [c.Uri], [c.ChainId], i.Str("serverNonceText"));
        var verified = SiweVerifier.Verify(text, signature, expectations, SiweMode.Strict);
        Assert.True(verified.IsValid, verified.Error?.Message);

        var lspKey = i.HexBytes("lspWalletPrivateKeyHex");
        var binding = new LspBinding(c.App, c.LspName, c.Owner, i.Str("sessionIdText"));
        var bindingText = binding.Format();
        Assert.Equal(e.Str("lspBindingText"), bindingText);
        Assert.True(LspBinding.TryParse(bindingText, out var parsedBinding, out error), error?.Message);
        Assert.Equal(c.LspName, parsedBinding.LspName);
        var bindingSignature = Ethereum.PersonalSign(lspKey, bindingText);
        Assert.Equal(e.Str("lspBindingSignatureHex"), bindingSignature);
        Assert.True(Ethereum.TryRecoverPersonalSigner(bindingText, bindingSignature, out var signer, out _));
        Assert.Equal(e.Str("lspBindingRecoveredAddressText"), Ethereum.ToChecksumAddress(signer));
    }

    private static void LinkAndAccept(JsonObject v)
    {
        var c = Common.Load();
        var i = v.Obj("inputs");
        var e = v.Obj("expected");
        Assert.Equal(c.LspName, i.Str("lspNameText"));
        var main = i.Str("mainProfileNameText");
        var issuedAt = Time(i.Str("issuedAtText"));
        var fields = new LinkMessage(LinkMessageType.Link, c.Domain, c.Uri, c.ChainId, c.Owner, i.Str("linkNonceText"), issuedAt,
            Time(i.Str("expirationTimeText")), c.LspName, main, i.Str("lspProfileHashHex"));
        var text = fields.Format();
        Assert.Equal(e.Str("linkMessageText"), text);
        Assert.True(LinkMessage.TryParse(text, out var parsed, out var error), error?.Message);
        Assert.Equal(LinkMessageType.Link, parsed.Type);
        Assert.Equal(main, parsed.MainProfileName);
        Assert.Null(parsed.CheckTime(issuedAt.AddHours(1)));

        Assert.Equal(e.HexBytes("linkWalletEip191DigestHex"), Ethereum.PersonalMessageDigest(text));
        var walletSignature = Ethereum.PersonalSign(i.HexBytes("ownerWalletPrivateKeyHex"), text);
        Assert.Equal(e.Str("linkWalletSignatureHex"), walletSignature);

        var link = LinkObject.ForLink(text, walletSignature, LinkObject.OriginSignature, c.ProfileSeed, c.LspWalletKey, c.CreationNonce);
        Assert.Equal(e.Str("linkObjectCanonicalJson"), link.ToCanonicalJson());
        Assert.True(LinkObject.TryParse(e.Str("linkObjectCanonicalJson"), LinkMessageType.Link, out var parsedLink, out error), error?.Message);
        Assert.True(parsedLink.VerifyWalletSignature());
        Assert.Equal(e.Str("linkMessageSha256HexText"), link.LinkMessageHashText());

        // The dm3 Message carrying LINK: its link member is our object, and its Ed25519 signature (W§7) is the LSP key's.
        var lspKey = i.B64Bytes("lspEd25519PrivateKey64B64");
        AssertDm3Message(e.Str("linkDm3MessageCanonicalJson"), LinkMessageType.Link, link.ToCanonicalJson(), lspKey, e.Str("linkDm3MessageSignatureB64"));

        var attestation = new LinkAttestation(main, c.LspName, c.ProfileHash, long.Parse(i.Str("attestationIssuedAtUnixSecondsText"), CultureInfo.InvariantCulture),
            JsonNode.Parse(e.Str("attestationUnsignedCanonicalJson"))!["expiresAt"]!.GetValue<long>());
        Assert.Equal(e.Str("attestationUnsignedCanonicalJson"), attestation.UnsignedCanonicalJson());
        Assert.Equal(e.Str("attestationSha256HexText"), attestation.HashText());
        var mainKey = i.B64Bytes("mainProfileEd25519PrivateKey64B64");
        var mainPublic = i.B64Bytes("mainProfileEd25519PublicKeyB64");
        var signedAttestation = attestation.Sign(mainKey);
        Assert.Equal(e.Str("attestationSignatureB64"), signedAttestation.Signature);
        Assert.Equal(e.Str("linkRecordValueText"), signedAttestation.ToRecordValue());
        Assert.True(LinkAttestation.TryParseRecordValue(e.Str("linkRecordValueText"), out var readBack, out error), error?.Message);
        Assert.Null(readBack.CheckForReader(c.LspName, c.ProfileHash, DateTimeOffset.FromUnixTimeSeconds(attestation.IssuedAt + 60), mainPublic));

        var accept = LinkObject.ForAccept(link, mainKey, signedAttestation);
        Assert.Equal(e.Str("acceptSignatureB64"), accept.Signature);
        Assert.True(accept.VerifyAcceptSignature(mainPublic));
        Assert.Equal(e.Str("acceptObjectCanonicalJson"), accept.ToCanonicalJson());
        Assert.True(LinkObject.TryParse(e.Str("acceptObjectCanonicalJson"), LinkMessageType.LinkAccept, out var parsedAccept, out error), error?.Message);
        Assert.Equal(signedAttestation, parsedAccept.Attestation);
        AssertDm3Message(e.Str("acceptDm3MessageCanonicalJson"), LinkMessageType.LinkAccept, accept.ToCanonicalJson(), mainKey, null);
    }

    private static void AssertDm3Message(string messageJson, LinkMessageType type, string expectedLinkCanonical, byte[] signerPrivateKey64, string? expectedSignature)
    {
        Assert.True(CanonicalJson.TryParse(messageJson, out var node, out var error), error?.Message);
        var message = node.AsObject();
        Assert.Equal(messageJson, CanonicalJson.Serialize(message));
        var metadata = message["metadata"]!.AsObject();
        Assert.Equal(type.ToWire(), (string)metadata["type"]!);
        Assert.Equal(expectedLinkCanonical, CanonicalJson.Serialize(metadata["link"]));
        Assert.True(LinkObject.TryParse(metadata["link"], type, out _, out error), error?.Message);

        var signature = (string)message["signature"]!;
        message.Remove("signature");
        var unsigned = CanonicalJson.Serialize(message);
        Assert.True(Ed25519.VerifyText(signerPrivateKey64.AsSpan(32), unsigned, signature));
        Assert.Equal(signature, Ed25519.SignText(signerPrivateKey64, unsigned));
        if (expectedSignature is not null)
        {
            Assert.Equal(expectedSignature, signature);
        }
    }

    private static void LinkRecover(JsonObject v)
    {
        var c = Common.Load();
        var i = v.Obj("inputs");
        var e = v.Obj("expected");
        var linkInputs = SharedData.Vector(Category, "link-and-accept").Obj("inputs");

        // The temporary requester profile is made by path (b) (§10.3).
        var temp = LspKeyDerivation.FromEntropy(i.HexBytes("tempProfileEntropy32Hex"));
        Assert.Equal(e.Str("tempProfileNameText"), temp.LspName(c.App));

        var issuedAt = Time(i.Str("issuedAtText"));
        var fields = new LinkMessage(LinkMessageType.LinkRecover, c.Domain, c.Uri, c.ChainId, c.Owner, i.Str("recoverNonceText"), issuedAt,
            Time(i.Str("expirationTimeText")), c.LspName, linkInputs.Str("mainProfileNameText"), c.ProfileHash, temp.LspName(c.App));
        var text = fields.Format();
        Assert.Equal(e.Str("recoverMessageText"), text);
        Assert.True(LinkMessage.TryParse(text, out var parsed, out var error), error?.Message);
        Assert.Equal(e.Str("tempProfileNameText"), parsed.Requester);
        Assert.Null(parsed.CheckTime(issuedAt.AddHours(1)));

        var signature = Ethereum.PersonalSign(i.HexBytes("ownerWalletPrivateKeyHex"), text);
        Assert.Equal(e.Str("recoverWalletSignatureHex"), signature);

        var recover = LinkObject.ForRecover(text, signature);
        Assert.Equal(e.Str("recoverObjectCanonicalJson"), recover.ToCanonicalJson());
        Assert.Equal(e.Str("recoverMessageSha256HexText"), recover.LinkMessageHashText());
        Assert.True(LinkObject.TryParse(e.Str("recoverObjectCanonicalJson"), LinkMessageType.LinkRecover, out var parsedRecover, out error), error?.Message);
        Assert.True(parsedRecover.VerifyWalletSignature());

        var mainKey = linkInputs.B64Bytes("mainProfileEd25519PrivateKey64B64");
        var accept = LinkObject.ForAccept(recover, mainKey, keys: (LinkObject.OriginSignature, Base64Std.Encode(c.ProfileSeed), Hex.Encode(c.LspWalletKey), c.CreationNonce));
        Assert.Equal(e.Str("acceptForRecoverObjectCanonicalJson"), accept.ToCanonicalJson());
        Assert.True(LinkObject.TryParse(e.Str("acceptForRecoverObjectCanonicalJson"), LinkMessageType.LinkAccept, out var parsedAccept, out error), error?.Message);
        Assert.True(parsedAccept.VerifyAcceptSignature(linkInputs.B64Bytes("mainProfileEd25519PublicKeyB64")));
    }

    private static void PublishLinkRecordProof(JsonObject v)
    {
        var c = Common.Load();
        var i = v.Obj("inputs");
        var e = v.Obj("expected");
        var lspKey = i.HexBytes("lspWalletPrivateKeyHex");
        var issuedAt = Time(i.Str("issuedAtText"));
        var fields = new PublishLinkProof(c.Domain, c.Uri, c.ChainId, Ethereum.AddressFromPrivateKey(lspKey), c.App, i.Str("serverNonceText"), issuedAt,
            Time(i.Str("expirationTimeText")), c.LspName);
        var text = fields.Format();
        Assert.Equal(e.Str("publishProofMessageText"), text);
        var signature = Ethereum.PersonalSign(lspKey, text);
        Assert.Equal(e.Str("publishProofSignatureHex"), signature);
        Assert.True(PublishLinkProof.TryParse(text, out var parsed, out var error), error?.Message);
        Assert.Equal(c.LspName, parsed.LspName);

        var expectations = LinkedProfileTexts.ProofExpectations(issuedAt.AddSeconds(10), c.Domain, [c.Uri], [c.ChainId], i.Str("serverNonceText"));
        Assert.True(SiweVerifier.Verify(text, signature, expectations, SiweMode.Strict).IsValid);
    }

    /// <summary>ENS namehash, written out here as an independent check of the vector.</summary>
    private static byte[] Namehash(string name)
    {
        var node = new byte[32];
        foreach (var label in name.Split('.').Reverse())
        {
            node = Hashes.Keccak256([.. node, .. Hashes.Keccak256(System.Text.Encoding.UTF8.GetBytes(label))]);
        }

        return node;
    }
}

public sealed class LinkedProfileVectorTestsOnBouncyCastle() : LinkedProfileVectorTests(BouncyCastleCryptoProvider.Instance);

public sealed class LinkedProfileVectorTestsOnLibsodium() : LinkedProfileVectorTests(SodiumCryptoProvider.Instance);
