using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Delivery;
using Dm3.Protocol.Json;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Messaging;

public abstract class EnvelopeTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    private static readonly ProfileKeys Alice = ProfileKeys.Generate();
    private static readonly ProfileKeys Bob = ProfileKeys.Generate();
    private static readonly ProfileKeys Ds = ProfileKeys.Generate();

    private static Message NewMessage(string text = "hello", MessageType type = MessageType.New) =>
        Message.CreateSigned(new MessageMetadata("bob.eth", "alice.eth", 1736942400000, type), text, null, Alice.SigningPrivateKey);

    private static EncryptionEnvelope NewEnvelope(MessageHashField field = MessageHashField.MessageHash) =>
        EnvelopeBuilder.Build(NewMessage(), Bob.EncryptionPublicKey, Ds.EncryptionPublicKey, Alice.SigningPrivateKey, field);

    [Fact]
    public void Envelope_build_verify_decrypt_round_trip_holds_for_random_messages()
    {
        var types = Enum.GetValues<MessageType>();
        var gen = Gen.Zip(ArbMap.Default.GeneratorFor<string>(), Gen.Zip(Gen.Elements(types), Gen.Elements(new[] { MessageHashField.MessageHash, MessageHashField.EncryptedMessageHash }), (type, field) => (type, field)), (text, rest) => (Item1: text, Item2: rest.type, Item3: rest.field));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(30), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var text = Sanitize(t.Item1);
            var message = Message.CreateSigned(new MessageMetadata("bob.eth", "alice.eth", 1736942400123, t.Item2, ReferenceMessageHash: "0x" + new string('1', 64)), text, [new Attachment("data:text/plain;base64,aGk=", "a.txt")], Alice.SigningPrivateKey);
            var envelope = EnvelopeBuilder.Build(message, Bob.EncryptionPublicKey, Ds.EncryptionPublicKey, Alice.SigningPrivateKey, t.Item3);
            Assert.True(EncryptionEnvelope.TryParse(envelope.CanonicalJson, out var parsed, out var error), error?.Message);
            Assert.True(parsed.Metadata.VerifySignature(Alice.SigningPublicKey));
            Assert.False(parsed.Metadata.VerifySignature(Bob.SigningPublicKey));
            Assert.True(new DeliveryInformationDecryptor(Ds.EncryptionPrivateKey).TryDecrypt(parsed, out var info, out error), error?.Message);
            Assert.Equal(new DeliveryInformation("bob.eth", "alice.eth"), info);
            Assert.True(parsed.TryDecryptMessage(Bob.EncryptionPrivateKey, out var received, out error), error?.Message);
            Assert.False(parsed.TryDecryptMessage(Alice.EncryptionPrivateKey, out _, out _));
            Assert.True(received.VerifySignature(Alice.SigningPublicKey));
            Assert.Equal(text, received.Text);
            Assert.Equal(t.Item2, received.Metadata.Type);
            Assert.Equal(message.ToCanonicalJson(), received.ToCanonicalJson());
            return t.Item3 == MessageHashField.MessageHash ? parsed.MessageHash == received.Hash : parsed.EncryptedMessageHashMatches == true;
        }));
    }

    private static string Sanitize(string? s) =>
        s is null ? string.Empty : new string(s.Where(c => !char.IsSurrogate(c)).ToArray());

    [Fact]
    public void Tolerant_reader_accepts_either_hash_member_but_not_both_or_neither()
    {
        var json = (JsonObject)JsonNode.Parse(NewEnvelope().CanonicalJson)!;
        var metadata = json["metadata"]!.AsObject();

        metadata["encryptedMessageHash"] = metadata["messageHash"]!.DeepClone();
        Assert.False(EncryptionEnvelope.TryParse(json.ToJsonString(), out _, out var error));
        Assert.Equal("envelope.metadata.hash_member", error.Code);

        metadata.Remove("messageHash");
        Assert.True(EncryptionEnvelope.TryParse(json.ToJsonString(), out var npmForm, out error), error?.Message);
        Assert.Equal(MessageHashField.EncryptedMessageHash, npmForm.MessageHashField);

        metadata.Remove("encryptedMessageHash");
        Assert.False(EncryptionEnvelope.TryParse(json.ToJsonString(), out _, out error));
        Assert.Equal("envelope.metadata.hash_member", error.Code);
    }

    [Theory]
    [InlineData("metadata", "extra", "envelope.metadata.unknown_member")]
    [InlineData("", "extra", "envelope.unknown_member")]
    [InlineData("metadata", "-signature", "envelope.metadata.missing_member")]
    [InlineData("metadata", "-version", "envelope.metadata.missing_member")]
    [InlineData("", "-message", "envelope.missing_member")]
    [InlineData("metadata", "encryptionScheme=other", "envelope.metadata.bad_scheme")]
    [InlineData("metadata", "messageHash=0x1234", "envelope.metadata.bad_hash")]
    [InlineData("", "postmark=5", "envelope.bad_type")]
    [InlineData("metadata", "deliveryInformation=5", "envelope.metadata.bad_type")]
    public void Envelope_reader_rejects_schema_violations(string where, string change, string code)
    {
        var json = (JsonObject)JsonNode.Parse(NewEnvelope().CanonicalJson)!;
        var target = where == "metadata" ? json["metadata"]!.AsObject() : json;
        if (change.StartsWith('-'))
        {
            target.Remove(change[1..]);
        }
        else if (change.Contains('='))
        {
            var (name, value) = (change.Split('=')[0], change.Split('=')[1]);
            target[name] = int.TryParse(value, out var number) ? JsonValue.Create(number) : JsonValue.Create(value);
        }
        else
        {
            target[change] = "x";
        }

        Assert.False(EncryptionEnvelope.TryParse(json.ToJsonString(), out _, out var error));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Envelope_reader_rejects_duplicate_keys_and_non_json()
    {
        var canonical = NewEnvelope().CanonicalJson;
        var duplicated = "{\"message\":\"x\"," + canonical[1..];
        Assert.False(EncryptionEnvelope.TryParse(duplicated, out _, out _));
        Assert.False(EncryptionEnvelope.TryParse("not json", out _, out _));
        Assert.False(EncryptionEnvelope.TryParse(null, out _, out _));
    }

    [Fact]
    public void Stored_form_replaces_only_delivery_information_and_keeps_signed_members()
    {
        var envelope = NewEnvelope(MessageHashField.EncryptedMessageHash);
        Assert.True(new DeliveryInformationDecryptor(Ds.EncryptionPrivateKey).TryDecrypt(envelope, out var info, out _));
        var stored = envelope.WithDeliveryInformation(info);
        Assert.Equal(info, stored.Metadata.DeliveryInformation);
        Assert.Null(stored.Metadata.EncryptedDeliveryInformation);
        Assert.Equal(envelope.MessageHash, stored.MessageHash);
        Assert.Equal(envelope.Metadata.Signature, stored.Metadata.Signature);
        Assert.Equal(envelope.Message, stored.Message);
        Assert.True(stored.Metadata.Json.ContainsKey("encryptedMessageHash"));
        Assert.NotNull(envelope.Metadata.EncryptedDeliveryInformation); // the original is unchanged

        Assert.True(EncryptionEnvelope.TryParse(stored.CanonicalJson, out var reread, out var error), error?.Message);
        Assert.Equal(stored.CanonicalJson, reread.CanonicalJson);
        Assert.Equal("alice.eth", reread.Metadata.DeliveryInformation!.From);
    }

    [Fact]
    public void Size_is_the_utf8_length_of_the_canonical_envelope()
    {
        var envelope = NewEnvelope();
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(CanonicalJson.Serialize(JsonNode.Parse(envelope.CanonicalJson))), envelope.Size);
    }

    [Fact]
    public void Message_signature_fails_after_any_change()
    {
        var message = NewMessage();
        var json = (JsonObject)message.Json.DeepClone();
        json["message"] = "hellO";
        Assert.True(Message.TryFromJson(json, out var changed, out _));
        Assert.True(message.VerifySignature(Alice.SigningPublicKey));
        Assert.False(changed.VerifySignature(Alice.SigningPublicKey));
        Assert.False(message.VerifySignature(Bob.SigningPublicKey));
        Assert.False(message.VerifySignature(new byte[5]));
    }

    [Fact]
    public void Message_keeps_a_link_object_and_accepts_link_types()
    {
        var link = new JsonObject { ["version"] = 1, ["profileName"] = "x.addr.app.eth" };
        var message = Message.CreateSigned(new MessageMetadata("m.eth", "x.addr.app.eth", 5, MessageType.Link, Link: link), "dm3 service message (LINK)", null, Alice.SigningPrivateKey);
        Assert.Contains("\"link\":{\"profileName\":\"x.addr.app.eth\",\"version\":1}", message.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.Contains("\"type\":\"LINK\"", message.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.True(Message.TryParse(message.ToCanonicalJson(), out var parsed, out var error), error?.Message);
        Assert.Equal(MessageType.Link, parsed.Metadata.Type);
        Assert.Equal("x.addr.app.eth", (string)parsed.Metadata.Link!["profileName"]!);
        Assert.True(parsed.VerifySignature(Alice.SigningPublicKey));
    }

    [Theory]
    [InlineData("{\"metadata\":{\"to\":\"b\",\"from\":\"a\",\"timestamp\":1,\"type\":\"NEW\"},\"signature\":\"s\",\"x\":1}", "message.unknown_member")]
    [InlineData("{\"metadata\":{\"to\":\"b\",\"from\":\"a\",\"timestamp\":1,\"type\":\"NEW\",\"x\":1},\"signature\":\"s\"}", "message.metadata.unknown_member")]
    [InlineData("{\"metadata\":{\"to\":\"b\",\"from\":\"a\",\"timestamp\":1,\"type\":\"SHOUT\"},\"signature\":\"s\"}", "message.metadata.bad_type")]
    [InlineData("{\"metadata\":{\"to\":\"b\",\"from\":\"a\",\"timestamp\":\"1\",\"type\":\"NEW\"},\"signature\":\"s\"}", "message.metadata.bad_type")]
    [InlineData("{\"metadata\":{\"to\":\"b\",\"from\":\"a\",\"timestamp\":1.5,\"type\":\"NEW\"},\"signature\":\"s\"}", "message.metadata.bad_timestamp")]
    [InlineData("{\"metadata\":{\"to\":\"b\",\"from\":\"a\",\"timestamp\":1,\"type\":\"LINK\",\"link\":\"x\"},\"signature\":\"s\"}", "message.metadata.bad_type")]
    [InlineData("{\"metadata\":{\"to\":\"b\",\"from\":\"a\",\"timestamp\":1,\"type\":\"NEW\"}}", "message.missing_member")]
    [InlineData("{\"metadata\":{\"to\":\"b\",\"from\":\"a\",\"timestamp\":1,\"type\":\"NEW\"},\"signature\":\"s\",\"attachments\":[{\"name\":\"n\"}]}", "message.attachments.missing_member")]
    [InlineData("{\"metadata\":{\"to\":\"b\",\"from\":\"a\",\"timestamp\":1,\"type\":\"NEW\"},\"signature\":\"s\",\"attachments\":{}}", "message.attachments.bad_type")]
    public void Message_reader_rejects_schema_violations(string json, string code)
    {
        Assert.False(Message.TryParse(json, out _, out var error));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Message_types_round_trip_through_their_wire_names()
    {
        foreach (var type in Enum.GetValues<MessageType>())
        {
            Assert.True(MessageTypes.TryParse(type.ToWire(), out var back));
            Assert.Equal(type, back);
        }

        Assert.Equal("READ_RECEIVED", MessageType.ReadReceived.ToWire());
        Assert.Equal("LINK_ACCEPT", MessageType.LinkAccept.ToWire());
        Assert.False(MessageTypes.TryParse("new", out _));
    }

    [Fact]
    public void Delivery_information_decryption_fails_with_the_wrong_key()
    {
        var envelope = NewEnvelope();
        Assert.False(new DeliveryInformationDecryptor(Bob.EncryptionPrivateKey).TryDecrypt(envelope, out _, out var error));
        Assert.Equal("encryption.authentication_failed", error.Code);
        Assert.False(new DeliveryInformationDecryptor(Ds.EncryptionPrivateKey).TryDecrypt("{}", out _, out error));
        Assert.Equal("encryptedPayload.missing_member", error.Code);
    }

    [Fact]
    public void Delivery_information_with_an_instruction_is_carried_and_closed()
    {
        var envelope = EnvelopeBuilder.Build(NewMessage(), Bob.EncryptionPublicKey, Ds.EncryptionPublicKey, Alice.SigningPrivateKey, MessageHashField.MessageHash, "hint");
        Assert.True(new DeliveryInformationDecryptor(Ds.EncryptionPrivateKey).TryDecrypt(envelope, out var info, out _));
        Assert.Equal("hint", info.DeliveryInstruction);
        Assert.False(DeliveryInformation.TryParse("{\"to\":\"a\",\"from\":\"b\",\"cc\":\"c\"}", out _, out var error));
        Assert.Equal("deliveryInformation.unknown_member", error.Code);
    }
}

public sealed class EnvelopeTestsOnBouncyCastle() : EnvelopeTests(BouncyCastleCryptoProvider.Instance);

public sealed class EnvelopeTestsOnLibsodium() : EnvelopeTests(SodiumCryptoProvider.Instance);
