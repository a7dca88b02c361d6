using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Json;

namespace Dm3.Protocol.Messaging;

/// <summary>Message types (W§7) plus the Linked Profiles types.</summary>
public enum MessageType
{
    New,
    DeleteRequest,
    Edit,
    Reply,
    Reaction,
    ReadOpened,
    ReadReceived,
    ResendRequest,
    Link,
    LinkRecover,
    LinkAccept,
}

public static class MessageTypes
{
    private static readonly string[] Wire =
    [
        "NEW", "DELETE_REQUEST", "EDIT", "REPLY", "REACTION", "READ_OPENED", "READ_RECEIVED", "RESEND_REQUEST",
        "LINK", "LINK_RECOVER", "LINK_ACCEPT",
    ];

    public static string ToWire(this MessageType type) => Wire[(int)type];

    public static bool TryParse(string? text, out MessageType type)
    {
        var i = text is null ? -1 : Array.IndexOf(Wire, text);
        type = i < 0 ? default : (MessageType)i;
        return i >= 0;
    }
}

/// <summary>An attachment <c>{name?, data}</c>; <c>data</c> is a data URI.</summary>
public sealed record Attachment(string Data, string? Name = null);

/// <summary>
/// Message metadata (W§7). <see cref="Link"/> is the Linked Profiles <c>metadata.link</c> object, kept as raw JSON
/// (its validation belongs to the links code). <see cref="Timestamp"/> is Unix milliseconds.
/// </summary>
public sealed record MessageMetadata(
    string To,
    string From,
    long Timestamp,
    MessageType Type,
    string? ReferenceMessageHash = null,
    string? ReplyDeliveryInstruction = null,
    JsonObject? Link = null)
{
    /// <summary>Never prints <see cref="Link"/>: LINK and LINK_ACCEPT carry private keys there (wire formats §14.6).</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("To = ").Append(To)
            .Append(", From = ").Append(From)
            .Append(", Timestamp = ").Append(Timestamp)
            .Append(", Type = ").Append(Type)
            .Append(", ReferenceMessageHash = ").Append(ReferenceMessageHash)
            .Append(", ReplyDeliveryInstruction = ").Append(ReplyDeliveryInstruction)
            .Append(", Link = ").Append(Link is null ? "" : "<redacted>");
        return true;
    }
}

/// <summary>
/// The end-to-end dm3 <c>Message</c> (W§7). Parsed messages keep their JSON tree (<see cref="Json"/>) so that the
/// signature is checked over exactly what was received. Closed schema.
/// </summary>
public sealed class Message
{
    private const string What = "message";
    private static readonly string[] Required = ["metadata", "signature"];
    private static readonly string[] Optional = ["message", "attachments"];
    private static readonly string[] MetaRequired = ["to", "from", "timestamp", "type"];
    private static readonly string[] MetaOptional = ["referenceMessageHash", "replyDeliveryInstruction", "link"];
    private static readonly string[] AttachmentRequired = ["data"];
    private static readonly string[] AttachmentOptional = ["name"];

    private Message(JsonObject json, string? text, MessageMetadata metadata, IReadOnlyList<Attachment>? attachments, string signature)
    {
        Json = json;
        Text = text;
        Metadata = metadata;
        Attachments = attachments;
        Signature = signature;
    }

    /// <summary>The JSON tree of the whole message (including the signature). Do not mutate.</summary>
    public JsonObject Json { get; }

    /// <summary>The <c>message</c> member (the text), if any.</summary>
    public string? Text { get; }

    public MessageMetadata Metadata { get; }

    public IReadOnlyList<Attachment>? Attachments { get; }

    /// <summary>Ed25519 signature (base64) over <see cref="SignedText"/>.</summary>
    public string Signature { get; }

    /// <summary>Canonical JSON of the whole message; this is the plaintext that gets encrypted.</summary>
    public string ToCanonicalJson() => CanonicalJson.Serialize(Json);

    /// <summary>Canonical JSON of the message without its <c>signature</c>: the signed text.</summary>
    public string SignedText => SignedTextOf(Json);

    /// <summary>sha256(UTF-8(canonical(message))) as 0x-hex: the source-tree <c>messageHash</c>.</summary>
    public string Hash => Hashes.Sha256HexOfUtf8(ToCanonicalJson());

    /// <summary>Builds and signs a message with the sender's Ed25519 key (64 bytes, libsodium layout).</summary>
    public static Message CreateSigned(MessageMetadata metadata, string? text, IReadOnlyList<Attachment>? attachments, ReadOnlySpan<byte> senderSigningKey64)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var json = new JsonObject();
        if (attachments is not null)
        {
            var array = new JsonArray();
            foreach (var a in attachments)
            {
                var item = new JsonObject { ["data"] = a.Data };
                if (a.Name is not null)
                {
                    item["name"] = a.Name;
                }

                array.Add(item);
            }

            json["attachments"] = array;
        }

        if (text is not null)
        {
            json["message"] = text;
        }

        var meta = new JsonObject
        {
            ["from"] = metadata.From,
            ["timestamp"] = (double)metadata.Timestamp, // numbers are doubles in the canonical writer
            ["to"] = metadata.To,
            ["type"] = metadata.Type.ToWire(),
        };
        if (metadata.ReferenceMessageHash is not null)
        {
            meta["referenceMessageHash"] = metadata.ReferenceMessageHash;
        }

        if (metadata.ReplyDeliveryInstruction is not null)
        {
            meta["replyDeliveryInstruction"] = metadata.ReplyDeliveryInstruction;
        }

        if (metadata.Link is not null)
        {
            meta["link"] = metadata.Link.DeepClone();
        }

        json["metadata"] = meta;
        var signature = Ed25519.SignText(senderSigningKey64, CanonicalJson.Serialize(json));
        json["signature"] = signature;
        return new Message(json, text, metadata, attachments?.ToArray(), signature);
    }

    /// <summary>True when <see cref="Signature"/> is a valid Ed25519 signature by <paramref name="senderPublicKey32"/>. Never throws.</summary>
    public bool VerifySignature(ReadOnlySpan<byte> senderPublicKey32) =>
        senderPublicKey32.Length == 32 && Ed25519.VerifyText(senderPublicKey32, SignedText, Signature);

    public static bool TryParse(string? json, [NotNullWhen(true)] out Message? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        return JsonShape.TryParseObject(json, What, out var obj, out error) && TryFromJson(obj, out message, out error);
    }

    public static Message Parse(string json) =>
        TryParse(json, out var m, out var e) ? m : throw new ProtocolFormatException(e);

    /// <summary>Validates a parsed tree (closed schema). The message keeps a reference to <paramref name="node"/>.</summary>
    public static bool TryFromJson(JsonNode? node, [NotNullWhen(true)] out Message? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        if (!JsonShape.TryObject(node, What, out var obj, out error)
            || !JsonShape.CheckMembers(obj, What, Required, Optional, out error)
            || !JsonShape.TryOptionalString(obj, What, "message", out var text, out error)
            || !JsonShape.TryString(obj, What, "signature", out var signature, out error)
            || !TryMetadata(obj["metadata"], out var metadata, out error)
            || !TryAttachments(obj, out var attachments, out error))
        {
            return false;
        }

        message = new Message(obj, text, metadata, attachments, signature);
        return true;
    }

    internal static string SignedTextOf(JsonObject obj)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (key != "signature")
            {
                copy[key] = value?.DeepClone();
            }
        }

        return CanonicalJson.Serialize(copy);
    }

    private static bool TryMetadata(JsonNode? node, [NotNullWhen(true)] out MessageMetadata? metadata, [NotNullWhen(false)] out ProtocolError? error)
    {
        const string what = "message.metadata";
        metadata = null;
        if (!JsonShape.TryObject(node, what, out var obj, out error)
            || !JsonShape.CheckMembers(obj, what, MetaRequired, MetaOptional, out error)
            || !JsonShape.TryString(obj, what, "to", out var to, out error)
            || !JsonShape.TryString(obj, what, "from", out var from, out error)
            || !JsonShape.TryNumber(obj, what, "timestamp", out var timestamp, out error)
            || !JsonShape.TryString(obj, what, "type", out var typeText, out error)
            || !JsonShape.TryOptionalString(obj, what, "referenceMessageHash", out var reference, out error)
            || !JsonShape.TryOptionalString(obj, what, "replyDeliveryInstruction", out var reply, out error))
        {
            return false;
        }

        if (!MessageTypes.TryParse(typeText, out var type))
        {
            error = new ProtocolError($"{what}.bad_type", "message.metadata.type is not a known message type.");
            return false;
        }

        if (timestamp != Math.Floor(timestamp) || timestamp < 0 || timestamp > 9007199254740991d)
        {
            error = new ProtocolError($"{what}.bad_timestamp", "message.metadata.timestamp must be a non-negative integer (Unix ms).");
            return false;
        }

        JsonObject? link = null;
        if (obj.TryGetPropertyValue("link", out var linkNode))
        {
            if (linkNode is not JsonObject linkObject)
            {
                error = new ProtocolError($"{what}.bad_type", "message.metadata.link must be an object.");
                return false;
            }

            link = linkObject;
        }

        metadata = new MessageMetadata(to, from, (long)timestamp, type, reference, reply, link);
        return true;
    }

    private static bool TryAttachments(JsonObject obj, out IReadOnlyList<Attachment>? attachments, [NotNullWhen(false)] out ProtocolError? error)
    {
        const string what = "message.attachments";
        attachments = null;
        error = null;
        if (!obj.TryGetPropertyValue("attachments", out var node))
        {
            return true;
        }

        if (node is not JsonArray array)
        {
            error = new ProtocolError($"{what}.bad_type", "message.attachments must be an array.");
            return false;
        }

        var list = new List<Attachment>(array.Count);
        foreach (var item in array)
        {
            if (!JsonShape.TryObject(item, what, out var a, out error)
                || !JsonShape.CheckMembers(a, what, AttachmentRequired, AttachmentOptional, out error)
                || !JsonShape.TryString(a, what, "data", out var data, out error)
                || !JsonShape.TryOptionalString(a, what, "name", out var name, out error))
            {
                return false;
            }

            list.Add(new Attachment(data, name));
        }

        attachments = list;
        return true;
    }
}
