using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;

namespace Dm3.Cli.Interop;

/// <summary>
/// Produces fresh dm3 artefacts from random keys, the way a dm3 client would: the wallet signs the storage-key
/// message (default nonce), the profile keys come from that signature, the wallet signs the profile; alice signs a
/// message to bob and wraps it in an envelope of each hash-field form.
/// </summary>
internal static class InteropProducer
{
    public const string SenderName = "alice.eth";
    public const string ReceiverName = "bob.eth";
    public const string DeliveryServiceName = "ds.dm3.eth";

    // Pieces that exercise the canonical writer and UTF-8 handling: quotes, escapes, control and non-ASCII characters,
    // astral-plane emoji (surrogate pairs), U+2028, HTML-sensitive characters.
    private static readonly string[] TextPieces =
    [
        "hello", " ", "\"quoted\"", "back\\slash", "\n", "\t", "\u0001", "\u007f", "ünïcödé", "日本語", "😀", "👩‍💻",
        "\u2028", "<a href='x'>&amp;</a>", "/", "0x1234", "{\"json\":[1,2]}", "ß", "€", "𝄞",
    ];

    public static InteropArtefacts Produce()
    {
        var walletKey = RandomWalletKey();
        var address = Ethereum.AddressFromPrivateKey(walletKey);
        var storageSignature = Ethereum.PersonalSign(walletKey, StorageKeyDerivation.CreationMessage(StorageKeyDerivation.DefaultNonce, address));
        var sender = ProfileKeys.FromSignature(storageSignature);
        var signedProfile = SignedUserProfile.Sign(sender.ToUserProfile([DeliveryServiceName]), walletKey);

        var (receiverPrivate, receiverPublic) = X25519.GenerateKeyPair();
        var (dsPrivate, dsPublic) = X25519.GenerateKeyPair();

        var text = RandomText();
        var attachments = new[] { new Attachment("data:text/plain;base64," + Base64Std.Encode(RandomNumberGenerator.GetBytes(24)), "note.txt") };
        var metadata = new MessageMetadata(ReceiverName, SenderName, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), MessageType.New);
        var message = Message.CreateSigned(metadata, text, attachments, sender.SigningPrivateKey);

        var sourceTree = EnvelopeBuilder.Build(message, receiverPublic, dsPublic, sender.SigningPrivateKey, MessageHashField.MessageHash);
        var npm = EnvelopeBuilder.Build(message, receiverPublic, dsPublic, sender.SigningPrivateKey, MessageHashField.EncryptedMessageHash);

        var document = new JsonObject
        {
            ["kind"] = "dm3-interop/csharp",
            ["wallet"] = new JsonObject
            {
                ["privateKey"] = Hex.Encode(walletKey),
                ["address"] = Ethereum.ToChecksumAddress(address),
            },
            ["sender"] = new JsonObject
            {
                ["ensName"] = SenderName,
                ["storageKey"] = sender.StorageKey,
                ["signedUserProfile"] = signedProfile.ToJsonObject(),
                ["dm3Hash"] = signedProfile.Dm3Hash,
                ["profileRecord"] = signedProfile.ToTextRecordValue(),
            },
            ["receiver"] = new JsonObject
            {
                ["ensName"] = ReceiverName,
                ["encryptionPrivateKey"] = Base64Std.Encode(receiverPrivate),
                ["encryptionPublicKey"] = Base64Std.Encode(receiverPublic),
            },
            ["deliveryService"] = new JsonObject
            {
                ["ensName"] = DeliveryServiceName,
                ["encryptionPrivateKey"] = Base64Std.Encode(dsPrivate),
                ["encryptionPublicKey"] = Base64Std.Encode(dsPublic),
            },
            ["message"] = message.Json.DeepClone(),
            ["messageHash"] = message.Hash,
            ["envelopes"] = new JsonObject
            {
                ["messageHash"] = sourceTree.Json.DeepClone(),
                ["encryptedMessageHash"] = npm.Json.DeepClone(),
            },
        };
        return new InteropArtefacts(document);
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

    // Random length across the 2048-byte padding boundary, built from whole pieces (never a lone surrogate).
    private static string RandomText()
    {
        var target = RandomNumberGenerator.GetInt32(0, 4200);
        var builder = new StringBuilder();
        var bytes = 0;
        while (bytes < target)
        {
            var piece = TextPieces[RandomNumberGenerator.GetInt32(TextPieces.Length)];
            builder.Append(piece);
            bytes += Encoding.UTF8.GetByteCount(piece);
        }

        return builder.ToString();
    }
}

/// <summary>The produced document (canonical JSON when printed).</summary>
internal sealed record InteropArtefacts(JsonObject Document)
{
    public string ToJson() => CanonicalJson.Serialize(Document);
}
