using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;
using Dm3.Protocol.Messaging;

namespace Dm3.Protocol.Profiles;

/// <summary>
/// dm3 <c>UserProfile</c> (W§3.1): a closed object; every member required. Keys are base64 text as published;
/// <see cref="TryDecodeKeys"/> checks their encodings.
/// </summary>
public sealed class UserProfile
{
    private const string What = "userProfile";
    private static readonly string[] Required = ["publicEncryptionKey", "publicSigningKey", "deliveryServices"];

    public UserProfile(string publicEncryptionKey, string publicSigningKey, IReadOnlyList<string> deliveryServices)
    {
        ArgumentNullException.ThrowIfNull(publicEncryptionKey);
        ArgumentNullException.ThrowIfNull(publicSigningKey);
        ArgumentNullException.ThrowIfNull(deliveryServices);
        PublicEncryptionKey = publicEncryptionKey;
        PublicSigningKey = publicSigningKey;
        DeliveryServices = deliveryServices.ToArray();
    }

    /// <summary>X25519 public key, base64.</summary>
    public string PublicEncryptionKey { get; }

    /// <summary>Ed25519 public key, base64.</summary>
    public string PublicSigningKey { get; }

    /// <summary>ENS names of delivery services, in order of preference.</summary>
    public IReadOnlyList<string> DeliveryServices { get; }

    public JsonObject ToJsonObject()
    {
        var services = new JsonArray();
        foreach (var s in DeliveryServices)
        {
            services.Add(s);
        }

        return new JsonObject
        {
            ["deliveryServices"] = services,
            ["publicEncryptionKey"] = PublicEncryptionKey,
            ["publicSigningKey"] = PublicSigningKey,
        };
    }

    /// <summary>Canonical JSON (W§2); this is the <c>dm3 Profile:</c> line of the creation message.</summary>
    public string ToCanonicalJson() => CanonicalJson.Serialize(ToJsonObject());

    /// <summary>Decodes both keys (32 bytes each); false with a precise error if either is malformed.</summary>
    public bool TryDecodeKeys([NotNullWhen(true)] out byte[]? encryptionPublicKey, [NotNullWhen(true)] out byte[]? signingPublicKey, [NotNullWhen(false)] out ProtocolError? error)
    {
        signingPublicKey = null;
        if (!Base64Std.TryDecode(PublicEncryptionKey, out encryptionPublicKey, 32))
        {
            error = new ProtocolError("userProfile.bad_encryption_key", "publicEncryptionKey must be standard base64 of 32 bytes.");
            return false;
        }

        if (!Base64Std.TryDecode(PublicSigningKey, out signingPublicKey, 32))
        {
            encryptionPublicKey = null;
            error = new ProtocolError("userProfile.bad_signing_key", "publicSigningKey must be standard base64 of 32 bytes.");
            return false;
        }

        error = null;
        return true;
    }

    public static bool TryParse(string? json, [NotNullWhen(true)] out UserProfile? profile, [NotNullWhen(false)] out ProtocolError? error)
    {
        profile = null;
        return JsonShape.TryParseObject(json, What, out var obj, out error) && TryFromJson(obj, out profile, out error);
    }

    public static UserProfile Parse(string json) =>
        TryParse(json, out var p, out var e) ? p : throw new ProtocolFormatException(e);

    public static bool TryFromJson(JsonNode? node, [NotNullWhen(true)] out UserProfile? profile, [NotNullWhen(false)] out ProtocolError? error)
    {
        profile = null;
        if (!JsonShape.TryObject(node, What, out var obj, out error)
            || !JsonShape.CheckMembers(obj, What, Required, JsonShape.None, out error)
            || !JsonShape.TryString(obj, What, "publicEncryptionKey", out var enc, out error)
            || !JsonShape.TryString(obj, What, "publicSigningKey", out var sig, out error)
            || !JsonShape.TryStringArray(obj, What, "deliveryServices", out var services, out error))
        {
            return false;
        }

        profile = new UserProfile(enc, sig, services);
        return true;
    }

    public override string ToString() => ToCanonicalJson();
}

/// <summary>The profile-creation message (W§3.2) that the wallet signs, including its odd grammar.</summary>
public static class ProfileCreationMessage
{
    /// <summary>The exact text: EIP-55 address and the canonical UserProfile (not the signed profile).</summary>
    public static string Create(UserProfile profile, ReadOnlySpan<byte> address20)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (address20.Length != 20)
        {
            throw new ArgumentException("An address is 20 bytes.", nameof(address20));
        }

        return "dm3.chat wants you register your dm3 profile with your Ethereum account:\n"
            + Ethereum.ToChecksumAddress(address20) + "\n\n"
            + "This is required only once!\n"
            + "(There is no paid transaction initiated. The signature is used off-chain only.)\n\n"
            + "URI: https://dm3.chat\n"
            + "Version: 1\n"
            + "dm3 Profile: " + profile.ToCanonicalJson();
    }
}
