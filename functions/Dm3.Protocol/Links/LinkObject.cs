using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;

namespace Dm3.Protocol.Links;

/// <summary>
/// The <c>metadata.link</c> object of linked-profiles §8.1. Which members are required or absent depends on the
/// message type (and, for LINK_ACCEPT, on whether it answers a LINK or a LINK_RECOVER, read from the echoed
/// Link Message). The canonical JSON is at most 8192 bytes.
/// </summary>
public sealed record LinkObject(
    string ProfileName,
    string ProfileHash,
    string LinkMessage,
    string Signature,
    string? Origin = null,
    string? ProfilePrivateKey = null,
    string? WalletPrivateKey = null,
    string? Nonce = null,
    LinkAttestation? Attestation = null)
{
    public const int VersionValue = 1;
    public const int MaxCanonicalBytes = 8192;
    public const string OriginSignature = "signature";
    public const string OriginRandom = "random";

    private static readonly string[] Members =
        ["version", "profileName", "profileHash", "linkMessage", "signature", "origin", "profilePrivateKey", "walletPrivateKey", "nonce", "attestation"];

    /// <summary>Never prints the private keys (wire formats §14.6): the generated record ToString would.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("ProfileName = ").Append(ProfileName)
            .Append(", ProfileHash = ").Append(ProfileHash)
            .Append(", Origin = ").Append(Origin)
            .Append(", HasKeys = ").Append(ProfilePrivateKey is not null || WalletPrivateKey is not null)
            .Append(", HasAttestation = ").Append(Attestation is not null);
        return true;
    }

    /// <summary>LINK (LSP → main): the owner-signed Link Message plus the LSP's keys.</summary>
    public static LinkObject ForLink(string linkMessageText, string walletSignatureHex, string origin, ReadOnlySpan<byte> profileSeed32,
        ReadOnlySpan<byte> walletPrivateKey32, string? creationNonce)
    {
        var parsed = Links.LinkMessage.TryParse(linkMessageText, out var m, out var e) ? m : throw new ProtocolFormatException(e);
        return new LinkObject(parsed.ProfileName, parsed.ProfileHash, linkMessageText, walletSignatureHex, origin,
            Base64Std.Encode(profileSeed32), Hex.Encode(walletPrivateKey32), creationNonce);
    }

    /// <summary>LINK_RECOVER (temporary profile → main): the owner-signed Link Message only.</summary>
    public static LinkObject ForRecover(string linkMessageText, string walletSignatureHex)
    {
        var parsed = Links.LinkMessage.TryParse(linkMessageText, out var m, out var e) ? m : throw new ProtocolFormatException(e);
        return new LinkObject(parsed.ProfileName, parsed.ProfileHash, linkMessageText, walletSignatureHex);
    }

    /// <summary>
    /// LINK_ACCEPT (main → requester): echoes the request and signs <c>sha256hex(linkMessage)</c> with the main
    /// profile's Ed25519 key. Pass <paramref name="keys"/> when answering a LINK_RECOVER.
    /// </summary>
    public static LinkObject ForAccept(LinkObject request, ReadOnlySpan<byte> mainProfilePrivateKey64, LinkAttestation? attestation = null,
        (string Origin, string ProfilePrivateKey, string WalletPrivateKey, string? Nonce)? keys = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var signature = Ed25519.SignText(mainProfilePrivateKey64, Hashes.Sha256HexOfUtf8(request.LinkMessage));
        return new LinkObject(request.ProfileName, request.ProfileHash, request.LinkMessage, signature, keys?.Origin,
            keys?.ProfilePrivateKey, keys?.WalletPrivateKey, keys?.Nonce, attestation);
    }

    /// <summary>The 66-character text the main profile signs in LINK_ACCEPT.</summary>
    public string LinkMessageHashText() => Hashes.Sha256HexOfUtf8(LinkMessage);

    /// <summary>For LINK_ACCEPT: does <see cref="Signature"/> verify with the main profile's public signing key? Never throws.</summary>
    public bool VerifyAcceptSignature(ReadOnlySpan<byte> mainProfilePublicKey32) =>
        mainProfilePublicKey32.Length == 32 && Ed25519.VerifyText(mainProfilePublicKey32, LinkMessageHashText(), Signature);

    /// <summary>For LINK / LINK_RECOVER: does <see cref="Signature"/> (EIP-191) come from the Link Message's owner address? Never throws.</summary>
    public bool VerifyWalletSignature() =>
        Links.LinkMessage.TryParse(LinkMessage, out var m, out _)
        && Ethereum.TryRecoverPersonalSigner(LinkMessage, Signature, out var signer, out _)
        && signer.AsSpan().SequenceEqual(m.Owner);

    public JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["version"] = VersionValue,
            ["profileName"] = ProfileName,
            ["profileHash"] = ProfileHash,
            ["linkMessage"] = LinkMessage,
            ["signature"] = Signature,
        };
        Add(o, "origin", Origin);
        Add(o, "profilePrivateKey", ProfilePrivateKey);
        Add(o, "walletPrivateKey", WalletPrivateKey);
        Add(o, "nonce", Nonce);
        if (Attestation is not null)
        {
            o["attestation"] = Attestation.ToJson();
        }

        return o;
    }

    public string ToCanonicalJson() => CanonicalJson.Serialize(ToJson());

    /// <summary>Reads and validates a <c>link</c> object for the given message type.</summary>
    public static bool TryParse(JsonNode? node, LinkMessageType type, [NotNullWhen(true)] out LinkObject? link, [NotNullWhen(false)] out ProtocolError? error)
    {
        link = null;
        if (node is not JsonObject o)
        {
            error = Invalid("The link member is not a JSON object.");
            return false;
        }

        foreach (var (key, _) in o)
        {
            if (!Members.Contains(key))
            {
                error = Invalid($"The link object has the unknown member '{key}'.");
                return false;
            }
        }

        if (JsonFields.Int(o, "version") != VersionValue)
        {
            error = Invalid("version must be the number 1.");
            return false;
        }

        var profileName = JsonFields.Str(o, "profileName");
        var profileHash = JsonFields.Str(o, "profileHash");
        var linkMessage = JsonFields.Str(o, "linkMessage");
        var signature = JsonFields.Str(o, "signature");
        if (profileName is null || profileHash is null || linkMessage is null || signature is null)
        {
            error = Invalid("profileName, profileHash, linkMessage and signature are required strings.");
            return false;
        }

        string? Optional(string name, out ProtocolError? e)
        {
            e = null;
            if (!o.ContainsKey(name))
            {
                return null;
            }

            var s = JsonFields.Str(o, name);
            if (s is null)
            {
                e = Invalid($"{name} must be a string.");
            }

            return s;
        }

        var origin = Optional("origin", out error);
        var profileKey = error is null ? Optional("profilePrivateKey", out error) : null;
        var walletKey = error is null ? Optional("walletPrivateKey", out error) : null;
        var nonce = error is null ? Optional("nonce", out error) : null;
        if (error is not null)
        {
            return false;
        }

        LinkAttestation? attestation = null;
        if (o.TryGetPropertyValue("attestation", out var attNode) && !LinkAttestation.TryParse(attNode, out attestation, out error))
        {
            return false;
        }

        var candidate = new LinkObject(profileName, profileHash, linkMessage, signature, origin, profileKey, walletKey, nonce, attestation);
        error = candidate.Validate(type);
        if (error is not null)
        {
            return false;
        }

        link = candidate;
        return true;
    }

    /// <summary>Parses JSON text (duplicate keys rejected) and validates it.</summary>
    public static bool TryParse(string? json, LinkMessageType type, [NotNullWhen(true)] out LinkObject? link, [NotNullWhen(false)] out ProtocolError? error)
    {
        link = null;
        if (json is null)
        {
            error = Invalid("There is no link object.");
            return false;
        }

        return CanonicalJson.TryParse(json, out var node, out error) && TryParse(node, type, out link, out error);
    }

    /// <summary>The table of §8.1 for <paramref name="type"/>, plus formats, Link Message consistency and the 8192-byte limit.</summary>
    public ProtocolError? Validate(LinkMessageType type)
    {
        if (!LspNames.TryParseLspName(ProfileName, out _, out _, out var e))
        {
            return e;
        }

        if (!IsProfileHash(ProfileHash))
        {
            return Invalid("profileHash is not 0x + 64 lower-case hex digits.");
        }

        if (!Links.LinkMessage.TryParse(LinkMessage, out var message, out e))
        {
            return new ProtocolError("link.link_message_invalid", "linkMessage is not a valid Link Message: " + e.Message);
        }

        if (message.ProfileName != ProfileName || message.ProfileHash != ProfileHash)
        {
            return Invalid("profileName or profileHash differs from the Link Message.");
        }

        var keysExpected = false;
        switch (type)
        {
            case LinkMessageType.Link:
            case LinkMessageType.LinkRecover:
                if (message.Type != type)
                {
                    return Invalid($"The Link Message is of type {message.Type.ToWire()}, not {type.ToWire()}.");
                }

                if (!IsWalletSignatureText(Signature))
                {
                    return Invalid("signature must be a 0x-hex 65-byte wallet signature.");
                }

                if (Attestation is not null)
                {
                    return Invalid("attestation is only allowed in LINK_ACCEPT.");
                }

                keysExpected = type == LinkMessageType.Link;
                break;
            case LinkMessageType.LinkAccept:
                if (!Base64Std.TryDecode(Signature, out _, 64))
                {
                    return Invalid("signature must be a base64 Ed25519 signature.");
                }

                keysExpected = message.Type == LinkMessageType.LinkRecover;
                if (Attestation is not null
                    && (!string.Equals(Attestation.LinkedProfile, ProfileName, StringComparison.Ordinal)
                        || !string.Equals(Attestation.LinkedProfileHash, ProfileHash, StringComparison.Ordinal)))
                {
                    return Invalid("attestation must name this link's profileName and profileHash.");
                }

                break;
            default:
                return Invalid("Unknown message type.");
        }

        if (keysExpected)
        {
            if (Origin is not (OriginSignature or OriginRandom))
            {
                return Invalid("origin must be \"signature\" or \"random\".");
            }

            if (!Base64Std.TryDecode(ProfilePrivateKey, out _, 32))
            {
                return Invalid("profilePrivateKey must be base64 of 32 bytes.");
            }

            if (WalletPrivateKey is null || WalletPrivateKey.Length != 66 || !Hex.TryDecode(WalletPrivateKey, out var wk)
                || WalletPrivateKey != Hex.Encode(wk) || !Secp256k1.IsValidPrivateKey(wk))
            {
                return Invalid("walletPrivateKey must be a valid 0x-hex (lower-case) 32-byte secp256k1 key.");
            }

            if (Nonce is not null && !Siwe.Dm3Siwe.IsOurNonce(Nonce))
            {
                return Invalid("nonce must be 32 lower-case hex characters.");
            }
        }
        else if (Origin is not null || ProfilePrivateKey is not null || WalletPrivateKey is not null || Nonce is not null)
        {
            return Invalid("origin, profilePrivateKey, walletPrivateKey and nonce must be absent here.");
        }

        if (System.Text.Encoding.UTF8.GetByteCount(ToCanonicalJson()) > MaxCanonicalBytes)
        {
            return new ProtocolError("link.too_large", $"The link object is larger than {MaxCanonicalBytes} bytes.");
        }

        return null;
    }

    /// <summary>"0x" + 64 lower-case hex digits (a sha256 profile hash).</summary>
    public static bool IsProfileHash(string? text) => Hex.IsCanonical(text, 32);

    private static bool IsWalletSignatureText(string text) =>
        text.Length == 132 && Hex.TryDecode(text, out var b) && b.Length == 65;

    private static void Add(JsonObject o, string name, string? value)
    {
        if (value is not null)
        {
            o[name] = value;
        }
    }

    private static ProtocolError Invalid(string message) => new("link.object_invalid", message);
}
