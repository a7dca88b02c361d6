using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dm3.Protocol.Abi;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Delivery;
using Dm3.Protocol.Ens;
using Dm3.Protocol.Json;
using Dm3.Protocol.Links;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Siwe;
using static Dm3.Protocol.Tests.Fuzz.FuzzSeeds;

namespace Dm3.Protocol.Tests.Fuzz;

/// <summary>
/// The corpus of every parser and the adapter that judges each outcome. Each parser runs once per process (lazily),
/// whichever test asks first; the per-parser tests and the total test share the reports.
/// </summary>
internal static partial class FuzzSuite
{
    /// <summary>Every parser must reject at least this many of its inputs (its corpus is far larger).</summary>
    public const int MinRejectedPerParser = 40;

    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    public static readonly IReadOnlyDictionary<string, Lazy<FuzzReport>> Reports = new Dictionary<string, Lazy<FuzzReport>>(StringComparer.Ordinal)
    {
        ["CanonicalJson.TryParse/TryCanonicalize"] = new(RunCanonicalJson),
        ["SignedUserProfile.TryParse"] = new(RunSignedUserProfile),
        ["UserProfile.TryParse"] = new(RunUserProfile),
        ["ProfileTextRecord.TryReadSignedUserProfile"] = new(RunProfileRecord),
        ["ProfileTextRecord.TryParse"] = new(RunProfileRecordClassification),
        ["ProfileKeys.TryFromStorageKey"] = new(RunStorageKey),
        ["EncryptionEnvelope.TryParse (+decrypt, verify)"] = new(RunEnvelope),
        ["PayloadEncryption.TryDecryptAsymmetric"] = new(RunAsymmetricDecrypt),
        ["PayloadEncryption.TryDecryptSymmetric"] = new(RunSymmetricDecrypt),
        ["Message.TryParse"] = new(RunMessage),
        ["DeliveryInformation.TryParse"] = new(RunDeliveryInformation),
        ["Postmark.TryParse"] = new(RunPostmark),
        ["DeliveryServiceJwt.TryVerifyAuthToken"] = new(() => RunJwt(auth: true)),
        ["DeliveryServiceJwt.TryVerifyChallenge"] = new(() => RunJwt(auth: false)),
        ["Ethereum.TryRecoverPersonalSigner"] = new(RunPersonalSigner),
        ["Secp256k1.TryCanonicalize"] = new(RunCanonicalizeSignature),
        ["Ethereum.TryParseAddress"] = new(RunAddress),
        ["EnsNames.TryDnsDecode"] = new(RunDnsDecode),
        ["EnsNameRules.TryValidateName"] = new(RunEnsName),
        ["AddressName.TryParse"] = new(RunAddressName),
        ["AbiCodec.TryDecode"] = new(RunAbi),
        ["CcipRequest.TryDecode"] = new(RunCcipRequest),
        ["OffchainLookup.TryDecodeRevertData"] = new(RunRevertData),
        ["CcipSigning.TryDecodeResponseData"] = new(RunResponseData),
        ["CcipHttp.TryParseGetPath"] = new(RunGetPath),
        ["CcipHttp.TryParsePostBody"] = new(RunPostBody),
        ["SiweMessage.TryParse"] = new(RunSiwe),
        ["Dm3Siwe.TryParseStrict"] = new(RunSiweStrict),
        ["LinkMessage.TryParse"] = new(RunLinkMessage),
        ["LinkAttestation.TryParseRecordValue"] = new(RunAttestation),
        ["LinkObject.TryParse (LINK)"] = new(RunLinkObject),
        ["CreationMessage.TryParse"] = new(RunCreationMessage),
        ["LspBinding.TryParse"] = new(RunLspBinding),
        ["LspNames.TryParseLspName"] = new(RunLspName),
        ["Dm3Urn.TryDecodeName"] = new(RunUrnName),
        ["Rfc3339.TryParse"] = new(RunRfc3339),
        ["SiweVerifier.Verify (text, signature)"] = new(RunSiweVerify),
        ["LspKeyDerivation.TryFromCreationSignature"] = new(RunCreationSignature),
    };

    // ------------------------------------------------------------------ corpora helpers

    internal static IEnumerable<FuzzCase<string>> JsonCorpus(string name, string seedJson, Random rng, int havoc, bool huge = true) =>
        JsonMutator.Mutations(name, seedJson, rng)
            .Concat(TextMutator.Truncations(name, seedJson, 150))
            .Concat(TextMutator.Havoc(name, seedJson, rng, havoc))
            .Concat(TextMutator.Specials(name, seedJson, rng, huge));

    internal static IEnumerable<FuzzCase<string>> TextCorpus(string name, string seed, Random rng, int havoc, int truncations = 400) =>
        TextMutator.Truncations(name, seed, truncations)
            .Concat(TextMutator.Havoc(name, seed, rng, havoc))
            .Concat(TextMutator.Specials(name, seed, rng));

    internal static IEnumerable<FuzzCase<byte[]>> BytesCorpus(string name, byte[] seed, Random rng, int havoc, int truncations = 300) =>
        ByteMutator.Truncations(name, seed, truncations)
            .Concat(ByteMutator.Havoc(name, seed, rng, havoc))
            .Concat(ByteMutator.Specials(name, seed, rng));

    private static string? Check(bool condition, string problem) => condition ? null : problem;

    private static string? First(params Func<string?>[] checks)
    {
        foreach (var check in checks)
        {
            var problem = check();
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    // ------------------------------------------------------------------ JSON

    private const string GenericJson = "{\"a\":[1,-0.5,1e+21,\"x\\u00e9\\ud83d\\ude00\",[[]]],\"b\":{\"c\":null,\"d\":true,\"e\":\"\\u2028\\n\"},\"n\":123.456,\"s\":\"\"}";

    private static FuzzReport RunCanonicalJson()
    {
        const string name = "CanonicalJson.TryParse/TryCanonicalize";
        var rng = FuzzRunner.Rng(name);
        var cases = JsonCorpus("generic", GenericJson, rng, 150).Concat(JsonCorpus("profile", SignedProfileJson, rng, 60, huge: false));
        return FuzzRunner.RunText(name, cases, CanonicalJsonOutcome);
    }

    private static Outcome CanonicalJsonOutcome(string s)
    {
        var parsed = CanonicalJson.TryParse(s, out var node, out var error);
        var canonicalized = CanonicalJson.TryCanonicalize(s, out var canonical, out var canonicalError);
        if (!parsed)
        {
            if (canonicalized && !(error!.Code == "json.null_root" && canonical == "null"))
            {
                return Outcome.Wrong($"TryCanonicalize accepted what TryParse rejected ({error!.Code})");
            }

            return Outcome.Rejected(error);
        }

        return Outcome.Judge(First(
            () => Check(canonicalized, $"TryCanonicalize rejected what TryParse accepted ({canonicalError?.Code})"),
            () => Check(CanonicalJson.Serialize(node) == canonical, "Serialize(TryParse) differs from TryCanonicalize"),
            () => Check(CanonicalJson.TryCanonicalize(canonical!, out var again, out _) && again == canonical, "canonical text is not a fixed point"),
            () => IndependentJsonCheck(s)));
    }

    /// <summary>System.Text.Json must agree that the text is one JSON value, with no duplicate keys and depth ≤ 64.</summary>
    private static string? IndependentJsonCheck(string s)
    {
        try
        {
            using var document = JsonDocument.Parse(s, new JsonDocumentOptions { MaxDepth = 1000 });
            return Depth(document.RootElement) > CanonicalJson.MaxDepth ? "nesting deeper than 64 was accepted"
                : HasDuplicateKeys(document.RootElement) ? "duplicate keys were accepted" : null;
        }
        catch (JsonException ex)
        {
            return "System.Text.Json rejects the text: " + ex.Message;
        }
    }

    private static int Depth(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => 1 + e.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonValueKind.Array => 1 + e.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    private static bool HasDuplicateKeys(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal).Any(g => g.Count() > 1) || e.EnumerateObject().Any(p => HasDuplicateKeys(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().Any(HasDuplicateKeys),
        _ => false,
    };

    /// <summary>The parsed object holds exactly what the text said: its canonical form equals the canonical form of the input.</summary>
    private static string? SameContent(string input, string reserialized) =>
        CanonicalJson.TryCanonicalize(input, out var canonical, out var e)
            ? Check(canonical == reserialized, "the parsed value re-serialises to different JSON than the input (members dropped or altered)")
            : $"the strict JSON parser rejects the accepted text ({e.Code})";

    // ------------------------------------------------------------------ profiles

    private static FuzzReport RunSignedUserProfile()
    {
        const string name = "SignedUserProfile.TryParse";
        var rng = FuzzRunner.Rng(name);
        return FuzzRunner.RunText(name, JsonCorpus("signedProfile", SignedProfileJson, rng, 150), s =>
            SignedUserProfile.TryParse(s, out var p, out var e) ? Outcome.Judge(JudgeProfile(s, p)) : Outcome.Rejected(e));
    }

    private static string? JudgeProfile(string input, SignedUserProfile p) => First(
        () => SameContent(input, p.ToCanonicalJson()),
        () => Check(SignedUserProfile.TryParse(p.ToCanonicalJson(), out var again, out _) && again.ToCanonicalJson() == p.ToCanonicalJson(), "re-serialisation does not round trip"),
        () => Check(!p.VerifySignature(WalletAddress) || p.Profile.ToCanonicalJson() == Profile.ToCanonicalJson(), "a changed profile still verifies against the wallet"));

    private static FuzzReport RunUserProfile()
    {
        const string name = "UserProfile.TryParse";
        var rng = FuzzRunner.Rng(name);
        return FuzzRunner.RunText(name, JsonCorpus("profile", Profile.ToCanonicalJson(), rng, 80, huge: false), s =>
        {
            if (!UserProfile.TryParse(s, out var p, out var e))
            {
                return Outcome.Rejected(e);
            }

            return Outcome.Judge(First(
                () => SameContent(s, p.ToCanonicalJson()),
                () => Check(p.TryDecodeKeys(out _, out _, out var keyError) || keyError is { Code.Length: > 0 }, "TryDecodeKeys failed without an error")));
        });
    }

    private static IEnumerable<FuzzCase<string>> ProfileRecordCorpus(Random rng)
    {
        var plain = ProfileTextRecord.Encode(SignedProfileJson);
        var charset = "data:application/json;charset=utf-8," + SignedProfileJson;
        var base64 = "data:application/json;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(SignedProfileJson));
        var cases = TextCorpus("plain", plain, rng, 120, 200)
            .Concat(TextCorpus("charset", charset, rng, 60, 80))
            .Concat(TextCorpus("base64", base64, rng, 120, 150))
            .Concat(TextMutator.WrongPrefixes("plain", plain, "data:application/json,",
                "", "data:", "data:,", "data:application/json", "data:text/plain,", "data:application/json;base64,", "data:application/json;charset=latin1,",
                "data:application/json;charset=utf-8;charset=utf-8,", "data:application/json;base64;charset=utf-8,", "data:application/jsonx,", "data: application/json,",
                "data:application/json;foo=bar,", "data//application/json,", "DATA:APPLICATION/JSON,", "https://x.example/p.json,", "ipfs://", "data:application/json;,",
                "data:application/json;charset=\"utf-8\",", "data:application/json;charset=,", "\0data:application/json,", "data:application/json,\uFEFF"))
            .Concat(TextMutator.WrongPrefixes("base64", base64, "data:application/json;base64,", "data:application/json;BASE64,", "data:application/json;base64 ,", "data:application/json;base64,\n"));

        // Structured: JSON mutations of the inline document, both as raw data and as base64.
        foreach (var c in JsonMutator.Mutations("inline", SignedProfileJson, rng).Where((_, i) => i % 2 == 0))
        {
            yield return new(c.Id, ProfileTextRecord.DataPrefix + c.Input);
        }

        // Base64 payloads that are not UTF-8, or not canonical base64.
        var jsonBytes = System.Text.Encoding.UTF8.GetBytes(SignedProfileJson);
        for (var i = 0; i < 40; i++)
        {
            var (bytes, label) = ByteMutator.MutateOnce(jsonBytes, rng);
            yield return new($"base64-bytes/{label}", "data:application/json;base64," + Convert.ToBase64String(bytes));
        }

        foreach (var bad in ByteMutator.InvalidUtf8)
        {
            yield return new($"base64-invalid-utf8/{Convert.ToHexString(bad)}", "data:application/json;base64," + Convert.ToBase64String([.. jsonBytes[..10], .. bad, .. jsonBytes[10..]]));
        }

        var b64 = Convert.ToBase64String(jsonBytes);
        yield return new("base64/unpadded", "data:application/json;base64," + b64.TrimEnd('='));
        yield return new("base64/urlsafe", "data:application/json;base64," + b64.Replace('+', '-').Replace('/', '_'));
        yield return new("base64/with-newlines", "data:application/json;base64," + string.Join('\n', b64.Chunk(76).Select(ch => new string(ch))));
        yield return new("base64/percent-encoded-json", "data:application/json," + Uri.EscapeDataString(SignedProfileJson));

        foreach (var c in cases)
        {
            yield return c;
        }
    }

    private static FuzzReport RunProfileRecord()
    {
        const string name = "ProfileTextRecord.TryReadSignedUserProfile";
        return FuzzRunner.RunText(name, ProfileRecordCorpus(FuzzRunner.Rng(name)), s =>
        {
            if (!ProfileTextRecord.TryReadSignedUserProfile(s, out var p, out var e))
            {
                return Outcome.Rejected(e);
            }

            return Outcome.Judge(First(
                () => Check(ProfileTextRecord.TryReadInlineJson(s, out var json, out _) && SignedUserProfile.TryParse(json, out _, out _), "the inline JSON reader disagrees"),
                () => Check(ProfileTextRecord.TryReadInlineJson(s, out var json, out _) ? SameContent(json, p.ToCanonicalJson()) : "no inline JSON"),
                () => Check(!p.VerifySignature(WalletAddress) || p.Profile.ToCanonicalJson() == Profile.ToCanonicalJson(), "a changed profile still verifies against the wallet")));
        });
    }

    private static string? Check(string? nested) => nested;

    private static FuzzReport RunProfileRecordClassification()
    {
        const string name = "ProfileTextRecord.TryParse";
        var rng = FuzzRunner.Rng(name);
        var hash = Hashes.Sha256HexOfUtf8(SignedProfileJson);
        var hashed = "https://profiles.example/alice.json?dm3Hash=" + hash;
        var ipfs = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
        var cases = TextCorpus("hashed", hashed, rng, 150, 120)
            .Concat(TextCorpus("ipfs", ipfs, rng, 60, 70))
            .Concat(TextMutator.WrongPrefixes("hashed", hashed, "https://", "http://", "HTTPS://", "https:/", "https:///", "ftp://", "https://user@", "https://[::1", "javascript://"))
            .Concat(new FuzzCase<string>[]
            {
                new("hashed/two-hashes", hashed + "&dm3Hash=" + hash),
                new("hashed/no-hash", "https://profiles.example/alice.json"),
                new("hashed/short-hash", hashed[..^1]),
                new("hashed/hash-no-0x", hashed.Replace("=0x", "=", StringComparison.Ordinal)),
                new("hashed/hash-0X", hashed.Replace("=0x", "=0X", StringComparison.Ordinal)),
                new("hashed/hash-upper-digits", hashed.Replace(hash, "0x" + hash[2..].ToUpperInvariant(), StringComparison.Ordinal)),
                new("hashed/hash-in-fragment", "https://profiles.example/alice.json#dm3Hash=" + hash),
                new("hashed/encoded-name", "https://profiles.example/alice.json?dm3%48ash=" + hash),
            });
        return FuzzRunner.RunText(name, cases, s =>
        {
            if (!ProfileTextRecord.TryParse(s, out var r, out var e))
            {
                return Outcome.Rejected(e);
            }

            if (r.Kind == ProfileRecordKind.HashedUrl && r.ExpectedHash is { } h && AnyCaseHashPattern().IsMatch(h) && !h.StartsWith("0x", StringComparison.Ordinal))
            {
                return Outcome.Lenient("dm3Hash with a 0X prefix is accepted (harmless: the hash is compared as bytes)");
            }

            return Outcome.Judge(r.Kind switch
            {
                ProfileRecordKind.HashedUrl => First(
                    () => Check(s.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || s.StartsWith("https://", StringComparison.OrdinalIgnoreCase), "classified as hashed URL without http(s)"),
                    () => Check(r.ExpectedHash is not null && AnyCaseHashPattern().IsMatch(r.ExpectedHash), $"expected hash is not 0x + 64 hex ({r.ExpectedHash})"),
                    () => Check(ProfileTextRecord.TryCheckHashedUrl(s, SignedProfileJson, out _, out var he) || he is { Code.Length: > 0 }, "TryCheckHashedUrl failed without an error")),
                ProfileRecordKind.Ipfs => Check(s.StartsWith("ipfs://", StringComparison.OrdinalIgnoreCase) && s.Length > 7, "classified as ipfs without content"),
                _ => Check(r.Json is not null && s.StartsWith("data:", StringComparison.OrdinalIgnoreCase), "classified as inline without data:"),
            });
        });
    }

    [GeneratedRegex("^0x[0-9a-f]{64}$")]
    private static partial Regex HashPattern();

    [GeneratedRegex("^0[xX][0-9a-fA-F]{64}$")]
    private static partial Regex AnyCaseHashPattern();

    private static FuzzReport RunStorageKey()
    {
        const string name = "ProfileKeys.TryFromStorageKey";
        var rng = FuzzRunner.Rng(name);
        return FuzzRunner.RunText(name, TextCorpus("storageKey", Alice.StorageKey, rng, 200), s =>
            ProfileKeys.TryFromStorageKey(s, out var keys, out var e)
                ? Outcome.Judge(Check(keys.StorageKey == s, "a different storage key text was accepted as the same key (non-canonical base64)"))
                : Outcome.Rejected(e));
    }

    // ------------------------------------------------------------------ envelopes and payloads

    private static readonly EncryptionEnvelope[] EnvelopeSeeds = [Envelope, EnvelopeNpm, PostmarkedEnvelope];

    private static FuzzReport RunEnvelope()
    {
        const string name = "EncryptionEnvelope.TryParse (+decrypt, verify)";
        var rng = FuzzRunner.Rng(name);
        var cases = JsonCorpus("envelope", Envelope.CanonicalJson, rng, 60)
            .Concat(JsonCorpus("envelope-npm", EnvelopeNpm.CanonicalJson, rng, 30, huge: false).Where((_, i) => i % 6 == 0))
            .Concat(JsonCorpus("envelope-postmarked", PostmarkedEnvelope.CanonicalJson, rng, 30, huge: false).Where((_, i) => i % 6 == 0));
        var infos = new[] { new DeliveryInformation("bob.eth", "alice.eth"), new DeliveryInformation("bob.eth", "alice.eth", "https://ds.example/reply") };
        var signedTexts = EnvelopeSeeds.Select(e => e.Metadata.SignedText).ToHashSet(StringComparer.Ordinal);
        var decryptor = new DeliveryInformationDecryptor(Ds.EncryptionPrivateKey);
        return FuzzRunner.RunText(name, cases, s =>
        {
            if (!EncryptionEnvelope.TryParse(s, out var env, out var e))
            {
                return Outcome.Rejected(e);
            }

            return Outcome.Judge(First(
                () => Check(EncryptionEnvelope.TryParse(env.CanonicalJson, out var again, out _) && again.CanonicalJson == env.CanonicalJson, "CanonicalJson does not re-parse to itself"),
                () => Check(env.Size == System.Text.Encoding.UTF8.GetByteCount(env.CanonicalJson), "Size is not the UTF-8 length of CanonicalJson"),
                // exactly "0x" + 64 lower-case hex digits: the hash is the envelope's storage id (see FuzzRegressionTests).
                () => Check(HashPattern().IsMatch(env.MessageHash), "MessageHash is not 0x + 64 lower-case hex"),
                () => !env.TryDecryptMessage(Bob.EncryptionPrivateKey, out var m, out var me)
                    ? Check(me is { Code.Length: > 0, Message.Length: > 0 }, "message decryption failed without an error")
                    : Check(m.ToCanonicalJson() == MessageJson, "decryption produced a message that was never sent"),
                () => !decryptor.TryDecrypt(env, out var info, out var ie)
                    ? Check(ie is { Code.Length: > 0, Message.Length: > 0 }, "delivery-information decryption failed without an error")
                    : Check(infos.Contains(info), "decryption produced delivery information that was never sent"),
                () => Check(!env.Metadata.VerifySignature(Alice.SigningPublicKey) || signedTexts.Contains(env.Metadata.SignedText), "altered metadata still verifies"),
                // TryOpen only decrypts (matching is the caller's step), but what it opens must be the postmark the DS sealed.
                () => Postmarker.TryOpen(env, Bob.EncryptionPrivateKey, out var pm, out var pe)
                    ? Check(pm == SeedPostmark, "opened a postmark that the delivery service never issued")
                    : Check(pe is { Code.Length: > 0, Message.Length: > 0 }, "postmark opening failed without an error")));
        });
    }

    private static FuzzReport RunAsymmetricDecrypt()
    {
        const string name = "PayloadEncryption.TryDecryptAsymmetric";
        var rng = FuzzRunner.Rng(name);
        return FuzzRunner.RunText(name, JsonCorpus("payload", AsymmetricPayloadJson, rng, 200), s =>
        {
            if (!PayloadEncryption.TryDecryptAsymmetric(Bob.EncryptionPrivateKey, s, out var plaintext, out var e))
            {
                return Outcome.Rejected(e);
            }

            return Outcome.Judge(First(
                () => Check(plaintext == MessageText, "decrypted to a plaintext that was never encrypted"),
                () => Check(EncryptedPayload.TryParse(s, out _, out _), "EncryptedPayload.TryParse rejects what decryption accepted")));
        });
    }

    private static FuzzReport RunSymmetricDecrypt()
    {
        const string name = "PayloadEncryption.TryDecryptSymmetric";
        var rng = FuzzRunner.Rng(name);
        return FuzzRunner.RunText(name, JsonCorpus("payload", SymmetricPayloadJson, rng, 150, huge: false), s =>
            PayloadEncryption.TryDecryptSymmetric(SymmetricKey, s, out var plaintext, out var e)
                ? Outcome.Judge(Check(plaintext == MessageText, "decrypted to a plaintext that was never encrypted"))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunMessage()
    {
        const string name = "Message.TryParse";
        var rng = FuzzRunner.Rng(name);
        return FuzzRunner.RunText(name, JsonCorpus("message", MessageJson, rng, 120, huge: false), s =>
        {
            if (!Message.TryParse(s, out var m, out var e))
            {
                return Outcome.Rejected(e);
            }

            return Outcome.Judge(First(
                () => SameContent(s, m.ToCanonicalJson()),
                () => Check(!m.VerifySignature(Alice.SigningPublicKey) || m.SignedText == SeedMessage.SignedText, "an altered message still verifies")));
        });
    }

    private static FuzzReport RunDeliveryInformation()
    {
        const string name = "DeliveryInformation.TryParse";
        var rng = FuzzRunner.Rng(name);
        return FuzzRunner.RunText(name, JsonCorpus("info", DeliveryInformationJson, rng, 100, huge: false), s =>
            DeliveryInformation.TryParse(s, out var info, out var e)
                ? Outcome.Judge(First(
                    () => SameContent(s, info.ToCanonicalJson()),
                    () => Check(DeliveryInformation.TryParse(info.ToCanonicalJson(), out var again, out _) && again == info, "does not round trip")))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunPostmark()
    {
        const string name = "Postmark.TryParse";
        var rng = FuzzRunner.Rng(name);
        return FuzzRunner.RunText(name, JsonCorpus("postmark", SeedPostmark.ToCanonicalJson(), rng, 100, huge: false), s =>
            Postmark.TryParse(s, out var pm, out var e)
                ? Outcome.Judge(First(
                    () => SameContent(s, pm.ToCanonicalJson()),
                    () => Check(!pm.VerifySignature(Ds.SigningPublicKey) || pm.SignedText == SeedPostmark.SignedText, "an altered postmark still verifies")))
                : Outcome.Rejected(e));
    }

    // ------------------------------------------------------------------ JWT

    private static FuzzReport RunJwt(bool auth)
    {
        var name = auth ? "DeliveryServiceJwt.TryVerifyAuthToken" : "DeliveryServiceJwt.TryVerifyChallenge";
        var seed = auth ? AuthToken : ChallengeToken;
        var rng = FuzzRunner.Rng(name);
        var parts = seed.Split('.');
        var header = System.Text.Encoding.UTF8.GetString(Base64UrlDecode(parts[0]));
        var payload = System.Text.Encoding.UTF8.GetString(Base64UrlDecode(parts[1]));

        IEnumerable<FuzzCase<string>> Structured()
        {
            // Claim and header mutations, correctly signed with the real key: only the claim checks stand in the way.
            foreach (var c in JsonMutator.Mutations("payload", payload, rng).Where(c => c.Input.Length < 10_000))
            {
                yield return new("resigned-" + c.Id, SignJwt(header, c.Input));
            }

            foreach (var c in JsonMutator.Mutations("header", header, rng).Where(c => c.Input.Length < 10_000))
            {
                yield return new("resigned-" + c.Id, SignJwt(c.Input, payload));
            }

            yield return new("alg-none", Base64Url(System.Text.Encoding.UTF8.GetBytes("{\"alg\":\"none\",\"typ\":\"JWT\"}")) + "." + parts[1] + ".");
            yield return new("alg-none-resigned", SignJwt("{\"alg\":\"none\"}", payload));
            yield return new("alg-HS512-resigned", SignJwt("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", payload));
            yield return new("alg-hs256-lowercase", SignJwt("{\"alg\":\"hs256\"}", payload));
            yield return new("no-signature", parts[0] + "." + parts[1] + ".");
            yield return new("two-parts", parts[0] + "." + parts[1]);
            yield return new("four-parts", seed + "." + parts[2]);
            yield return new("swapped-header-payload", parts[1] + "." + parts[0] + "." + parts[2]);
            yield return new("padded-signature", seed + "=");
            yield return new("standard-alphabet", seed.Replace('-', '+').Replace('_', '/'));
            yield return new("signature-of-other-key", SignJwt(header, payload, Hashes.Sha256(JwtKey)));
            yield return new("empty-key-signature", SignJwt(header, payload, []));
            for (var p = 0; p < 3; p++)
            {
                // The unused low bits of the last base64url character: a second spelling of the same bytes.
                var segment = parts[p];
                var unused = (segment.Length % 4) switch { 2 => 4, 3 => 2, _ => 0 };
                for (var bit = 0; bit < unused; bit++)
                {
                    var value = B64UrlAlphabet.IndexOf(segment[^1], StringComparison.Ordinal) ^ (1 << bit);
                    var spelled = segment[..^1] + B64UrlAlphabet[value];
                    var copy = (string[])parts.Clone();
                    copy[p] = spelled;
                    yield return new($"segment{p}-unused-bit{bit}", string.Join('.', copy));
                }
            }

            yield return new("expired-resigned", SignJwt(header, payload.Replace((NowSeconds - 10 + (auth ? 3600 : 900)).ToString(System.Globalization.CultureInfo.InvariantCulture), (NowSeconds - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)));
            yield return new("long-token", seed + new string('A', 9000));
        }

        var cases = Structured().Concat(TextCorpus("token", seed, rng, 200, 300));
        return FuzzRunner.RunText(name, cases, token =>
        {
            bool ok;
            ProtocolError? error;
            string? account;
            long iat, nbf, exp;
            if (auth)
            {
                ok = DeliveryServiceJwt.TryVerifyAuthToken(JwtKey, token, NowSeconds, out var claims, out error);
                (account, iat, nbf, exp) = ok ? (claims!.Account, claims.IssuedAt, claims.NotBefore, claims.Expires) : (null, 0, 0, 0);
            }
            else
            {
                ok = DeliveryServiceJwt.TryVerifyChallenge(JwtKey, token, NowSeconds, out var claims, out error);
                (account, iat, nbf, exp) = ok ? (claims!.Account, claims.IssuedAt, claims.NotBefore, claims.Expires) : (null, 0, 0, 0);
            }

            return ok ? Outcome.Judge(JudgeJwt(token, seed, account!, iat, nbf, exp)) : Outcome.Rejected(error);
        });
    }

    private const string B64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static string? JudgeJwt(string token, string seed, string account, long iat, long nbf, long exp)
    {
        if (token == seed)
        {
            return null;
        }

        var parts = token.Split('.');
        var seedParts = seed.Split('.');
        if (parts.Length == 3 && parts[0] == seedParts[0] && parts[1] == seedParts[1])
        {
            return "a different signature text verifies for the same header and payload (signature malleability)";
        }

        var expected = Base64Url(HMACSHA256.HashData(JwtKey, System.Text.Encoding.ASCII.GetBytes(parts[0] + "." + parts[1])));
        if (parts.Length != 3 || parts[2] != expected)
        {
            return "accepted a token whose signature is not the canonical HMAC of its header and payload";
        }

        try
        {
            var h = JsonNode.Parse(Base64UrlDecode(parts[0]))!.AsObject();
            var p = JsonNode.Parse(Base64UrlDecode(parts[1]))!.AsObject();
            return First(
                () => Check((string?)h["alg"] == "HS256", "alg is not HS256"),
                () => Check((string?)p["account"] == account, "account claim differs from the payload"),
                // JSON numbers are doubles (JSON.parse semantics): 1e-400 is 0, 1e3 is 1000.
                () => Check(p["iat"]!.GetValue<double>() == iat && p["nbf"]!.GetValue<double>() == nbf && p["exp"]!.GetValue<double>() == exp, "time claims differ from the payload"),
                () => Check(exp > NowSeconds, "an expired token was accepted"),
                () => Check(nbf <= NowSeconds + DeliveryServiceJwt.ClockSkewSeconds && iat <= NowSeconds + DeliveryServiceJwt.ClockSkewSeconds, "a not-yet-valid token was accepted"));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            return "an independent JSON reader cannot read the accepted header/payload: " + ex.Message;
        }
    }

    private static string SignJwt(string headerJson, string payloadJson, byte[]? key = null)
    {
        var input = Base64Url(System.Text.Encoding.UTF8.GetBytes(headerJson)) + "." + Base64Url(System.Text.Encoding.UTF8.GetBytes(payloadJson));
        return input + "." + Base64Url(HMACSHA256.HashData(key ?? JwtKey, System.Text.Encoding.ASCII.GetBytes(input)));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64UrlDecode(string s)
    {
        var standard = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(standard + new string('=', (4 - (standard.Length % 4)) % 4));
    }

    // ------------------------------------------------------------------ signatures and addresses

    private static FuzzReport RunPersonalSigner()
    {
        const string name = "Ethereum.TryRecoverPersonalSigner";
        var rng = FuzzRunner.Rng(name);
        var sig = Convert.FromHexString(SignatureHex[2..]);
        var r = sig[..32];
        var s = sig[32..64];
        var v = sig[64];

        var cases = SignatureHexCases(SignatureHex, rng, 200).Concat(TextCorpus("sig-hex", SignatureHex, rng, 200, 140));
        return FuzzRunner.RunText(name, cases, text =>
        {
            if (!Ethereum.TryRecoverPersonalSigner(SignedText, text, out var address, out var e))
            {
                return Outcome.Rejected(e);
            }

            return Outcome.Judge(JudgeRecovered(text, address, r, s, v));
        });
    }

    /// <summary>Structured mutations of a 65-byte signature in hex: byte havoc, every odd v, high s, r/s at 0 and n, wrong lengths and prefixes.</summary>
    private static IEnumerable<FuzzCase<string>> SignatureHexCases(string signatureHex, Random rng, int havoc)
    {
        var sig = Convert.FromHexString(signatureHex[2..]);
        var r = sig[..32];
        var s = sig[32..64];
        var v = sig[64];
        var SignatureHex = signatureHex;

        IEnumerable<FuzzCase<string>> Structured()
        {
            foreach (var c in ByteMutator.Havoc("sig-bytes", sig, rng, havoc))
            {
                yield return new(c.Id, "0x" + Convert.ToHexStringLower(c.Input));
            }

            foreach (var vv in new byte[] { 0, 1, 2, 26, 29, 30, 31, 35, 36, 37, 38, 127, 255 })
            {
                yield return new($"v={vv}", Hex(r, s, [vv]));
            }

            var highS = (N - new BigInteger(s, isUnsigned: true, isBigEndian: true)).ToByteArray(isUnsigned: true, isBigEndian: true);
            yield return new("high-s", Hex(r, Pad32(highS), [(byte)(v ^ 1)]));
            yield return new("high-s-same-v", Hex(r, Pad32(highS), [v]));
            yield return new("r=0", Hex(new byte[32], s, [v]));
            yield return new("s=0", Hex(r, new byte[32], [v]));
            yield return new("r=n", Hex(Pad32(N.ToByteArray(isUnsigned: true, isBigEndian: true)), s, [v]));
            yield return new("s=n", Hex(r, Pad32(N.ToByteArray(isUnsigned: true, isBigEndian: true)), [v]));
            var rPlusN = new BigInteger(r, true, true) + N;
            if (rPlusN < BigInteger.Pow(2, 256))
            {
                yield return new("r+n", Hex(Pad32(rPlusN.ToByteArray(true, true)), s, [v]));
            }

            yield return new("r=ff..ff", Hex(Enumerable.Repeat((byte)0xFF, 32).ToArray(), s, [v]));
            yield return new("63-bytes", Hex(r, s[..31]));
            yield return new("66-bytes", Hex(r, s, [v, 0]));
            yield return new("odd-length", SignatureHex[..^1]);
            yield return new("odd-length-longer", SignatureHex + "0");
            yield return new("prefix-0X", "0X" + SignatureHex[2..]);
            yield return new("prefix-0x0x", "0x" + SignatureHex);
            yield return new("prefix-x", SignatureHex[1..]);
            yield return new("prefix-space", " " + SignatureHex);
            yield return new("upper-hex", "0x" + SignatureHex[2..].ToUpperInvariant());
            yield return new("fullwidth-digit", SignatureHex.Replace('0', '\uFF10'));
            yield return new("base64-instead-of-hex", Convert.ToBase64String(sig));
        }

        return Structured();
    }

    private static string? JudgeRecovered(string text, byte[] address, byte[] r0, byte[] s0, byte v0)
    {
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (hex.Length % 2 != 0 || !hex.All(char.IsAsciiHexDigit))
        {
            return "accepted a signature text that is not hexadecimal";
        }

        var bytes = Convert.FromHexString(hex);
        if (bytes.Length is not (64 or 65))
        {
            return $"accepted a {bytes.Length}-byte signature";
        }

        var r = bytes[..32];
        var s = (byte[])bytes[32..64].Clone();
        int parity;
        if (bytes.Length == 64)
        {
            parity = s[0] >> 7;
            s[0] &= 0x7F;
        }
        else
        {
            parity = bytes[64] switch { 0 or 27 => 0, 1 or 28 => 1, _ => -1 };
            if (parity < 0)
            {
                return $"accepted v = {bytes[64]}";
            }
        }

        var rv = new BigInteger(r, true, true);
        var sv = new BigInteger(s, true, true);
        if (rv.IsZero || sv.IsZero || rv >= N || sv >= N)
        {
            return "accepted r or s outside [1, n-1]";
        }

        if (sv > N / 2)
        {
            return "accepted a high-s signature";
        }

        var same = r.AsSpan().SequenceEqual(r0) && s.AsSpan().SequenceEqual(s0) && parity == v0 - 27;
        var isSigner = address.AsSpan().SequenceEqual(WalletAddress);
        return isSigner && !same ? "a different signature recovers the original signer"
            : !isSigner && same ? "the original signature recovered a different signer"
            : null;
    }

    private static byte[] Pad32(byte[] b) => b.Length >= 32 ? b[^32..] : [.. new byte[32 - b.Length], .. b];

    private static string Hex(params byte[][] parts) => "0x" + Convert.ToHexStringLower(parts.SelectMany(p => p).ToArray());

    private static FuzzReport RunCanonicalizeSignature()
    {
        const string name = "Secp256k1.TryCanonicalize";
        var rng = FuzzRunner.Rng(name);
        var sig = Convert.FromHexString(SignatureHex[2..]);
        var highS = Pad32((N - new BigInteger(sig[32..64], true, true)).ToByteArray(true, true));
        var structured = new FuzzCase<byte[]>[]
        {
            new("v=0", [.. sig[..64], 0]), new("v=1", [.. sig[..64], 1]), new("v=2", [.. sig[..64], 2]), new("v=29", [.. sig[..64], 29]),
            new("high-s", [.. sig[..32], .. highS, sig[64]]), new("r=0", [.. new byte[32], .. sig[32..]]), new("s=0", [.. sig[..32], .. new byte[32], sig[64]]),
            new("r=n", [.. Pad32(N.ToByteArray(true, true)), .. sig[32..]]), new("s=n", [.. sig[..32], .. Pad32(N.ToByteArray(true, true)), sig[64]]),
        };
        var cases = structured.Concat(BytesCorpus("sig", sig, rng, 250, 70));
        return FuzzRunner.RunBytes(name, cases, bytes =>
        {
            if (!Secp256k1.TryCanonicalize(bytes, out var canonical, out var e))
            {
                return Outcome.Rejected(e);
            }

            return Outcome.Judge(First(
                () => Check(bytes.Length == 65 && canonical.Length == 65, "accepted or produced something other than 65 bytes"),
                () => Check(canonical[64] is 27 or 28, "canonical v is not 27/28"),
                () => Check(new BigInteger(canonical[32..64], true, true) <= N / 2, "canonical s is high"),
                () => Check(canonical.AsSpan(0, 32).SequenceEqual(bytes.AsSpan(0, 32)), "r changed"),
                () => Check(Secp256k1.TryCanonicalize(canonical, out var again, out _) && again.AsSpan().SequenceEqual(canonical), "not idempotent")));
        });
    }

    private static FuzzReport RunAddress()
    {
        const string name = "Ethereum.TryParseAddress";
        var rng = FuzzRunner.Rng(name);
        var checksum = Ethereum.ToChecksumAddress(WalletAddress);
        var lower = Ethereum.ToLowerAddress(WalletAddress);
        var cases = TextCorpus("checksum", checksum, rng, 250)
            .Concat(TextMutator.Havoc("lower", lower, rng, 100))
            .Concat(TextMutator.Havoc("upper", "0x" + lower[2..].ToUpperInvariant(), rng, 50))
            .Concat(new FuzzCase<string>[]
            {
                new("prefix-0X", "0X" + checksum[2..]), new("no-prefix", checksum[2..]), new("prefix-0x0x", "0x" + checksum), new("odd-length", checksum[..^1]),
                new("41-digits", checksum + "0"), new("fullwidth", checksum.Replace('0', '\uFF10')), new("ens-name", "alice.eth"), new("0x", "0x"),
                new("upper-prefix-and-digits", "0X" + lower[2..].ToUpperInvariant()), new("32-byte-word", "0x" + new string('0', 24) + lower[2..]),
            });
        return FuzzRunner.RunText(name, cases, text =>
        {
            if (!Ethereum.TryParseAddress(text, out var address, out var e))
            {
                return Outcome.Rejected(e);
            }

            return Outcome.Judge(First(
                () => Check(text.Length == 42 && text.StartsWith("0x", StringComparison.Ordinal) && text[2..].All(char.IsAsciiHexDigit), "accepted text that is not 0x + 40 hex"),
                () => Check(Convert.FromHexString(text[2..]).AsSpan().SequenceEqual(address), "bytes differ from the text"),
                () => Check(text[2..].All(c => !char.IsAsciiLetterUpper(c)) || text[2..].All(c => !char.IsAsciiLetterLower(c)) || text == Ethereum.ToChecksumAddress(address), "a mixed-case address with a wrong checksum was accepted")));
        });
    }

    // ------------------------------------------------------------------ names

    private static FuzzReport RunDnsDecode()
    {
        const string name = "EnsNames.TryDnsDecode";
        var rng = FuzzRunner.Rng(name);
        var cases = DnsNameTexts.SelectMany((n, i) => BytesCorpus($"dns{i}", EnsNames.DnsEncode(n), rng, 60, 60))
            .Concat(new FuzzCase<byte[]>[]
            {
                new("pointer", [0xC0, 0x0C]), new("label-64", [64, .. Enumerable.Repeat((byte)'a', 64), 0]), new("no-terminator", [3, (byte)'e', (byte)'t', (byte)'h']),
                new("empty-label-mid", [1, (byte)'a', 0, 3, (byte)'e', (byte)'t', (byte)'h', 0]), new("dot-in-label", [3, (byte)'a', (byte)'.', (byte)'b', 0]),
                new("name-256", [.. Enumerable.Range(0, 5).SelectMany(_ => (byte[])[50, .. Enumerable.Repeat((byte)'a', 50)]), 4, .. "abcd"u8.ToArray(), 0]),
                new("overlong-utf8-label", [2, 0xC0, 0xAE, 0]), new("surrogate-utf8-label", [3, 0xED, 0xA0, 0x80, 0]),
            });
        return FuzzRunner.RunBytes(name, cases, bytes =>
            EnsNames.TryDnsDecode(bytes, out var decoded, out var e)
                ? Outcome.Judge(EnsNames.TryDnsEncode(decoded, out var encoded, out var ee)
                    ? Check(encoded.AsSpan().SequenceEqual(bytes), "decode/encode does not round trip")
                    : $"the decoded name cannot be encoded again ({ee.Code})")
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunEnsName()
    {
        const string name = "EnsNameRules.TryValidateName";
        var rng = FuzzRunner.Rng(name);
        var cases = EnsNameTexts.SelectMany((n, i) => TextCorpus($"name{i}", n, rng, 60, 60))
            .Concat(new FuzzCase<string>[] { new("xn--", "xn--abc.eth"), new("label-64", new string('a', 64) + ".eth"), new("double-dot", "a..eth"), new("name-254", string.Join('.', Enumerable.Repeat(new string('a', 62), 4)) + ".eth") });
        return FuzzRunner.RunText(name, cases, n =>
            EnsNameRules.TryValidateName(n, out var e)
                ? Outcome.Judge(First(
                    () => Check(NamePattern().IsMatch(n), "accepted characters outside [a-z0-9-] or empty labels"),
                    () => Check(System.Text.Encoding.UTF8.GetByteCount(n) <= EnsNameRules.MaxNameBytes && n.Split('.').All(l => l.Length <= 63), "accepted a name beyond the length limits"),
                    () => Check(n.Split('.').All(l => l.Length < 4 || l[2..4] != "--"), "accepted a label with -- at positions 3-4"),
                    () => Check(EnsNames.TryDnsEncode(n, out _, out _), "an accepted name has no DNS encoding")))
                : Outcome.Rejected(e));
    }

    [GeneratedRegex("^[a-z0-9-]+(\\.[a-z0-9-]+)*$")]
    private static partial Regex NamePattern();

    private static FuzzReport RunAddressName()
    {
        const string name = "AddressName.TryParse";
        var rng = FuzzRunner.Rng(name);
        var seed = EnsNameTexts[1];
        var cases = TextCorpus("addressName", seed, rng, 250, 100)
            .Concat(new FuzzCase<string>[]
            {
                new("checksum-label", Ethereum.ToChecksumAddress(WalletAddress) + ".addr.dm3.eth"), new("no-addr", seed.Replace(".addr.", ".", StringComparison.Ordinal)),
                new("no-parent", seed[..seed.IndexOf(".dm3", StringComparison.Ordinal)]), new("short-address", seed[..10] + seed[12..]),
            });
        return FuzzRunner.RunText(name, cases, n =>
            AddressName.TryParse(n, out var a, out var e)
                ? Outcome.Judge(First(
                    () => Check(AddressName.Format(a.Address, a.Parent) == n && a.Name == n, "Format does not reproduce the accepted name"),
                    () => Check(EnsNameRules.TryValidateName(n, out _), "accepted a name that the name rules reject")))
                : Outcome.Rejected(e));
    }

    // ------------------------------------------------------------------ ABI and CCIP

    private static FuzzReport RunAbi()
    {
        const string name = "AbiCodec.TryDecode";
        var rng = FuzzRunner.Rng(name);
        var cases = AbiPayloads.SelectMany((p, i) => BytesCorpus($"abi{i}", p.Data, rng, 80, 60).Select(c => new FuzzCase<(AbiType[], byte[])>(c.Id, (p.Types, c.Input))));
        return FuzzRunner.Run(name, cases, t =>
            AbiCodec.TryDecode(t.Item2, t.Item1, out var values, out var e)
                ? Outcome.Judge(Check(AbiCodec.Encode([.. values]).AsSpan().SequenceEqual(t.Item2), "decoded values re-encode differently (non-canonical encoding accepted)"))
                : Outcome.Rejected(e),
            t => $"types ({string.Join(',', t.Item1.Select(x => x.Name))}) data {FuzzRunner.DescribeBytes(t.Item2)}");
    }

    private static FuzzReport RunCcipRequest()
    {
        const string name = "CcipRequest.TryDecode";
        var rng = FuzzRunner.Rng(name);
        var cases = CcipCalldata.SelectMany((c, i) => BytesCorpus($"calldata{i}", c, rng, 100, 80));
        return FuzzRunner.RunBytes(name, cases, bytes =>
            CcipRequest.TryDecode(bytes, out var req, out var e)
                ? Outcome.Judge(First(
                    () => Check(req.Calldata.AsSpan().SequenceEqual(bytes), "Calldata is not the input"),
                    () => Check(EnsNames.Namehash(req.Name).AsSpan().SequenceEqual(req.Node), "Node is not the namehash of Name"),
                    () => Check(EnsNames.DnsEncode(req.Name).AsSpan().SequenceEqual(req.DnsName), "DnsName is not the encoding of Name"),
                    () => Check(EnsNameRules.TryValidateName(req.Name, out _), "Name breaks the name rules")))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunRevertData()
    {
        const string name = "OffchainLookup.TryDecodeRevertData";
        var rng = FuzzRunner.Rng(name);
        return FuzzRunner.RunBytes(name, BytesCorpus("revert", RevertData, rng, 250, 120), bytes =>
            OffchainLookup.TryDecodeRevertData(bytes, out var lookup, out var e)
                ? Outcome.Judge(Check(OffchainLookup.EncodeRevertData(lookup).AsSpan().SequenceEqual(bytes), "re-encoding differs"))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunResponseData()
    {
        const string name = "CcipSigning.TryDecodeResponseData";
        var rng = FuzzRunner.Rng(name);
        return FuzzRunner.RunBytes(name, BytesCorpus("response", ResponseData, rng, 250, 120), bytes =>
        {
            if (!CcipSigning.TryDecodeResponseData(bytes, out var response, out var e))
            {
                return Outcome.Rejected(e);
            }

            var reencoded = AbiCodec.Encode(new AbiValue.Bytes(response.Result), AbiValue.Uint.U64(response.Expires), new AbiValue.Bytes(response.Signature));
            return Outcome.Judge(First(
                () => Check(reencoded.AsSpan().SequenceEqual(bytes), "re-encoding differs"),
                () => CcipSigning.TryRecoverSigner(ResolverFamily.EnsOffchainResolver, Resolver, CcipCalldata[0], response, out var signer, out var se)
                    ? Check(!signer.AsSpan().SequenceEqual(WalletAddress) || bytes.AsSpan().SequenceEqual(ResponseData), "an altered response recovers the gateway signer")
                    : Check(se is { Code.Length: > 0, Message.Length: > 0 }, "signer recovery failed without an error")));
        });
    }

    private static FuzzReport RunGetPath()
    {
        const string name = "CcipHttp.TryParseGetPath";
        var rng = FuzzRunner.Rng(name);
        var path = CcipHttp.FormatGetPath(Resolver, CcipCalldata[0]);
        var cases = TextCorpus("get", path, rng, 250, 200)
            .Concat(TextMutator.Havoc("get-no-suffix", CcipHttp.FormatGetPath(Resolver, CcipCalldata[1], jsonSuffix: false), rng, 80))
            .Concat(new FuzzCase<string>[]
            {
                new("double-json", path + ".json"), new("no-leading-slash", path[1..]), new("double-slash", "/" + path), new("query", path + "?x=1"),
                new("huge-calldata", CcipHttp.FormatGetPath(Resolver, new byte[20_000])), new("encoded-slash", path.Replace("/0x", "%2F0x", StringComparison.Ordinal)),
            });
        return FuzzRunner.RunText(name, cases, p =>
            CcipHttp.TryParseGetPath(p, out var call, out var e)
                ? Outcome.Judge(First(
                    () => Check(call.Sender.Length == 20, "sender is not 20 bytes"),
                    () => Check(string.Equals(CcipHttp.FormatGetPath(call.Sender, call.Calldata, p.EndsWith(".json", StringComparison.Ordinal)), p, StringComparison.OrdinalIgnoreCase), "the parsed call formats to a different path")))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunPostBody()
    {
        const string name = "CcipHttp.TryParsePostBody";
        var rng = FuzzRunner.Rng(name);
        var body = CcipHttp.FormatPostBody(Resolver, CcipCalldata[2]);
        return FuzzRunner.RunText(name, JsonCorpus("post", body, rng, 200), b =>
        {
            if (!CcipHttp.TryParsePostBody(b, out var call, out var e))
            {
                return Outcome.Rejected(e);
            }

            try
            {
                var o = JsonNode.Parse(b)!.AsObject();
                var data = (string)o["data"]!;
                var sender = (string)o["sender"]!;
                return Outcome.Judge(First(
                    () => Check(Convert.FromHexString(data[2..]).AsSpan().SequenceEqual(call.Calldata) && data.StartsWith("0x", StringComparison.OrdinalIgnoreCase), "calldata differs from the body"),
                    () => Check(Convert.FromHexString(sender[2..]).AsSpan().SequenceEqual(call.Sender) && call.Sender.Length == 20, "sender differs from the body")));
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or NullReferenceException or ArgumentException)
            {
                if (!CanonicalJson.TryParse(b, out _, out var strict) && strict.Code == "json.lone_surrogate")
                {
                    return Outcome.Lenient("the body holds a lone surrogate (in an ignored member), which the strict JSON reader rejects");
                }

                return Outcome.Wrong("an independent reader cannot read data/sender from the accepted body: " + ex.Message);
            }
        });
    }

    // ------------------------------------------------------------------ EIP-4361 and linked profiles

    private static FuzzReport RunSiwe()
    {
        const string name = "SiweMessage.TryParse";
        var rng = FuzzRunner.Rng(name);
        var cases = TextCorpus("full", SiweFull, rng, 200, 200).Concat(TextCorpus("ours", SiweOurs, rng, 150, 120));
        return FuzzRunner.RunText(name, cases, t =>
            SiweMessage.TryParse(t, out var m, out var e)
                ? Outcome.Judge(Check(m.TryFormat(out var text, out _) && text == t, "the parsed message formats to a different text"))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunSiweStrict()
    {
        const string name = "Dm3Siwe.TryParseStrict";
        var rng = FuzzRunner.Rng(name);
        return FuzzRunner.RunText(name, TextCorpus("ours", SiweOurs, rng, 250, 200), t =>
            Dm3Siwe.TryParseStrict(t, out var m, out var e)
                ? Outcome.Judge(Check(Dm3Siwe.TryFormatStrict(m, out var text, out _) && text == t, "the parsed message formats to a different text"))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunLinkMessage()
    {
        const string name = "LinkMessage.TryParse";
        var rng = FuzzRunner.Rng(name);
        return FuzzRunner.RunText(name, TextCorpus("link", LinkMessageText, rng, 250, 200), t =>
            LinkMessage.TryParse(t, out var m, out var e)
                ? Outcome.Judge(Check(m.TryFormat(out var text, out _) && text == t, "the parsed link message formats to a different text"))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunAttestation()
    {
        const string name = "LinkAttestation.TryParseRecordValue";
        var rng = FuzzRunner.Rng(name);
        var record = Attestation.ToRecordValue();
        var json = record[LinkAttestation.RecordPrefix.Length..];
        var cases = JsonMutator.Mutations("attestation", json, rng).Select(c => new FuzzCase<string>(c.Id, LinkAttestation.RecordPrefix + c.Input))
            .Concat(TextCorpus("record", record, rng, 150, 120));
        return FuzzRunner.RunText(name, cases, t =>
            LinkAttestation.TryParseRecordValue(t, out var a, out var e)
                ? Outcome.Judge(First(
                    () => Check(!a.VerifySignature(MainProfileKeys.PublicKey32) || a.UnsignedCanonicalJson() == Attestation.UnsignedCanonicalJson(), "an altered attestation still verifies"),
                    () => Check(a.TryToRecordValue(out var again, out _) && LinkAttestation.TryParseRecordValue(again, out var a2, out _) && a2.CanonicalJsonText() == a.CanonicalJsonText(), "does not round trip")))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunLinkObject()
    {
        const string name = "LinkObject.TryParse (LINK)";
        var rng = FuzzRunner.Rng(name);
        var json = LinkObject.ForLink(LinkMessageText, Ethereum.PersonalSign(WalletKey, LinkMessageText), LinkObject.OriginRandom, Lsp.ProfileSeed, Lsp.WalletPrivateKey, null).ToCanonicalJson();
        return FuzzRunner.RunText(name, JsonCorpus("linkObject", json, rng, 120, huge: false), t =>
            LinkObject.TryParse(t, LinkMessageType.Link, out var link, out var e)
                ? Outcome.Judge(First(
                    () => SameContent(t, link.ToCanonicalJson()),
                    () => Check(!link.VerifyWalletSignature() || link.LinkMessage == LinkMessageText, "an altered link message still verifies against the wallet")))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunCreationMessage()
    {
        const string name = "CreationMessage.TryParse";
        var rng = FuzzRunner.Rng(name);
        var text = new CreationMessage("app.myapp.example", "https://app.myapp.example/messaging", 1, WalletAddress, App, "0c1d2e3f405162738495a6b7c8d9eafb",
            DateTimeOffset.FromUnixTimeSeconds(NowSeconds)).Format();
        return FuzzRunner.RunText(name, TextCorpus("creation", text, rng, 200, 150), t =>
            CreationMessage.TryParse(t, out var m, out var e)
                ? Outcome.Judge(Check(m.TryFormat(out var again, out _) && again == t, "the parsed creation message formats to a different text"))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunLspBinding()
    {
        const string name = "LspBinding.TryParse";
        var rng = FuzzRunner.Rng(name);
        var text = new LspBinding(App, Lsp.LspName(App), WalletAddress, "5e4d3c2b1a0998877665544332211000").Format();
        return FuzzRunner.RunText(name, TextCorpus("binding", text, rng, 200, 200), t =>
            LspBinding.TryParse(t, out var b, out var e)
                ? Outcome.Judge(Check(b.TryFormat(out var again, out _) && again == t, "the parsed binding formats to a different text"))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunLspName()
    {
        const string name = "LspNames.TryParseLspName";
        var rng = FuzzRunner.Rng(name);
        return FuzzRunner.RunText(name, TextCorpus("lspName", Lsp.LspName(App), rng, 200, 100), t =>
            LspNames.TryParseLspName(t, out var address, out var parent, out var e)
                ? Outcome.Judge(Check(LspNames.LspName(address, parent) == t, "the parsed LSP name formats to a different name"))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunUrnName()
    {
        const string name = "Dm3Urn.TryDecodeName";
        var rng = FuzzRunner.Rng(name);
        var cases = TextCorpus("urn", Dm3Urn.EncodeName("caf\u00e9 b\u00fccher.eth"), rng, 150, 60)
            .Concat(TextCorpus("urn-ascii", Dm3Urn.EncodeName(Lsp.LspName(App)), rng, 100, 60))
            .Concat(new FuzzCase<string>[] { new("lower-hex", "caf%c3%a9.eth"), new("over-encoded", "%61lice.eth"), new("truncated-escape", "a%C"), new("invalid-utf8", "a%C3%28"), new("surrogate-utf8", "%ED%A0%80"), new("percent-zero", "%00") });
        return FuzzRunner.RunText(name, cases, t =>
            Dm3Urn.TryDecodeName(t, out var decoded, out var e)
                ? Outcome.Judge(Check(Dm3Urn.EncodeName(decoded) == t, "accepted a non-canonical encoding"))
                : Outcome.Rejected(e));
    }

    private static FuzzReport RunRfc3339()
    {
        const string name = "Rfc3339.TryParse";
        var rng = FuzzRunner.Rng(name);
        var cases = TextCorpus("utc", "2025-01-15T12:01:00Z", rng, 200)
            .Concat(TextCorpus("offset-fraction", "2022-06-30T14:08:51.382-02:00", rng, 150))
            .Concat(new FuzzCase<string>[] { new("leap-second", "2016-12-31T23:59:60Z"), new("feb-29-non-leap", "2021-02-29T00:00:00Z"), new("year-0", "0000-01-01T00:00:00Z"), new("lower-t-z", "2025-01-15t12:01:00z"), new("huge-fraction", "2025-01-15T12:01:00." + new string('9', 100_000) + "Z") });
        return FuzzRunner.RunText(name, cases, t =>
        {
            if (!Rfc3339.TryParse(t, out var value, out var e))
            {
                return Outcome.Rejected(e);
            }

            return DateTimeOffset.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var dotnet)
                ? Outcome.Judge(Check(Math.Abs((dotnet - value).TotalSeconds) < 1, $"parsed to {value:O}, .NET reads {dotnet:O}"))
                : Outcome.Lenient($"accepted as {value:O}; the .NET parser cannot read it");
        });
    }

    private static FuzzReport RunSiweVerify()
    {
        const string name = "SiweVerifier.Verify (text, signature)";
        var rng = FuzzRunner.Rng(name);
        var signature = Ethereum.PersonalSign(WalletKey, SiweOurs);
        var sig = Convert.FromHexString(signature[2..]);
        var expected = new SiweExpectations
        {
            Now = DateTimeOffset.FromUnixTimeSeconds(NowSeconds + 10),
            Domain = "app.myapp.example",
            Nonce = "a1b2c3d4e5f60718293a4b5c6d7e8f90",
            Address = WalletAddress,
        };
        var cases = TextCorpus("text", SiweOurs, rng, 150, 100).Select(c => new FuzzCase<(string, string)>(c.Id, (c.Input, signature)))
            .Concat(SignatureHexCases(signature, rng, 100).Concat(TextMutator.Havoc("sig-hex", signature, rng, 60)).Select(c => new FuzzCase<(string, string)>(c.Id, (SiweOurs, c.Input))))
            .Prepend(new("unmutated", (SiweOurs, signature)));
        return FuzzRunner.Run(name, cases, t =>
        {
            var verification = SiweVerifier.Verify(t.Item1, t.Item2, expected, SiweMode.Strict);
            if (!verification.IsValid)
            {
                return Outcome.Rejected(verification.Error);
            }

            return Outcome.Judge(First(
                () => Check(t.Item1 == SiweOurs, "an altered message text verifies"),
                () => JudgeRecovered(t.Item2, WalletAddress, sig[..32], sig[32..64], sig[64])));
        }, t => $"text {FuzzRunner.DescribeText(t.Item1)} signature {FuzzRunner.DescribeText(t.Item2)}");
    }

    private static FuzzReport RunCreationSignature()
    {
        const string name = "LspKeyDerivation.TryFromCreationSignature";
        var rng = FuzzRunner.Rng(name);
        var fields = new CreationMessage("app.myapp.example", "https://app.myapp.example/messaging", 1, WalletAddress, App, "0c1d2e3f405162738495a6b7c8d9eafb",
            DateTimeOffset.FromUnixTimeSeconds(NowSeconds));
        var signature = Ethereum.PersonalSign(WalletKey, fields.Format());
        var reference = LspKeyDerivation.TryFromCreationSignature(fields, signature, out var k, out var err) ? k : throw new InvalidOperationException(err.Message);
        var cases = SignatureHexCases(signature, rng, 150).Concat(TextCorpus("sig-hex", signature, rng, 100, 60));
        return FuzzRunner.RunText(name, cases, hex =>
            LspKeyDerivation.TryFromCreationSignature(fields, hex, out var keys, out var e)
                // Rule 5 canonicalises every accepted spelling of the owner's signature to the same key material.
                ? Outcome.Judge(Check(keys.WalletPrivateKey.AsSpan().SequenceEqual(reference.WalletPrivateKey) && keys.ProfileSeed.AsSpan().SequenceEqual(reference.ProfileSeed),
                    "an accepted signature spelling derives different LSP keys"))
                : Outcome.Rejected(e));
    }
}
