using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Delivery;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Messaging;
using Dm3.Protocol.Tests.Support;

namespace Dm3.Protocol.Tests.Delivery;

public abstract class PostmarkTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    public static IEnumerable<object[]> Ids => SharedData.Ids("postmark");

    [SharedDataTheory]
    [MemberData(nameof(Ids))]
    public void Postmark_vector_is_reproduced(string id)
    {
        var v = SharedData.Vector("postmark", id);
        var message = v.Str("inputs.envelopeMessageFieldText");
        var timestamp = long.Parse(v.Str("inputs.incomingTimestampUnixMsText"), System.Globalization.CultureInfo.InvariantCulture);
        var dsKey = v.B64Bytes("inputs.deliveryServiceEd25519PrivateKey64B64");
        var dsPublic = v.B64Bytes("inputs.deliveryServiceEd25519PublicKeyB64");
        var receiverPrivate = v.B64Bytes("inputs.receiverX25519PrivateKeyB64");
        var receiverPublic = v.B64Bytes("inputs.receiverX25519PublicKeyB64");

        Assert.Equal(v.Str("expected.stringifiedEnvelopeMessageText"), Dm3.Protocol.Json.CanonicalJson.SerializeString(message));
        Assert.Equal(v.Str("expected.postmarkMessageHashHex"), Postmarker.MessageHashOf(message));

        var postmark = Postmarker.CreatePostmark(message, dsKey, timestamp);
        Assert.Equal(v.Str("expected.postmarkSha256HexText"), postmark.SignedText);
        Assert.Equal(v.Str("expected.postmarkSignatureB64"), postmark.Signature);
        Assert.Equal(v.Str("expected.postmarkPlainCanonicalJson"), postmark.ToCanonicalJson());
        Assert.True(postmark.VerifySignature(dsPublic));
        Assert.True(postmark.Matches(message));

        // The whole stored envelope, with the vector's randomness for the postmark encryption.
        var expectedEnvelope = v.Str("expected.envelopeWithPostmarkCanonicalJson");
        var withoutPostmark = (JsonObject)JsonNode.Parse(expectedEnvelope)!;
        withoutPostmark.Remove("postmark");
        Assert.True(EncryptionEnvelope.TryFromJson(withoutPostmark, out var envelope, out var error), error?.Message);
        Assert.Equal(message, envelope.Message);

        var randomness = new FixedRandomness(v.Str("inputs.randomnessConsumedInOrderJson"));
        var stamped = Postmarker.AddPostmark(envelope, dsKey, receiverPublic, timestamp, randomness.Encryptor);
        Assert.Equal(v.Str("expected.postmarkEncryptedCanonicalJson"), stamped.Postmark);
        Assert.Equal(expectedEnvelope, stamped.CanonicalJson);
        Assert.Null(envelope.Postmark); // the input is not modified

        // Receiver side: open and check.
        Assert.True(EncryptionEnvelope.TryParse(expectedEnvelope, out var received, out error), error?.Message);
        Assert.True(Postmarker.TryOpen(received, receiverPrivate, out var opened, out error), error?.Message);
        Assert.Equal(postmark, opened);
        Assert.True(opened.VerifySignature(dsPublic));
        Assert.True(opened.Matches(received.Message));
    }

    [Fact]
    public void Added_postmarks_open_for_the_receiver_and_verify_with_the_service_key()
    {
        var alice = ProfileKeys.Generate();
        var bob = ProfileKeys.Generate();
        var ds = ProfileKeys.Generate();
        var message = Message.CreateSigned(new MessageMetadata("bob.eth", "alice.eth", 1, MessageType.New), "hi", null, alice.SigningPrivateKey);
        var envelope = EnvelopeBuilder.Build(message, bob.EncryptionPublicKey, ds.EncryptionPublicKey, alice.SigningPrivateKey);

        var stamped = Postmarker.AddPostmark(envelope, ds.SigningPrivateKey, bob.EncryptionPublicKey, 1736942401234);
        Assert.True(Postmarker.TryOpen(stamped, bob.EncryptionPrivateKey, out var postmark, out var error), error?.Message);
        Assert.Equal(1736942401234, postmark.IncommingTimestamp);
        Assert.True(postmark.VerifySignature(ds.SigningPublicKey));
        Assert.False(postmark.VerifySignature(alice.SigningPublicKey));
        Assert.False((postmark with { IncommingTimestamp = 1736942401235 }).VerifySignature(ds.SigningPublicKey));
        Assert.False(Postmarker.TryOpen(stamped, alice.EncryptionPrivateKey, out _, out _));
        Assert.False(Postmarker.TryOpen(envelope, bob.EncryptionPrivateKey, out _, out error));
        Assert.Equal("postmark.missing", error.Code);
        Assert.Contains("\"incommingTimestamp\":1736942401234", postmark.ToCanonicalJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Conversation_id_is_the_lower_case_address_and_the_sender_name()
    {
        var address = Convert.FromHexString("BB547651D22162aEF60Da876b3943d5E07F03114");
        Assert.Equal("0xbb547651d22162aef60da876b3943d5e07f03114,bob.eth", ConversationId.Of(address, "Bob.eth"));
        Assert.Throws<ArgumentException>(() => ConversationId.Of(new byte[3], "bob.eth"));
    }

    [Fact]
    public void Postmark_parser_is_closed_and_typed()
    {
        Assert.False(Postmark.TryParse("{\"incommingTimestamp\":1,\"messageHash\":\"0x\",\"signature\":\"s\",\"x\":1}", out _, out var error));
        Assert.Equal("postmark.unknown_member", error.Code);
        Assert.False(Postmark.TryParse("{\"incomingTimestamp\":1,\"messageHash\":\"0x\",\"signature\":\"s\"}", out _, out _));
        Assert.False(Postmark.TryParse("{\"incommingTimestamp\":\"1\",\"messageHash\":\"0x\",\"signature\":\"s\"}", out _, out error));
        Assert.Equal("postmark.bad_type", error.Code);
        Assert.True(Postmark.TryParse("{\"incommingTimestamp\":7,\"messageHash\":\"0x\",\"signature\":\"s\"}", out var ok, out _));
        Assert.Equal(7, ok.IncommingTimestamp);
        _ = Hashes.Sha256HexOfUtf8(string.Empty);
    }
}

public sealed class PostmarkTestsOnBouncyCastle() : PostmarkTests(BouncyCastleCryptoProvider.Instance);

public sealed class PostmarkTestsOnLibsodium() : PostmarkTests(SodiumCryptoProvider.Instance);
