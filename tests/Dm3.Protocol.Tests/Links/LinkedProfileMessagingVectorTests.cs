using System.Globalization;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Json;
using Dm3.Protocol.Links;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;

namespace Dm3.Protocol.Tests.Links;

/// <summary>
/// The <c>linkedProfiles</c> vector fields that need the profile and message code (Profiles/, Messaging/): the LSP's
/// SignedUserProfile, its hash and record, and the full dm3 Messages carrying LINK and LINK_ACCEPT, built end to end
/// from our derived keys and link objects.
/// </summary>
public abstract class LinkedProfileMessagingVectorTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    private const string Category = "linkedProfiles";

    [SharedDataTheory]
    [InlineData("create-from-signature")]
    [InlineData("create-from-random-entropy")]
    public void The_lsp_signed_user_profile_is_reproduced_from_the_derived_keys(string id)
    {
        var v = SharedData.Vector(Category, id);
        var i = v.Obj("inputs");
        var e = v.Obj("expected");
        var keys = LspKeyDerivation.FromIkm(id == "create-from-random-entropy"
            ? i.HexBytes("entropy32Hex")
            : e.HexBytes("canonicalSignatureIkmHex"));
        var deliveryServices = JsonNode.Parse(i.Str("deliveryServicesJson"))!.AsArray().Select(n => (string)n!).ToList();

        var profileKeys = ProfileKeys.FromSeed(keys.ProfileSeed);
        Assert.Equal(keys.EncryptionPublicKey, profileKeys.EncryptionPublicKey);
        Assert.Equal(keys.SigningPrivateKey, profileKeys.SigningPrivateKey);
        var userProfile = profileKeys.ToUserProfile(deliveryServices);
        if (e.Has("lspProfileCreationMessageText"))
        {
            Assert.Equal(e.Str("lspProfileCreationMessageText"), ProfileCreationMessage.Create(userProfile, keys.Address));
        }

        var signed = SignedUserProfile.Sign(userProfile, keys.WalletPrivateKey);
        Assert.Equal(e.Str("lspSignedUserProfileCanonicalJson"), signed.ToCanonicalJson());
        Assert.Equal(e.Str("lspProfileHashHex"), signed.Dm3Hash);
        Assert.True(signed.VerifySignature(keys.Address));
        if (e.Has("lspTextRecordValueText"))
        {
            Assert.Equal(e.Str("lspTextRecordValueText"), signed.ToTextRecordValue());
        }
    }

    [SharedDataFact]
    public void The_link_and_link_accept_messages_are_reproduced()
    {
        var first = SharedData.Vector(Category, "create-from-signature").Obj("expected");
        var v = SharedData.Vector(Category, "link-and-accept");
        var i = v.Obj("inputs");
        var e = v.Obj("expected");
        var lspName = i.Str("lspNameText");
        var main = i.Str("mainProfileNameText");

        Assert.True(LinkObject.TryParse(e.Str("linkObjectCanonicalJson"), LinkMessageType.Link, out var link, out var error), error?.Message);
        Assert.Equal(first.Str("profileSeedB64"), link.ProfilePrivateKey);

        var linkMessage = Message.CreateSigned(
            new MessageMetadata(main, lspName, long.Parse(i.Str("linkTimestampUnixMsText"), CultureInfo.InvariantCulture), MessageType.Link, Link: link.ToJson()),
            "dm3 service message (LINK). Open it in a dm3 messenger that supports linked profiles.", null, i.B64Bytes("lspEd25519PrivateKey64B64"));
        Assert.Equal(e.Str("linkDm3MessageCanonicalJson"), linkMessage.ToCanonicalJson());
        Assert.Equal(e.Str("linkDm3MessageSignatureB64"), linkMessage.Signature);

        Assert.True(LinkObject.TryParse(e.Str("acceptObjectCanonicalJson"), LinkMessageType.LinkAccept, out var accept, out error), error?.Message);
        var acceptMessage = Message.CreateSigned(
            new MessageMetadata(lspName, main, long.Parse(i.Str("acceptTimestampUnixMsText"), CultureInfo.InvariantCulture), MessageType.LinkAccept, Link: accept.ToJson()),
            "dm3 service message (LINK_ACCEPT).", null, i.B64Bytes("mainProfileEd25519PrivateKey64B64"));
        Assert.Equal(e.Str("acceptDm3MessageCanonicalJson"), acceptMessage.ToCanonicalJson());

        // Reading side: the parsed Message hands its raw link member to our validator.
        Assert.True(Message.TryParse(e.Str("acceptDm3MessageCanonicalJson"), out var received, out error), error?.Message);
        Assert.True(received.VerifySignature(i.B64Bytes("mainProfileEd25519PublicKeyB64")));
        Assert.True(LinkObject.TryParse(received.Metadata.Link, LinkMessageType.LinkAccept, out var receivedLink, out error), error?.Message);
        Assert.True(receivedLink.VerifyAcceptSignature(i.B64Bytes("mainProfileEd25519PublicKeyB64")));
        Assert.Equal(CanonicalJson.Serialize(accept.ToJson()), receivedLink.ToCanonicalJson());
    }
}

public sealed class LinkedProfileMessagingVectorTestsOnBouncyCastle() : LinkedProfileMessagingVectorTests(BouncyCastleCryptoProvider.Instance);

public sealed class LinkedProfileMessagingVectorTestsOnLibsodium() : LinkedProfileMessagingVectorTests(SodiumCryptoProvider.Instance);
