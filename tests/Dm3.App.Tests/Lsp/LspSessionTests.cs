using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Profiles;
using Dm3.Backend.Lsp;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Siwe;
using Microsoft.Extensions.DependencyInjection;
using static Dm3.App.Tests.Lsp.LspKit;

namespace Dm3.App.Tests.Lsp;

/// <summary>
/// <c>POST /lsp/v1/nonces</c> and <c>POST /lsp/v1/sessions</c> (§5, §16 items 4, 5, 6, 14b): every failure is 401
/// <c>invalid_proof</c>, stores no session and burns no nonce (the same nonce then opens a session).
/// </summary>
public sealed class LspSessionTests(LspHost host) : IClassFixture<LspHost>
{
    private readonly HttpClient _client = host.CreateClient();

    private DateTimeOffset Now => host.Clock.GetUtcNow();

    [Fact]
    public async Task Nonces_are_issued_for_the_three_purposes_and_refused_for_others_or_unknown_apps()
    {
        foreach (var purpose in new[] { "owner", "publish-link", "unpublish-link" })
        {
            var response = await _client.PostAsJsonAsync("/lsp/v1/nonces", new { app = LspHost.Parent, purpose });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.True(Dm3Siwe.IsOurNonce((string?)body["nonce"]));
            Assert.True(Rfc3339.IsStrictUtcSeconds((string?)body["issuedAt"]));
            Assert.True(Rfc3339.IsStrictUtcSeconds((string?)body["expirationTime"]));
            Assert.True(await host.NonceExistsAsync(purpose, (string)body["nonce"]!));
        }

        await AssertProblemAsync(await _client.PostAsJsonAsync("/lsp/v1/nonces", new { app = LspHost.Parent, purpose = "profile-update" }),
            HttpStatusCode.BadRequest, "invalid_request");
        await AssertProblemAsync(await _client.PostAsJsonAsync("/lsp/v1/nonces", new { app = "other.eth", purpose = "owner" }), HttpStatusCode.NotFound, "unknown_app");
    }

    [Fact]
    public async Task A_component_owner_proof_opens_a_session_once()
    {
        var owner = new TestWallet();
        var nonce = await NonceAsync(_client);
        var text = OwnerProof(owner, nonce, Now);

        var response = await PostSessionAsync(_client, text, owner.PersonalSign(text));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(owner.Checksum, (string?)body["owner"]);
        Assert.Equal(LspHost.Parent, (string?)body["app"]);
        Assert.Equal(["query", "register", "escrow", "delete"], body["scopes"]!.AsArray().Select(s => (string)s!));
        Assert.True(Dm3Siwe.IsOurNonce((string?)body["sessionId"]));
        Assert.Equal(43, ((string)body["token"]!).Length);
        Assert.Equal(Dm3Siwe.FormatTimestamp(Now + TimeSpan.FromSeconds(300)), (string?)body["expiresAt"]);
        Assert.False(await host.NonceExistsAsync("owner", nonce));
        var sessions = await host.RowsAsync(LspTableNames.Sessions);
        Assert.Contains(sessions, r => r.PartitionKey == LspSessionStore.Hash((string)body["token"]!));
        Assert.DoesNotContain(sessions, r => r.PartitionKey == (string)body["token"]!);

        var again = await PostSessionAsync(_client, text, owner.PersonalSign(text));
        await AssertProblemAsync(again, HttpStatusCode.Unauthorized, "invalid_proof");
    }

    [Fact]
    public async Task A_dapp_siwe_with_our_nonce_and_resources_opens_a_session_with_the_domain_scopes()
    {
        var owner = new TestWallet();
        var nonce = await NonceAsync(_client);
        // The dApp's own SIWE: its statement, millisecond timestamps, an extra resource, Request ID (§16 items 4, 14b).
        var issued = Now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) + "Z";
        var expires = (Now + TimeSpan.FromMinutes(5)).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) + "Z";
        var text = $"{LspHost.DappDomain} wants you to sign in with your Ethereum account:\n{owner.Checksum}\n\nSign in to the dApp.\n\n" +
            $"URI: https://{LspHost.DappDomain}/login\nVersion: 1\nChain ID: 1\nNonce: {nonce}\nIssued At: {issued}\nExpiration Time: {expires}\n" +
            "Request ID: abc\nResources:\n- https://dapp.example.com/terms\n- urn:dm3:lsp:app:myapp.eth\n- urn:dm3:lsp:scope:query\n- urn:dm3:lsp:scope:register";

        var response = await PostSessionAsync(_client, text, owner.PersonalSign(text));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(["query", "register"], body["scopes"]!.AsArray().Select(s => (string)s!));
    }

    public static TheoryData<string> Failures() =>
    [
        "wrong domain", "uri outside prefix", "wrong chain id", "expired", "issued at in the future", "window over 600 s", "missing expiry",
        "extra whitespace", "reordered lines", "another wallet's signature", "scope the domain may not have", "nonce of another purpose",
        "nonce of another app", "unknown nonce", "dapp form with foreign uri",
    ];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_failing_owner_proof_is_401_invalid_proof_stores_nothing_and_burns_no_nonce(string failure)
    {
        var owner = new TestWallet();
        var nonce = await NonceAsync(_client);
        var otherPurpose = await NonceAsync(_client, "publish-link");
        var otherApp = await NonceAsync(_client, "owner", LspHost.MainParent);
        var now = Now;
        string text = failure switch
        {
            "wrong domain" => OwnerProof(owner, nonce, now, domain: "evil.example", uri: "https://evil.example/messaging"),
            "uri outside prefix" => OwnerProof(owner, nonce, now, uri: "https://app.myapp.example/other"),
            "wrong chain id" => OwnerProof(owner, nonce, now, chainId: 5),
            "expired" => OwnerProof(owner, nonce, now - TimeSpan.FromSeconds(400)),
            "issued at in the future" => OwnerProof(owner, nonce, now + TimeSpan.FromSeconds(120)),
            "window over 600 s" => OwnerProof(owner, nonce, now, lifetime: TimeSpan.FromSeconds(601)),
            "missing expiry" => RemoveLine(OwnerProof(owner, nonce, now), "Expiration Time: "),
            "extra whitespace" => OwnerProof(owner, nonce, now).Replace("Version: 1", "Version: 1 "),
            "reordered lines" => Swap(OwnerProof(owner, nonce, now), "Version: 1", "Chain ID: 1"),
            "scope the domain may not have" => OwnerProof(owner, nonce, now, ["query", "escrow"], LspHost.DappDomain, "https://dapp.example.com/x"),
            "nonce of another purpose" => OwnerProof(owner, otherPurpose, now),
            "nonce of another app" => OwnerProof(owner, otherApp, now),
            "unknown nonce" => OwnerProof(owner, Dm3Siwe.NewNonce(), now),
            "dapp form with foreign uri" => $"{LspHost.DappDomain} wants you to sign in with your Ethereum account:\n{owner.Checksum}\n\nHi.\n\n" +
                $"URI: https://elsewhere.example/\nVersion: 1\nChain ID: 1\nNonce: {nonce}\nIssued At: {Dm3Siwe.FormatTimestamp(now)}\n" +
                $"Expiration Time: {Dm3Siwe.FormatTimestamp(now + TimeSpan.FromMinutes(5))}\nResources:\n- urn:dm3:lsp:app:myapp.eth\n- urn:dm3:lsp:scope:query",
            _ => OwnerProof(owner, nonce, now),
        };
        var signature = failure == "another wallet's signature" ? new TestWallet().PersonalSign(text) : owner.PersonalSign(text);
        var sessionsBefore = (await host.RowsAsync(LspTableNames.Sessions)).Count;

        var response = await PostSessionAsync(_client, text, signature);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "invalid_proof");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("The proof was not accepted.", (string?)problem["detail"]);
        Assert.Equal(sessionsBefore, (await host.RowsAsync(LspTableNames.Sessions)).Count);
        Assert.True(await host.NonceExistsAsync("owner", nonce));
        Assert.True(await host.NonceExistsAsync("publish-link", otherPurpose));
        Assert.True(await host.NonceExistsAsync("owner", otherApp));

        // Not burnt: the same nonce still opens a session with a valid proof.
        var valid = OwnerProof(owner, nonce, now);
        Assert.Equal(HttpStatusCode.Created, (await PostSessionAsync(_client, valid, owner.PersonalSign(valid))).StatusCode);
    }

    [Fact]
    public async Task Two_concurrent_uses_of_one_nonce_open_exactly_one_session()
    {
        var owner = new TestWallet();
        var nonce = await NonceAsync(_client);
        var text = OwnerProof(owner, nonce, Now);
        var signature = owner.PersonalSign(text);

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostSessionAsync(_client, text, signature)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
    }

    [Fact]
    public async Task A_malformed_body_is_400_invalid_request()
    {
        await AssertProblemAsync(await _client.PostAsync("/lsp/v1/sessions", Json(new JsonObject { ["message"] = 1 })), HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Session_routes_answer_401_invalid_session_without_a_valid_bearer()
    {
        foreach (var token in new[] { null, "not-a-token", new string('a', 43) })
        {
            var session = token is null ? null : new TestSession(token, "", new byte[20]);
            var response = await _client.SendAsync(Authorized(HttpMethod.Post, "/lsp/v1/profiles/query", session, new JsonObject()));
            await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "invalid_session");
        }

        // Whatever the body: no session, no other answer.
        await AssertProblemAsync(await _client.PostAsync("/lsp/v1/profiles/query", new StringContent("not json")), HttpStatusCode.Unauthorized, "invalid_session");
        await AssertProblemAsync(await _client.PostAsync("/lsp/v1/profiles/query", null), HttpStatusCode.Unauthorized, "invalid_session");
    }

    [Fact]
    public async Task An_expired_session_is_401_and_the_sweeper_removes_it_with_expired_nonces()
    {
        var session = await SessionAsync(_client, new TestWallet(), Now);
        var stale = await NonceAsync(_client);
        host.Clock.Advance(TimeSpan.FromSeconds(601));
        try
        {
            await AssertProblemAsync(await _client.SendAsync(Authorized(HttpMethod.Post, "/lsp/v1/profiles/query", session, new JsonObject())),
                HttpStatusCode.Unauthorized, "invalid_session");
            using var scope = host.Services.CreateScope();
            var sweep = await scope.ServiceProvider.GetRequiredService<LspSweeperHandler>().SweepAsync(CancellationToken.None);
            Assert.True(sweep.Sessions >= 1);
            Assert.True(sweep.Nonces >= 1);
            Assert.DoesNotContain(await host.RowsAsync(LspTableNames.Sessions), r => r.PartitionKey == LspSessionStore.Hash(session.Token));
            Assert.False(await host.NonceExistsAsync("owner", stale));
        }
        finally
        {
            host.Clock.Advance(TimeSpan.FromSeconds(-601));
        }
    }

    private static string RemoveLine(string text, string prefix) =>
        string.Join('\n', text.Split('\n').Where(l => !l.StartsWith(prefix, StringComparison.Ordinal)));

    private static string Swap(string text, string a, string b) => text.Replace(a, "\u0001").Replace(b, a).Replace("\u0001", b);
}
