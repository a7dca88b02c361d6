using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Delivery;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;

namespace Dm3.Protocol.Tests.Messaging;

public abstract class EnvelopeVectorTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    public static IEnumerable<object[]> Ids => SharedData.Ids("envelope");

    [SharedDataTheory]
    [MemberData(nameof(Ids))]
    public void Envelope_vector_is_reproduced(string id)
    {
        var v = SharedData.Vector("envelope", id);
        if (id == "library-random-envelope")
        {
            LibraryRandom(v);
            return;
        }

        var senderKey = v.B64Bytes("inputs.senderEd25519PrivateKey64B64");
        var senderPublic = v.B64Bytes("inputs.senderEd25519PublicKeyB64");
        var receiverPrivate = v.B64Bytes("inputs.receiverX25519PrivateKeyB64");
        var receiverPublic = v.B64Bytes("inputs.receiverX25519PublicKeyB64");
        var dsPrivate = v.B64Bytes("inputs.deliveryServiceX25519PrivateKeyB64");
        var dsPublic = v.B64Bytes("inputs.deliveryServiceX25519PublicKeyB64");

        // The Message: rebuilt from its fields and signed again, byte for byte.
        Assert.True(Message.TryParse(v.Str("expected.messageCanonicalJson"), out var reference, out var error), error?.Message);
        Assert.Equal(v.Str("inputs.messageText"), reference.Text);
        Assert.Equal(v.Str("inputs.senderEnsNameText"), reference.Metadata.From);
        Assert.Equal(v.Str("inputs.receiverEnsNameText"), reference.Metadata.To);
        Assert.Equal(long.Parse(v.Str("inputs.timestampUnixMsText"), System.Globalization.CultureInfo.InvariantCulture), reference.Metadata.Timestamp);
        var message = Message.CreateSigned(reference.Metadata, reference.Text, reference.Attachments, senderKey);
        Assert.Equal(v.Str("expected.messageSignedTextCanonicalJson"), message.SignedText);
        Assert.Equal(v.Str("expected.messageSignatureB64"), message.Signature);
        Assert.Equal(v.Str("expected.messageCanonicalJson"), message.ToCanonicalJson());
        Assert.Equal(v.Str("expected.messageSha256Hex"), message.Hash);
        Assert.Equal("true", v.Str("expected.messageSignatureVerifiesText"));
        Assert.True(message.VerifySignature(senderPublic));
        Assert.True(reference.VerifySignature(senderPublic));

        // npm 1.7.1 form.
        var randomness = new FixedRandomness(v.Str("inputs.randomnessConsumedInOrderJson"));
        var npm = EnvelopeBuilder.Build(message, receiverPublic, dsPublic, senderKey, MessageHashField.EncryptedMessageHash, null, randomness.Encryptor);
        Assert.Equal(0, randomness.Remaining);
        Assert.Equal(v.Str("expected.encryptedMessageCanonicalJson"), npm.Message);
        Assert.Equal(v.Str("expected.deliveryInformationEncryptedCanonicalJson"), npm.Metadata.EncryptedDeliveryInformation);
        Assert.Equal(v.Str("expected.npmEnvelope_metadataSignedTextCanonicalJson"), npm.Metadata.SignedText);
        Assert.Equal(v.Str("expected.npmEnvelope_encryptedMessageHashHex"), npm.MessageHash);
        Assert.Equal(v.Str("expected.npmEnvelope_metadataSignatureB64"), npm.Metadata.Signature);
        Assert.Equal(v.Str("expected.npmEnvelopeCanonicalJson"), npm.CanonicalJson);
        Assert.Equal(int.Parse(v.Str("expected.npmEnvelopeSizeBytesText"), System.Globalization.CultureInfo.InvariantCulture), npm.Size);
        Assert.True(npm.Metadata.VerifySignature(senderPublic));
        Assert.True(npm.EncryptedMessageHashMatches);

        // Source-tree form (our clients' form).
        randomness = new FixedRandomness(v.Str("inputs.randomnessConsumedInOrderJson"));
        var tree = EnvelopeBuilder.Build(message, receiverPublic, dsPublic, senderKey, MessageHashField.MessageHash, null, randomness.Encryptor);
        Assert.Equal(MessageHashField.MessageHash, tree.MessageHashField);
        Assert.Equal(v.Str("expected.sourceTreeEnvelope_messageHashHex"), tree.MessageHash);
        Assert.Equal(v.Str("expected.sourceTreeEnvelope_metadataSignedTextCanonicalJson"), tree.Metadata.SignedText);
        Assert.Equal(v.Str("expected.sourceTreeEnvelope_metadataSignatureB64"), tree.Metadata.Signature);
        Assert.Equal(v.Str("expected.sourceTreeEnvelopeCanonicalJson"), tree.CanonicalJson);
        Assert.True(tree.Metadata.VerifySignature(senderPublic));
        Assert.Null(tree.EncryptedMessageHashMatches);

        // Delivery-service side: the JSON-RPC body (insertion order, not canonical) parses to the same envelope.
        var body = JsonNode.Parse(v.Str("expected.npmJsonRpcSubmitBodyJson"))!;
        Assert.Equal("dm3_submitMessage", (string)body["method"]!);
        Assert.True(EncryptionEnvelope.TryParse((string)body["params"]![0]!, out var submitted, out error), error?.Message);
        Assert.Equal(v.Str("expected.npmEnvelopeCanonicalJson"), submitted.CanonicalJson);
        Assert.Equal(MessageHashField.EncryptedMessageHash, submitted.MessageHashField);
        Assert.True(submitted.Metadata.VerifySignature(senderPublic));

        var decryptor = new DeliveryInformationDecryptor(dsPrivate);
        Assert.Equal(dsPublic, decryptor.PublicKey.ToArray());
        Assert.True(decryptor.TryDecrypt(submitted, out var information, out error), error?.Message);
        Assert.Equal(v.Str("expected.decryptedDeliveryInformationJson"), information.ToCanonicalJson());
        Assert.Equal(v.Str("expected.deliveryInformationPlainCanonicalJson"), information.ToCanonicalJson());

        // Receiver side.
        Assert.True(submitted.TryDecryptMessage(receiverPrivate, out var received, out error), error?.Message);
        Assert.Equal(v.Str("expected.decryptedMessageText"), received.ToCanonicalJson());
        Assert.True(received.VerifySignature(senderPublic));

        // Conversation id: receiver address (resolved) + sender name.
        var receiverAddress = Convert.FromHexString(v.Str("expected.conversationIdText").Split(',')[0][2..]);
        Assert.Equal(v.Str("expected.conversationIdText"), ConversationId.Of(receiverAddress, information.From));
    }

    private static void LibraryRandom(JsonObject v)
    {
        Assert.True(EncryptionEnvelope.TryParse(v.Str("inputs.npmEnvelopeCanonicalJson"), out var envelope, out var error), error?.Message);
        Assert.Equal(v.Str("inputs.npmEnvelopeCanonicalJson"), envelope.CanonicalJson);
        var senderPublic = v.B64Bytes("inputs.senderEd25519PublicKeyB64");
        Assert.True(envelope.Metadata.VerifySignature(senderPublic));
        Assert.True(envelope.EncryptedMessageHashMatches);
        Assert.True(envelope.TryDecryptMessage(v.B64Bytes("inputs.receiverX25519PrivateKeyB64"), out var message, out error), error?.Message);
        Assert.Equal(v.Str("expected.messageCanonicalJson"), message.ToCanonicalJson());
        Assert.True(message.VerifySignature(senderPublic));
        Assert.True(envelope.TryDecryptDeliveryInformation(v.B64Bytes("inputs.deliveryServiceX25519PrivateKeyB64"), out var information, out error), error?.Message);
        Assert.Equal(v.Str("expected.deliveryInformationPlainCanonicalJson"), information.ToCanonicalJson());
    }
}

public sealed class EnvelopeVectorTestsOnBouncyCastle() : EnvelopeVectorTests(BouncyCastleCryptoProvider.Instance);

public sealed class EnvelopeVectorTestsOnLibsodium() : EnvelopeVectorTests(SodiumCryptoProvider.Instance);
