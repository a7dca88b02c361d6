using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Delivery.Support;
using Dm3.Backend.Nonces;
using Dm3.Backend.Profiles;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Delivery;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Ens;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Siwe;
using static Dm3.App.Tests.Ccip.GatewayTestKit;

namespace Dm3.App.Tests.ReferenceDefects;

public sealed class ReferenceDefectFixture : IAsyncLifetime
{
    public ReferenceDefectFixture()
    {
        // Set before the host starts, so the program's configuration (environment variables) sees it (item 6).
        Environment.SetEnvironmentVariable(CanaryVariable, CanaryValue);
        Host = new DefectsHost();
    }

    public string CanaryVariable { get; } = "DM3_REFERENCE_DEFECTS_CANARY_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4));

    public string CanaryValue { get; } = "canary-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    internal DefectsHost Host { get; }

    internal HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = Host.CreateClient();
        await Host.WaitForStorageAsync();
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Environment.SetEnvironmentVariable(CanaryVariable, null);
    }
}

/// <summary>
/// dm3-wire-formats §14: one regression test per reference defect we do not copy. Each drives the real program over
/// HTTP (resolver, gateway, delivery service and queue pump on Azurite) and would fail if the reference behaviour
/// came back.
/// </summary>
public sealed class ReferenceDefectRegressionTests(ReferenceDefectFixture fixture) : IClassFixture<ReferenceDefectFixture>
{
    private const string Parent = DefectsHost.Parent;

    private HttpClient Client => fixture.Client;

    private DefectsHost Host => fixture.Host;

    // ------------------------------------------------------------------ 1. replayable fixed-string authorisations

    [Fact]
    public async Task Item01_there_are_no_fixed_string_alias_routes_and_a_wallet_proof_cannot_be_replayed_after_re_creation()
    {
        var user = new TestUser();
        await DeliveryKit.ClaimAsync(Client, user);
        var aliasName = "alice." + Parent;
        var aliasSignature = Ed25519.SignText(user.Keys.SigningPrivateKey, "alias: " + aliasName);
        var removeSignature = Ed25519.SignText(user.Keys.SigningPrivateKey, "remove: " + aliasName);
        var aliasBody = new JsonObject { ["signature"] = aliasSignature, ["addressName"] = user.Name, ["dm3Name"] = aliasName };
        var removeBody = new JsonObject { ["signature"] = removeSignature, ["dm3Name"] = aliasName };
        var namePBody = new JsonObject
        {
            ["signedUserProfile"] = user.Profile.ToJsonObject(), ["siweMessage"] = "x", ["siweSig"] = "0x00", ["hotAddr"] = user.Address,
        };

        foreach (var (path, body) in new[]
        {
            ("/resolver/profile/name", aliasBody), ("/resolver/profile/deleteName", removeBody), ("/resolver/profile/nameP", namePBody),
        })
        {
            var response = await Client.PostAsync(path, DeliveryKit.Json(body.DeepClone()));
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed,
                $"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        // At the root, /profile/{name} is the delivery service's profile submission (wire formats §10), so these paths
        // reach it with "name", "deleteName" and "nameP" as ENS names: the alias bodies fail its schema (400), and even a
        // validly signed profile is refused because no such name is hosted here (404). No alias handler answers.
        foreach (var (path, body) in new[] { ("/profile/name", aliasBody), ("/profile/deleteName", removeBody), ("/profile/nameP", namePBody) })
        {
            var response = await Client.PostAsync(path, DeliveryKit.Json(body.DeepClone()));
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed,
                $"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            var asProfile = await Client.PostAsync(path, DeliveryKit.Json(user.Profile.ToCanonicalJson()));
            Assert.Equal(HttpStatusCode.NotFound, asProfile.StatusCode);
        }

        var (aliasStatus, aliasBodyText) = await Resolve(ResolverFamily.EnsOffchainResolver, aliasName, Text(aliasName, ProfileTextRecord.ProfileKey));
        Assert.Equal(HttpStatusCode.OK, aliasStatus);
        Assert.Equal("", DecodeString(VerifyAnswer(aliasBodyText, ResolverFamily.EnsOffchainResolver, aliasName, Text(aliasName, ProfileTextRecord.ProfileKey)).Result));

        // The reference's replay: a removal authorisation seen once deletes the name again after it was re-created.
        var wallet = new Profiles.TestWallet(user.WalletKey);
        var nonce = await Profiles.ResolverTestKit.IssueNonceAsync(Client, NoncePurposes.ProfileDelete, Parent);
        var proof = Profiles.ResolverTestKit.Proof(wallet, nonce, DeleteProfileHandler.DeleteResource(user.Name), Host.Clock.GetUtcNow(), DefectsHost.Domain);
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(user.Name, proof)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/resolver/profile/" + user.Address)).StatusCode);

        // The deleted name is a tombstone: replaying the old (public) signed profile does not re-create it; the wallet must
        // authorise the re-creation like a replacement (decisions §13).
        var reclaim = Profiles.ResolverTestKit.ClaimBody(user.Profile, wallet.Checksum, "addr." + Parent);
        Assert.Equal(HttpStatusCode.Conflict, (await Client.PostAsync("/resolver/profile/address", DeliveryKit.Json(reclaim.DeepClone()))).StatusCode);
        var updateNonce = await Profiles.ResolverTestKit.IssueNonceAsync(Client, NoncePurposes.ProfileUpdate, Parent);
        reclaim["proof"] = Profiles.ResolverTestKit.Proof(wallet, updateNonce, ClaimAddressHandler.ProfileHashResource(user.Profile.Dm3Hash), Host.Clock.GetUtcNow(), DefectsHost.Domain);
        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync("/resolver/profile/address", DeliveryKit.Json(reclaim))).StatusCode);

        var replay = await DeleteAsync(user.Name, proof);

        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Equal(user.Profile.ToCanonicalJson(), await (await Client.GetAsync("/resolver/profile/" + user.Address)).Content.ReadAsStringAsync());
    }

    // ------------------------------------------------------------------ 2. SIWE without domain or nonce

    [Fact]
    public async Task Item02_wallet_proofs_with_a_wrong_domain_a_missing_or_unissued_nonce_or_no_expiry_are_rejected()
    {
        var user = new TestUser();
        await DeliveryKit.ClaimAsync(Client, user);
        var wallet = new Profiles.TestWallet(user.WalletKey);
        var replacement = user.OtherProfileOfSameWallet();
        var resource = ClaimAddressHandler.ProfileHashResource(replacement.Dm3Hash);
        var now = Host.Clock.GetUtcNow();

        string Sign(SiweMessage message) => Dm3Siwe.FormatStrict(message);
        SiweMessage Compose(string domain, string nonce, DateTimeOffset? expires) =>
            Dm3Siwe.Compose(domain, wallet.Address, "Update my dm3 profile.", "https://" + domain + "/", 1, nonce, now, expires, [resource]);

        var wrongDomain = Sign(Compose("evil.example.com", await NonceAsync(), now.AddMinutes(5)));
        var unissuedNonce = Sign(Compose(DefectsHost.Domain, Dm3Siwe.NewNonce(), now.AddMinutes(5)));
        var noExpiry = Sign(Compose(DefectsHost.Domain, await NonceAsync(), null));
        var withNonce = Sign(Compose(DefectsHost.Domain, await NonceAsync(), now.AddMinutes(5)));
        var noNonce = string.Join('\n', withNonce.Split('\n').Where(line => !line.StartsWith("Nonce: ", StringComparison.Ordinal)));
        Assert.DoesNotContain("Expiration Time:", noExpiry, StringComparison.Ordinal);
        Assert.DoesNotContain("Nonce:", noNonce, StringComparison.Ordinal);

        foreach (var text in new[] { wrongDomain, unissuedNonce, noExpiry, noNonce })
        {
            var proof = new JsonObject { ["message"] = text, ["signature"] = wallet.PersonalSign(text) };
            var response = await Client.PostAsync("/resolver/profile/address", DeliveryKit.Json(Profiles.ResolverTestKit.ClaimBody(replacement, wallet.Checksum, "addr." + Parent, proof)));
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest,
                $"accepted or mis-answered ({(int)response.StatusCode}) proof:\n{text}");
            Assert.Equal(user.Profile.ToCanonicalJson(), await StoredProfileAsync(user));
        }

        // The same request with a strict, fully bound message is accepted: the refusals above are the rules, not the setup.
        var valid = new JsonObject { ["message"] = withNonce, ["signature"] = wallet.PersonalSign(withNonce) };
        var accepted = await Client.PostAsync("/resolver/profile/address", DeliveryKit.Json(Profiles.ResolverTestKit.ClaimBody(replacement, wallet.Checksum, "addr." + Parent, valid)));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(replacement.ToCanonicalJson(), await StoredProfileAsync(user));
    }

    // ------------------------------------------------------------------ 3. JSON-RPC errors

    [Fact]
    public async Task Item03_rpc_failures_are_json_rpc_error_objects_with_codes_and_a_compatible_status()
    {
        var (alice, stranger, noAccount) = (new TestUser(), new TestUser(), new TestUser());
        await DeliveryKit.RegisterAsync(Client, alice);
        await DeliveryKit.ClaimWithoutAccountAsync(Client, noAccount, Host.Services);
        var toStranger = DeliveryKit.Envelope(alice, stranger, Host.DsEncryptionPublicKey);
        var toNoAccount = DeliveryKit.Envelope(alice, noAccount, Host.DsEncryptionPublicKey);
        var cases = new (string Body, int Code, string? Id)[]
        {
            ("{", -32700, null),
            ("[]", -32600, null),
            ("{\"jsonrpc\":\"2.0\",\"method\":\"dm3_nope\",\"params\":[],\"id\":7}", -32601, "7"),
            ("{\"jsonrpc\":\"2.0\",\"method\":\"dm3_submitMessage\",\"params\":[],\"id\":\"a\"}", -32602, "\"a\""),
            (DeliveryKit.SubmitCall(toStranger.Json.ToJsonString(), 9).ToJsonString(), -32014, "9"),
            (DeliveryKit.SubmitCall(toNoAccount.Json.ToJsonString(), 10).ToJsonString(), -32012, "10"),
            (DeliveryKit.SubmitCall("{\"message\":1}").ToJsonString(), -32602, null),
        };

        foreach (var (body, code, id) in cases)
        {
            var response = await Client.PostAsync("/rpc", DeliveryKit.Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            Assert.Equal("2.0", (string?)answer["jsonrpc"]);
            Assert.Equal(id ?? "null", answer["id"]?.ToJsonString() ?? "null");
            Assert.False(answer.ContainsKey("result"));
            Assert.Equal(code, (int)answer["error"]!["code"]!);
            Assert.False(string.IsNullOrEmpty((string?)answer["error"]!["message"]));
            Assert.False(string.IsNullOrEmpty((string?)answer["error"]!["data"]!["reason"]));
        }
    }

    // ------------------------------------------------------------------ 4. 200 on failed writes

    [Fact]
    public async Task Item04_a_conflicting_claim_answers_409_and_changes_nothing()
    {
        var user = new TestUser();
        await DeliveryKit.ClaimAsync(Client, user);
        var other = user.OtherProfileOfSameWallet();

        var response = await Client.PostAsync("/resolver/profile/address",
            DeliveryKit.Json(Profiles.ResolverTestKit.ClaimBody(other, Ethereum.ToChecksumAddress(Hex.Decode(user.Address)), "addr." + Parent)));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(user.Profile.ToCanonicalJson(), await StoredProfileAsync(user));
        var (_, body) = await Resolve(ResolverFamily.EnsOffchainResolver, user.Name, Text(user.Name, ProfileTextRecord.ProfileKey));
        var record = DecodeString(VerifyAnswer(body, ResolverFamily.EnsOffchainResolver, user.Name, Text(user.Name, ProfileTextRecord.ProfileKey)).Result);
        Assert.Equal(user.Profile.ToTextRecordValue(), record);
    }

    // ------------------------------------------------------------------ 5. owner address in public names

    [Fact]
    public async Task Item05_only_address_names_and_the_ds_name_are_issued_and_owner_bearing_names_are_refused()
    {
        var owner = new TestUser();
        var app = new TestUser();
        var appChecksum = Ethereum.ToChecksumAddress(Hex.Decode(app.Address));
        foreach (var subdomain in new[] { $"lsp.{owner.Address}.myapp-id.{Parent}", $"{owner.Address}.user.{Parent}", $"{owner.Address}.{Parent}", Parent })
        {
            var refused = await Client.PostAsync("/resolver/profile/address",
                DeliveryKit.Json(Profiles.ResolverTestKit.ClaimBody(app.Profile, appChecksum, subdomain)));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        var claimed = await Client.PostAsync("/resolver/profile/address",
            DeliveryKit.Json(Profiles.ResolverTestKit.ClaimBody(app.Profile, appChecksum, "addr." + Parent)));
        Assert.Equal(HttpStatusCode.Created, claimed.StatusCode);
        var issued = (string)JsonNode.Parse(await claimed.Content.ReadAsStringAsync())!["name"]!;
        Assert.Equal(app.Address + ".addr." + Parent, issued);
        Assert.True(AddressName.TryParse(issued, out var parsed, out _));
        Assert.Equal(Hex.Decode(app.Address), parsed.Address);

        // Nothing answers for an owner-bearing name; the DS name does.
        var lspName = $"lsp.{owner.Address[2..]}.myapp-id.{Parent}";
        var (status, body) = await Resolve(ResolverFamily.EnsOffchainResolver, lspName, Text(lspName, ProfileTextRecord.ProfileKey));
        if (status == HttpStatusCode.OK)
        {
            Assert.Equal("", DecodeString(VerifyAnswer(body, ResolverFamily.EnsOffchainResolver, lspName, Text(lspName, ProfileTextRecord.ProfileKey)).Result));
        }
        else
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
        }

        var dsQuery = Text(DefectsHost.DsName, ProfileTextRecord.DeliveryServiceKey);
        var (dsStatus, dsBody) = await Resolve(ResolverFamily.EnsOffchainResolver, DefectsHost.DsName, dsQuery);
        Assert.Equal(HttpStatusCode.OK, dsStatus);
        Assert.True(ProfileTextRecord.TryReadDeliveryServiceProfile(DecodeString(VerifyAnswer(dsBody, ResolverFamily.EnsOffchainResolver, DefectsHost.DsName, dsQuery).Result), out _, out _));
    }

    // ------------------------------------------------------------------ 6. secrets in logs

    [Fact]
    public async Task Item06_a_full_flow_logs_no_keys_tokens_signatures_profiles_ciphertexts_or_environment()
    {
        var (alice, bob) = (new TestUser(), new TestUser());
        var aliceToken = await DeliveryKit.RegisterAsync(Client, alice);
        var bobToken = await DeliveryKit.RegisterAsync(Client, bob);
        var challenge = await DeliveryKit.ChallengeAsync(Client, bob.Name);
        var challengeSignature = Ed25519.SignText(bob.Keys.SigningPrivateKey, challenge);
        var login = await Client.PostAsync($"/auth/{bob.Name}", DeliveryKit.Json(new JsonObject { ["signature"] = challengeSignature, ["challenge"] = challenge }));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var loginToken = JsonSerializer.Deserialize<string>(await login.Content.ReadAsStringAsync())!;

        // A refused login and a refused token are logged too, if anything is: they must not leak either.
        var forgedChallengeSignature = Ed25519.SignText(alice.Keys.SigningPrivateKey, challenge);
        await Client.PostAsync($"/auth/{bob.Name}", DeliveryKit.Json(new JsonObject { ["signature"] = forgedChallengeSignature, ["challenge"] = challenge }));
        await Client.SendAsync(DeliveryKit.Authorized(HttpMethod.Get, $"/delivery/messages/incoming/{bob.Name}", aliceToken));

        const string Secret = "the secret plaintext of a dm3 message";
        var envelope = DeliveryKit.Envelope(alice, bob, Host.DsEncryptionPublicKey, text: Secret);
        var (submitted, _) = await DeliveryKit.RpcAsync(Client, DeliveryKit.SubmitCall(envelope.Json.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, submitted);
        var inbox = await WaitForInboxAsync(bob, loginToken);
        var stored = EncryptionEnvelope.Parse(inbox[0]!.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, await DeliveryKit.AcknowledgeAsync(Client, bob, bobToken, (alice.Name, envelope.MessageHash)));

        // A gateway answer for the profile (signed by the gateway key).
        var query = Text(alice.Name, ProfileTextRecord.ProfileKey);
        var (gatewayStatus, _) = await Resolve(ResolverFamily.Dm3Resolver, alice.Name, query);
        Assert.Equal(HttpStatusCode.OK, gatewayStatus);

        var forbidden = new Dictionary<string, string>();
        void Key(string what, byte[] key)
        {
            forbidden[what + " (hex)"] = Convert.ToHexStringLower(key);
            forbidden[what + " (HEX)"] = Convert.ToHexString(key);
            forbidden[what + " (base64)"] = Convert.ToBase64String(key);
            forbidden[what + " (base64url)"] = Convert.ToBase64String(key).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }

        Key("DS encryption private key", Host.DsEncryptionKey);
        Key("DS signing private key", Host.DsSigningKey);
        Key("DS signing seed", Host.DsSigningKey[..32]);
        Key("gateway signer key", Host.GatewaySignerKey);
        Key("token secret", Host.TokenSecret);
        Key("owner index key", Host.OwnerIndexKey);
        foreach (var (who, user) in new[] { ("alice", alice), ("bob", bob) })
        {
            Key(who + " wallet key", user.WalletKey);
            Key(who + " profile signing key", user.Keys.SigningPrivateKey);
            Key(who + " profile seed", user.Keys.SigningPrivateKey[..32]);
            Key(who + " profile encryption key", user.Keys.EncryptionPrivateKey);
            forbidden[who + " storage key"] = user.Keys.StorageKey;
            forbidden[who + " profile signature"] = user.Profile.Signature;
            forbidden[who + " profile JSON"] = user.Profile.ToCanonicalJson();
            forbidden[who + " profile record"] = user.Profile.ToTextRecordValue();
        }

        foreach (var (what, token) in new[] { ("alice token", aliceToken), ("bob token", bobToken), ("login token", loginToken), ("challenge", challenge) })
        {
            forbidden[what] = token;
            var parts = token.Split('.');
            forbidden[what + " payload"] = parts[1];
            forbidden[what + " signature"] = parts[2];
            forbidden[what + " claims"] = Encoding.UTF8.GetString(Base64UrlDecode(parts[1]));
        }

        forbidden["challenge uuid"] = (string)JsonNode.Parse(Encoding.UTF8.GetString(Base64UrlDecode(challenge.Split('.')[1])))!["challenge"]!;
        forbidden["challenge signature"] = challengeSignature;
        forbidden["forged challenge signature"] = forgedChallengeSignature;
        forbidden["message plaintext"] = Secret;
        forbidden["envelope message (ciphertext)"] = envelope.Message;
        forbidden["message ciphertext"] = (string)JsonNode.Parse(envelope.Message)!["ciphertext"]!;
        forbidden["delivery information ciphertext"] = (string)JsonNode.Parse(envelope.Metadata.EncryptedDeliveryInformation!)!["ciphertext"]!;
        forbidden["envelope signature"] = envelope.Metadata.Signature;
        forbidden["postmark"] = stored.Postmark!;
        forbidden["environment canary"] = fixture.CanaryValue;

        var entries = Host.Logs.Entries;
        // The provider sees the program's logs at every level, start-up and the queue pump included.
        Assert.Contains(entries, e => e.Contains("dm3 runtime started", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Contains("[Trace]", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Contains("[Debug]", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Contains("DeliverEnvelope completed", StringComparison.Ordinal));
        var leaks = forbidden
            .Where(f => f.Value.Length >= 8)
            .SelectMany(f => entries.Where(e => e.Contains(f.Value, StringComparison.Ordinal)).Select(e => $"{f.Key}: {e}"))
            .ToList();
        Assert.True(leaks.Count == 0, "secrets in logs:\n" + string.Join("\n", leaks.Take(20)));
        Assert.DoesNotContain(entries, e => e.Contains(fixture.CanaryVariable, StringComparison.Ordinal));
    }

    // ------------------------------------------------------------------ 7. replay of an old signed profile

    [Fact]
    public async Task Item07_a_superseded_signed_profile_cannot_roll_the_delivery_account_back()
    {
        var user = new TestUser();
        await DeliveryKit.RegisterAsync(Client, user);
        var wallet = new Profiles.TestWallet(user.WalletKey);
        var newer = user.OtherProfileOfSameWallet();
        var nonce = await Profiles.ResolverTestKit.IssueNonceAsync(Client, NoncePurposes.ProfileUpdate, Parent);
        var proof = Profiles.ResolverTestKit.Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(newer.Dm3Hash), Host.Clock.GetUtcNow(), DefectsHost.Domain);
        var replaced = await Client.PostAsync("/resolver/profile/address", DeliveryKit.Json(Profiles.ResolverTestKit.ClaimBody(newer, wallet.Checksum, "addr." + Parent, proof)));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);

        var replay = await Client.PostAsync($"/profile/{user.Name}", DeliveryKit.Json(user.Profile.ToCanonicalJson()));

        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Equal(newer.ToCanonicalJson(), await (await Client.GetAsync($"/profile/{user.Name}")).Content.ReadAsStringAsync());
        // Even the current profile gets no token once the account exists (it is public): the challenge flow is the way in.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Client.PostAsync($"/profile/{user.Name}", DeliveryKit.Json(newer.ToCanonicalJson()))).StatusCode);
    }

    // ------------------------------------------------------------------ 8. 4xx for unsupported keys, 0x for missing records

    [Fact]
    public async Task Item08_unsupported_text_keys_and_missing_records_are_signed_zero_values_with_200()
    {
        var user = new TestUser();
        await DeliveryKit.ClaimAsync(Client, user);
        var unclaimed = new TestUser().Name;
        var cases = new (string Name, byte[] Inner, Action<byte[]> Check)[]
        {
            (user.Name, Text(user.Name, "com.twitter"), r => Assert.Equal("", DecodeString(r))),
            (user.Name, Text(user.Name, "avatar"), r => Assert.Equal("", DecodeString(r))),
            (user.Name, CcipCalls.ContentHash(Node(user.Name)), r => Assert.Empty(DecodeBytes(r))),
            (unclaimed, Text(unclaimed, ProfileTextRecord.ProfileKey), r => Assert.Equal("", DecodeString(r))),
            (unclaimed, Addr(unclaimed), r => Assert.Equal(new byte[20], DecodeAddress(r))),
            (unclaimed, AddrCoin(unclaimed, 60), r => Assert.Empty(DecodeBytes(r))),
        };

        foreach (var (name, inner, check) in cases)
        {
            var (status, body) = await Resolve(ResolverFamily.EnsOffchainResolver, name, inner);
            Assert.Equal(HttpStatusCode.OK, status);
            var answer = VerifyAnswer(body, ResolverFamily.EnsOffchainResolver, name, inner);
            Assert.NotEmpty(answer.Result); // never the reference's bare 0x
            check(answer.Result);
        }

        // The dm3 verifier ABI-decodes (bytes) text results: a missing profile is an encoded empty string there too.
        var dm3Query = Text(unclaimed, ProfileTextRecord.ProfileKey);
        var (dm3Status, dm3Body) = await Resolve(ResolverFamily.Dm3Resolver, unclaimed, dm3Query);
        Assert.Equal(HttpStatusCode.OK, dm3Status);
        Assert.Equal("", DecodeString(VerifyAnswer(dm3Body, ResolverFamily.Dm3Resolver, unclaimed, dm3Query).Result));
    }

    // ------------------------------------------------------------------ 9. multi-coin addr

    [Fact]
    public async Task Item09_addr_with_a_coin_type_is_served_for_ethereum_and_zero_for_other_coins()
    {
        var user = new TestUser();
        await DeliveryKit.ClaimAsync(Client, user);

        var eth = AddrCoin(user.Name, 60);
        var (status, body) = await Resolve(ResolverFamily.EnsOffchainResolver, user.Name, eth);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Hex.Decode(user.Address), DecodeBytes(VerifyAnswer(body, ResolverFamily.EnsOffchainResolver, user.Name, eth).Result));

        foreach (var coin in new[] { 0, 2, 501, unchecked((int)0x8000000A) & int.MaxValue })
        {
            var other = AddrCoin(user.Name, coin);
            var (otherStatus, otherBody) = await Resolve(ResolverFamily.EnsOffchainResolver, user.Name, other);
            Assert.Equal(HttpStatusCode.OK, otherStatus);
            Assert.Empty(DecodeBytes(VerifyAnswer(otherBody, ResolverFamily.EnsOffchainResolver, user.Name, other).Result));
        }

        var large = CcipCalls.AddrCoin(Node(user.Name), System.Numerics.BigInteger.Pow(2, 255));
        var (largeStatus, largeBody) = await Resolve(ResolverFamily.EnsOffchainResolver, user.Name, large);
        Assert.Equal(HttpStatusCode.OK, largeStatus);
        Assert.Empty(DecodeBytes(VerifyAnswer(largeBody, ResolverFamily.EnsOffchainResolver, user.Name, large).Result));
    }

    // ------------------------------------------------------------------ 10. long signature validity

    [Fact]
    public async Task Item10_gateway_signatures_expire_within_the_configured_300_seconds()
    {
        var user = new TestUser();
        await DeliveryKit.ClaimAsync(Client, user);
        var unclaimed = new TestUser().Name;
        foreach (var (family, name, inner) in new[]
        {
            (ResolverFamily.EnsOffchainResolver, user.Name, Text(user.Name, ProfileTextRecord.ProfileKey)),
            (ResolverFamily.Dm3Resolver, user.Name, Addr(user.Name)),
            (ResolverFamily.EnsOffchainResolver, unclaimed, Addr(unclaimed)),
        })
        {
            var now = (ulong)Host.Clock.GetUtcNow().ToUnixTimeSeconds();
            var (status, body) = await Resolve(family, name, inner);
            Assert.Equal(HttpStatusCode.OK, status);
            var data = Hex.Decode((string)JsonNode.Parse(body)!["data"]!);
            Assert.True(CcipSigning.TryDecodeResponseData(data, out var answer, out var error), error?.Message);
            Assert.True(answer.Expires > now, "already expired");
            Assert.True(answer.Expires - now <= 300, $"signature valid for {answer.Expires - now} s");
        }
    }

    // ------------------------------------------------------------------ 11. signing keys shared with the token secret

    [Fact]
    public async Task Item11_tokens_made_with_the_reference_secret_derived_from_the_ds_signing_key_are_rejected()
    {
        var user = new TestUser();
        var genuine = await DeliveryKit.RegisterAsync(Client, user);
        var referenceKey = ReferenceSecretDerivation.HmacKey(Host.DsSigningKey);
        var now = Host.Clock.GetUtcNow().ToUnixTimeSeconds();
        var forgedToken = DeliveryServiceJwt.CreateAuthToken(referenceKey, user.Name, now);
        Assert.True(DeliveryServiceJwt.TryVerifyAuthToken(referenceKey, forgedToken, now, out _, out _)); // well-formed for the reference

        var withForged = await Client.SendAsync(DeliveryKit.Authorized(HttpMethod.Get, $"/delivery/messages/incoming/{user.Name}", forgedToken));
        var withGenuine = await Client.SendAsync(DeliveryKit.Authorized(HttpMethod.Get, $"/delivery/messages/incoming/{user.Name}", genuine));

        Assert.Equal(HttpStatusCode.Unauthorized, withForged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withGenuine.StatusCode);

        // A challenge minted with the reference secret does not log in either, even when correctly signed.
        var forgedChallenge = DeliveryServiceJwt.CreateChallenge(referenceKey, user.Name, Guid.NewGuid().ToString(), now);
        var login = await DeliveryKit.LoginAsync(Client, user.Name, user.Keys.SigningPrivateKey, forgedChallenge);
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.False(referenceKey.AsSpan().SequenceEqual(Host.TokenSecret));
    }

    // ------------------------------------------------------------------ 12. unbounded inputs

    [Fact]
    public async Task Item12_bodies_over_256KiB_calldata_over_16KiB_and_names_over_255_bytes_are_refused()
    {
        var user = new TestUser();
        await DeliveryKit.RegisterAsync(Client, user);
        var huge = "{\"x\":\"" + new string('a', 300 * 1024) + "\"}";
        foreach (var path in new[] { "/rpc", $"/profile/{user.Name}", $"/auth/{user.Name}", "/resolver/profile/address", "/ccip" })
        {
            var response = await Client.PostAsync(path, DeliveryKit.Json(huge));
            Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"POST {path} with 300 KiB answered {(int)response.StatusCode}");
            if (path == "/rpc")
            {
                var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                Assert.Equal(-32600, (int)error["error"]!["code"]!);
            }
        }

        // Calldata: 16 KiB of hex is the maximum (POST); GET URLs stop at 4000 characters.
        var name = user.Name;
        var padded = CcipCalls.Text(Node(name), new string('k', 8 * 1024 + 100));
        var tooLong = Outer(ResolverFamily.EnsOffchainResolver, name, padded);
        Assert.True(Hex.Encode(tooLong).Length - 2 > 16 * 1024);
        var post = await Client.PostAsJsonAsync("/ccip", new { data = Hex.Encode(tooLong), sender = DefectsHost.EnsResolver });
        Assert.True(post.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, $"POST /ccip answered {(int)post.StatusCode}");
        var get = await Client.GetAsync(GetPath(DefectsHost.EnsResolver, tooLong));
        Assert.True(get.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestUriTooLong, $"GET /ccip answered {(int)get.StatusCode}");

        // Names over 255 bytes (DNS wire form) are refused by the gateway, the resolver and the delivery service.
        var longName = string.Join('.', Enumerable.Repeat(new string('a', 60), 5)) + "." + Parent; // 300+ bytes
        Assert.True(Encoding.UTF8.GetByteCount(longName) > 255);
        var dns = LongDnsName(longName);
        var inner = CcipCalls.Text(EnsNames.Namehash(longName), ProfileTextRecord.ProfileKey);
        var calldata = CcipCalls.Outer(ResolverFamily.EnsOffchainResolver, dns, inner);
        var gatewayAnswer = await Client.PostAsJsonAsync("/ccip", new { data = Hex.Encode(calldata), sender = DefectsHost.EnsResolver });
        Assert.Equal(HttpStatusCode.BadRequest, gatewayAnswer.StatusCode);
        Assert.True((await Client.GetAsync($"/auth/{longName}")).StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound);
        var claim = await Client.PostAsync("/resolver/profile/address", DeliveryKit.Json(Profiles.ResolverTestKit.ClaimBody(
            user.Profile, Ethereum.ToChecksumAddress(Hex.Decode(user.Address)), string.Join('.', Enumerable.Repeat(new string('b', 60), 4)) + ".addr." + Parent)));
        Assert.Equal(HttpStatusCode.BadRequest, claim.StatusCode);
    }

    // ------------------------------------------------------------------ helpers

    private async Task<HttpResponseMessage> DeleteAsync(string name, JsonObject proof)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/resolver/profile/" + name) { Content = DeliveryKit.Json(proof.DeepClone()) };
        return await Client.SendAsync(request);
    }

    private async Task<string> NonceAsync() => await Profiles.ResolverTestKit.IssueNonceAsync(Client, NoncePurposes.ProfileUpdate, Parent);

    private async Task<string> StoredProfileAsync(TestUser user) =>
        await (await Client.GetAsync("/resolver/profile/" + user.Address)).Content.ReadAsStringAsync();

    private static string SenderOf(ResolverFamily family) => family == ResolverFamily.Dm3Resolver ? DefectsHost.Dm3Resolver : DefectsHost.EnsResolver;

    private async Task<(HttpStatusCode Status, string Body)> Resolve(ResolverFamily family, string name, byte[] inner)
    {
        var (response, body) = await PostAsync(Client, SenderOf(family), Outer(family, name, inner));
        return (response.StatusCode, body);
    }

    private CcipResponseData VerifyAnswer(string body, ResolverFamily family, string name, byte[] inner) =>
        Verify(body, family, SenderOf(family), Outer(family, name, inner), Host.GatewaySignerAddress);

    private async Task<JsonArray> WaitForInboxAsync(TestUser user, string token)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var (status, envelopes, _) = await DeliveryKit.IncomingAsync(Client, user, token);
            Assert.Equal(HttpStatusCode.OK, status);
            if (envelopes!.Count > 0)
            {
                return envelopes;
            }

            Assert.True(DateTime.UtcNow < deadline, "the envelope was not delivered within 30 s");
            await Task.Delay(100);
        }
    }

    /// <summary>DNS wire form without the 255-byte limit (EnsNames.DnsEncode refuses such names, as it should).</summary>
    private static byte[] LongDnsName(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.Split('.'))
        {
            var utf8 = Encoding.UTF8.GetBytes(label);
            bytes.Add((byte)utf8.Length);
            bytes.AddRange(utf8);
        }

        bytes.Add(0);
        return [.. bytes];
    }

    private static byte[] Base64UrlDecode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
    }
}
