using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Json;
using Dm3.Protocol.Messaging;

namespace Dm3.Protocol.Profiles;

/// <summary>
/// dm3 <c>SignedUserProfile</c> <c>{profile, signature}</c> (W§3.1): the wallet's EIP-191 signature over the
/// profile-creation message. Closed object; both members required.
/// </summary>
public sealed class SignedUserProfile
{
    private const string What = "signedUserProfile";
    private static readonly string[] Required = ["profile", "signature"];

    public SignedUserProfile(UserProfile profile, string signature)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(signature);
        Profile = profile;
        Signature = signature;
    }

    public UserProfile Profile { get; }

    /// <summary>The wallet signature as text (0x + 130 hex), exactly as received.</summary>
    public string Signature { get; }

    /// <summary>Signs <paramref name="profile"/> with a wallet private key (EOA, EIP-191).</summary>
    public static SignedUserProfile Sign(UserProfile profile, ReadOnlySpan<byte> walletPrivateKey32)
    {
        var address = Ethereum.AddressFromPrivateKey(walletPrivateKey32);
        var text = ProfileCreationMessage.Create(profile, address);
        return new SignedUserProfile(profile, Ethereum.PersonalSign(walletPrivateKey32, text));
    }

    /// <summary>The creation message this profile's signature must cover for <paramref name="address20"/>.</summary>
    public string CreationMessageFor(ReadOnlySpan<byte> address20) => ProfileCreationMessage.Create(Profile, address20);

    /// <summary>True when the signature recovers to <paramref name="expectedAddress20"/> (ECDSA / EIP-191 only). Never throws on bad signatures.</summary>
    public bool VerifySignature(ReadOnlySpan<byte> expectedAddress20)
    {
        if (expectedAddress20.Length != 20)
        {
            return false;
        }

        return Ethereum.VerifyPersonalSignature(ProfileCreationMessage.Create(Profile, expectedAddress20), Signature, expectedAddress20);
    }

    /// <summary>As <see cref="VerifySignature(ReadOnlySpan{byte})"/> for an address given as text; an invalid address is an error value.</summary>
    public bool TryVerifySignature(string? addressText, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (!Ethereum.TryParseAddress(addressText, out var address, out error))
        {
            return false;
        }

        if (!VerifySignature(address))
        {
            error = new ProtocolError("signedUserProfile.bad_signature", "The profile signature was not made by this address.");
            return false;
        }

        return true;
    }

    public JsonObject ToJsonObject() => new()
    {
        ["profile"] = Profile.ToJsonObject(),
        ["signature"] = Signature,
    };

    public string ToCanonicalJson() => CanonicalJson.Serialize(ToJsonObject());

    /// <summary>dm3Hash / profile hash: sha256(UTF-8(canonical(SignedUserProfile))) as 0x-hex.</summary>
    public string Dm3Hash => Hashes.Sha256HexOfUtf8(ToCanonicalJson());

    /// <summary>The <c>network.dm3.profile</c> text record value we write: <c>data:application/json,</c> + canonical JSON.</summary>
    public string ToTextRecordValue() => ProfileTextRecord.Encode(ToCanonicalJson());

    public static bool TryParse(string? json, [NotNullWhen(true)] out SignedUserProfile? profile, [NotNullWhen(false)] out ProtocolError? error)
    {
        profile = null;
        return JsonShape.TryParseObject(json, What, out var obj, out error) && TryFromJson(obj, out profile, out error);
    }

    public static SignedUserProfile Parse(string json) =>
        TryParse(json, out var p, out var e) ? p : throw new ProtocolFormatException(e);

    public static bool TryFromJson(JsonNode? node, [NotNullWhen(true)] out SignedUserProfile? profile, [NotNullWhen(false)] out ProtocolError? error)
    {
        profile = null;
        if (!JsonShape.TryObject(node, What, out var obj, out error)
            || !JsonShape.CheckMembers(obj, What, Required, JsonShape.None, out error)
            || !JsonShape.TryString(obj, What, "signature", out var signature, out error)
            || !UserProfile.TryFromJson(obj["profile"], out var inner, out error))
        {
            return false;
        }

        profile = new SignedUserProfile(inner, signature);
        return true;
    }

    public override string ToString() => ToCanonicalJson();
}

/// <summary>
/// dm3 <c>DeliveryServiceProfile</c> <c>{publicSigningKey, publicEncryptionKey, url}</c> (W§3.1), published under
/// <c>network.dm3.deliveryService</c>. Unsigned; closed object; all members required.
/// </summary>
public sealed class DeliveryServiceProfile
{
    private const string What = "deliveryServiceProfile";
    private static readonly string[] Required = ["publicSigningKey", "publicEncryptionKey", "url"];

    public DeliveryServiceProfile(string publicSigningKey, string publicEncryptionKey, string url)
    {
        ArgumentNullException.ThrowIfNull(publicSigningKey);
        ArgumentNullException.ThrowIfNull(publicEncryptionKey);
        ArgumentNullException.ThrowIfNull(url);
        PublicSigningKey = publicSigningKey;
        PublicEncryptionKey = publicEncryptionKey;
        Url = url;
    }

    public string PublicSigningKey { get; }

    public string PublicEncryptionKey { get; }

    /// <summary>The delivery service base URL.</summary>
    public string Url { get; }

    public JsonObject ToJsonObject() => new()
    {
        ["publicEncryptionKey"] = PublicEncryptionKey,
        ["publicSigningKey"] = PublicSigningKey,
        ["url"] = Url,
    };

    public string ToCanonicalJson() => CanonicalJson.Serialize(ToJsonObject());

    public string ToTextRecordValue() => ProfileTextRecord.Encode(ToCanonicalJson());

    public static bool TryParse(string? json, [NotNullWhen(true)] out DeliveryServiceProfile? profile, [NotNullWhen(false)] out ProtocolError? error)
    {
        profile = null;
        return JsonShape.TryParseObject(json, What, out var obj, out error) && TryFromJson(obj, out profile, out error);
    }

    public static DeliveryServiceProfile Parse(string json) =>
        TryParse(json, out var p, out var e) ? p : throw new ProtocolFormatException(e);

    public static bool TryFromJson(JsonNode? node, [NotNullWhen(true)] out DeliveryServiceProfile? profile, [NotNullWhen(false)] out ProtocolError? error)
    {
        profile = null;
        if (!JsonShape.TryObject(node, What, out var obj, out error)
            || !JsonShape.CheckMembers(obj, What, Required, JsonShape.None, out error)
            || !JsonShape.TryString(obj, What, "publicSigningKey", out var sig, out error)
            || !JsonShape.TryString(obj, What, "publicEncryptionKey", out var enc, out error)
            || !JsonShape.TryString(obj, What, "url", out var url, out error))
        {
            return false;
        }

        profile = new DeliveryServiceProfile(sig, enc, url);
        return true;
    }

    public override string ToString() => ToCanonicalJson();
}
