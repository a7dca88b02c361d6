using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Delivery;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;

namespace Dm3.Cli.Interop;

/// <summary>
/// Checks artefacts produced by the dm3 npm libraries. Input (JSON):
/// <code>
/// { "address": "0x…", "signedUserProfile": {…}, "senderPublicSigningKey": b64,
///   "receiverEncryptionPrivateKey": b64, "deliveryServiceEncryptionPrivateKey": b64,
///   "deliveryServicePublicSigningKey": b64 (optional; checks postmarks),
///   "envelopes": [ {…EncryptionEnvelop…}, … ]            (or a single "envelope")
///   "expected": { "messages": [ {…}, … ] (parallel to envelopes) or "message": {…} (for all),
///                 "dm3Hash": "0x…", "storageKey": b64 }   (all optional) }
/// </code>
/// Every check is recorded by name; any failure makes the report disagree.
/// </summary>
internal static class InteropVerifier
{
    public static InteropReport Verify(string inputJson)
    {
        var report = new InteropReport();
        if (!CanonicalJson.TryParse(inputJson, out var root, out var parseError) || root is not JsonObject input)
        {
            report.Unreadable("input.parse", parseError?.Message ?? "The input is not a JSON object.");
            return report;
        }

        var expected = input["expected"] as JsonObject;

        // Profile: signature against the claimed address, hash, keys.
        byte[]? profileSigningKey = null;
        var addressText = (input["address"] as JsonValue)?.TryGetValue<string>(out var a) == true ? a : null;
        if (!SignedUserProfile.TryFromJson(input["signedUserProfile"], out var profile, out var profileError))
        {
            report.Add("profile.parse", false, profileError.Code + ": " + profileError.Message);
        }
        else
        {
            report.Add("profile.parse", true);
            report.Add("profile.signature", profile.TryVerifySignature(addressText, out var sigError), sigError?.Message);
            if (profile.Profile.TryDecodeKeys(out _, out var signingKey, out var keyError))
            {
                profileSigningKey = signingKey;
                report.Add("profile.keys", true);
            }
            else
            {
                report.Add("profile.keys", false, keyError.Message);
            }

            if (Str(expected, "dm3Hash") is { } dm3Hash)
            {
                report.Add("profile.dm3Hash", string.Equals(dm3Hash, profile.Dm3Hash, StringComparison.Ordinal), $"library {dm3Hash}, ours {profile.Dm3Hash}");
            }

            if (Str(expected, "storageKey") is { } storageKey)
            {
                var ok = ProfileKeys.TryFromStorageKey(storageKey, out var keys, out var storageError)
                    && keys.PublicSigningKeyBase64 == profile.Profile.PublicSigningKey
                    && keys.PublicEncryptionKeyBase64 == profile.Profile.PublicEncryptionKey;
                report.Add("profile.keysFromStorageKey", ok, storageError?.Message ?? (ok ? null : "the keys derived from the storage key differ from the profile"));
            }
        }

        // The sender key the library says it used must be the profile's key.
        byte[]? senderKey = profileSigningKey;
        if (Str(input, "senderPublicSigningKey") is { } senderText)
        {
            if (Base64Std.TryDecode(senderText, out var given, 32))
            {
                senderKey ??= given;
                if (profileSigningKey is not null)
                {
                    report.Add("profile.senderKeyMatches", given.AsSpan().SequenceEqual(profileSigningKey));
                }
            }
            else
            {
                report.Add("input.senderPublicSigningKey", false, "not base64 of 32 bytes");
            }
        }

        var receiverKey = Key(report, input, "receiverEncryptionPrivateKey");
        var dsKey = Key(report, input, "deliveryServiceEncryptionPrivateKey");
        var dsSigningKey = Key(report, input, "deliveryServicePublicSigningKey");

        var envelopes = input["envelopes"] is JsonArray array ? array.ToList() : input["envelope"] is { } single ? [single] : [];
        if (envelopes.Count == 0)
        {
            report.Add("input.envelopes", false, "no envelope given");
        }

        var expectedMessages = expected?["messages"] as JsonArray;
        for (var i = 0; i < envelopes.Count; i++)
        {
            var expectedMessage = expectedMessages is not null && i < expectedMessages.Count ? expectedMessages[i] : expected?["message"];
            VerifyEnvelope(report, $"envelope[{i}]", envelopes[i], receiverKey, dsKey, senderKey, dsSigningKey, expectedMessage);
        }

        return report;
    }

    private static void VerifyEnvelope(InteropReport report, string name, JsonNode? node, byte[]? receiverKey, byte[]? dsKey, byte[]? senderKey, byte[]? dsSigningKey, JsonNode? expectedMessage)
    {
        // TryFromJson keeps a reference to the tree; give it a private copy.
        if (!EncryptionEnvelope.TryFromJson(node?.DeepClone(), out var envelope, out var error))
        {
            report.Add(name + ".parse", false, error.Code + ": " + error.Message);
            return;
        }

        report.Add(name + ".parse", true, envelope.Metadata.HashMemberName);
        if (senderKey is not null)
        {
            report.Add(name + ".metadata.signature", envelope.Metadata.VerifySignature(senderKey));
        }

        DeliveryInformation? information = null;
        if (dsKey is not null)
        {
            var ok = envelope.TryDecryptDeliveryInformation(dsKey, out information, out var infoError);
            report.Add(name + ".deliveryInformation.decrypt", ok, infoError is null ? null : infoError.Code + ": " + infoError.Message);
        }

        if (receiverKey is null)
        {
            return;
        }

        if (!PayloadEncryption.TryDecryptAsymmetric(receiverKey, envelope.Message, out var plaintext, out var decryptError))
        {
            report.Add(name + ".message.decrypt", false, decryptError.Code + ": " + decryptError.Message);
            return;
        }

        report.Add(name + ".message.decrypt", true);
        if (envelope.Postmark is not null)
        {
            // Added by a delivery service: encrypted to the receiver, signed by the DS, bound to envelope.message.
            if (Postmarker.TryOpen(envelope, receiverKey, out var postmark, out var postmarkError))
            {
                report.Add(name + ".postmark.decrypt", true);
                report.Add(name + ".postmark.matchesMessage", postmark.Matches(envelope.Message));
                if (dsSigningKey is not null)
                {
                    report.Add(name + ".postmark.signature", postmark.VerifySignature(dsSigningKey));
                }
            }
            else
            {
                report.Add(name + ".postmark.decrypt", false, postmarkError.Code + ": " + postmarkError.Message);
            }
        }

        if (!Message.TryParse(plaintext, out var message, out var messageError))
        {
            report.Add(name + ".message.parse", false, messageError.Code + ": " + messageError.Message);
            return;
        }

        report.Add(name + ".message.parse", true);
        var canonical = message.ToCanonicalJson();
        report.Add(name + ".message.canonical", string.Equals(canonical, plaintext, StringComparison.Ordinal), "the library encrypts stringify(message); ours must write the same text");
        if (senderKey is not null)
        {
            report.Add(name + ".message.signature", message.VerifySignature(senderKey));
        }

        if (information is not null)
        {
            report.Add(name + ".deliveryInformation.matchesMessage",
                information.To == message.Metadata.To && information.From == message.Metadata.From,
                $"deliveryInformation {information.To} <- {information.From}, message {message.Metadata.To} <- {message.Metadata.From}");
        }

        if (envelope.MessageHashField == MessageHashField.EncryptedMessageHash)
        {
            report.Add(name + ".encryptedMessageHash", envelope.EncryptedMessageHashMatches == true,
                $"envelope {envelope.MessageHash}, ours {EncryptionEnvelope.ComputeEncryptedMessageHash(envelope.Message)}");
        }
        else
        {
            var ours = Hashes.Sha256HexOfUtf8(plaintext);
            report.Add(name + ".messageHash", string.Equals(ours, envelope.MessageHash, StringComparison.OrdinalIgnoreCase), $"envelope {envelope.MessageHash}, ours {ours}");
        }

        if (expectedMessage is not null)
        {
            report.Add(name + ".message.expected", CanonicalJson.Serialize(expectedMessage) == canonical);
        }
    }

    private static byte[]? Key(InteropReport report, JsonObject input, string member)
    {
        if (Str(input, member) is not { } text)
        {
            return null;
        }

        if (Base64Std.TryDecode(text, out var key, 32))
        {
            return key;
        }

        report.Add("input." + member, false, "not base64 of 32 bytes");
        return null;
    }

    private static string? Str(JsonObject? obj, string member) =>
        obj?[member] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

/// <summary>The outcome of <see cref="InteropVerifier.Verify"/>: named checks, printed as JSON.</summary>
internal sealed class InteropReport
{
    private readonly List<(string Name, bool Ok, string? Detail)> _checks = [];

    public bool InputReadable { get; private set; } = true;

    public bool Ok => InputReadable && _checks.Count > 0 && _checks.TrueForAll(c => c.Ok);

    public IReadOnlyList<(string Name, bool Ok, string? Detail)> Checks => _checks;

    public void Add(string name, bool ok, string? detail = null) => _checks.Add((name, ok, detail));

    public void Unreadable(string name, string detail)
    {
        InputReadable = false;
        Add(name, false, detail);
    }

    public string ToJson()
    {
        var checks = new JsonArray();
        foreach (var (name, ok, detail) in _checks)
        {
            var item = new JsonObject { ["name"] = name, ["ok"] = ok };
            if (detail is not null)
            {
                item["detail"] = detail;
            }

            checks.Add(item);
        }

        return CanonicalJson.Serialize(new JsonObject
        {
            ["ok"] = Ok,
            ["failed"] = new JsonArray(_checks.Where(c => !c.Ok).Select(c => (JsonNode?)JsonValue.Create(c.Name)).ToArray()),
            ["checks"] = checks,
        });
    }
}
