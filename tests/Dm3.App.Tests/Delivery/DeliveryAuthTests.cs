using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Delivery.Support;
using Dm3.Backend.Delivery;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Delivery;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.Delivery;

public sealed class DeliveryAuthFixture : IAsyncLifetime
{
    internal DeliveryHost Host { get; } = new(pump: false);

    internal HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = Host.CreateClient();
        await Host.WaitForStorageAsync();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>GET /hello, the challenge flow, bearer tokens and POST/GET /profile/{name}.</summary>
public sealed class DeliveryAuthTests(DeliveryAuthFixture fixture) : IClassFixture<DeliveryAuthFixture>
{
    private HttpClient Client => fixture.Client;

    private DeliveryHost Host => fixture.Host;

    [Fact]
    public async Task Hello_answers_Hello_DM3()
    {
        var response = await Client.GetAsync("/hello");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Hello DM3", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Posting_the_current_profile_never_returns_a_token_and_never_resets_the_account()
    {
        var user = new TestUser();
        var token = await DeliveryKit.RegisterAsync(Client, user);

        Assert.True(DeliveryServiceJwt.TryVerifyAuthToken(Secret(), token, Host.Clock.GetUtcNow().ToUnixTimeSeconds(), out var claims, out _));
        Assert.Equal(user.Name, claims.Account);
        var (status, envelopes, _) = await DeliveryKit.IncomingAsync(Client, user, token);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(envelopes!);

        var account = await Host.Tables.GetAsync(Host.Table("Accounts"), user.Address, "", CancellationToken.None);
        Assert.NotNull(account);

        // The profile is public: submitting it issues no token (401, use the challenge flow) and leaves the account
        // row as it was (not reset).
        Host.Clock.Advance(TimeSpan.FromSeconds(5));
        var again = await Client.PostAsync($"/profile/{user.Name}", DeliveryKit.Json(user.Profile.ToCanonicalJson()));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        var refusal = JsonNode.Parse(await again.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal("profile.account_exists", (string?)refusal["code"]);
        Assert.Contains("/auth/", (string?)refusal["error"], StringComparison.Ordinal);
        Assert.Equal(2, refusal.Count);
        var after = await Host.Tables.GetAsync(Host.Table("Accounts"), user.Address, "", CancellationToken.None);
        Assert.Equal(account.ETag, after!.ETag);
        Assert.Equal(account.GetDateTime("CreatedAt"), after.GetDateTime("CreatedAt"));
    }

    [Fact]
    public async Task Posting_the_profile_of_a_name_claimed_before_accounts_were_opened_at_claim_opens_it_but_gives_no_token()
    {
        var user = new TestUser();
        await DeliveryKit.ClaimAsync(Client, user);
        var opened = await Host.Tables.GetAsync(Host.Table("Accounts"), user.Address, "", CancellationToken.None);
        Assert.True((await Host.Tables.DeleteAsync(Host.Table("Accounts"), user.Address, "", opened!.ETag!, CancellationToken.None)).IsOk);

        var response = await Client.PostAsync($"/profile/{user.Name}", DeliveryKit.Json(user.Profile.ToCanonicalJson()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotNull(await Host.Tables.GetAsync(Host.Table("Accounts"), user.Address, "", CancellationToken.None));
        Assert.Equal(HttpStatusCode.OK, (await DeliveryKit.LoginAsync(Client, user.Name, user.Keys.SigningPrivateKey)).StatusCode);
    }

    [Fact]
    public async Task Anyone_posting_the_public_profile_of_an_existing_account_cannot_read_or_acknowledge_its_inbox()
    {
        var (alice, bob) = (new TestUser(), new TestUser());
        await DeliveryKit.RegisterAsync(Client, alice);
        await DeliveryKit.RegisterAsync(Client, bob);
        var envelope = DeliveryKit.Envelope(alice, bob, Host.DsEncryptionPublicKey, text: "private");
        Assert.Equal("OK", (string?)(await DeliveryKit.RpcAsync(Client, DeliveryKit.SubmitCall(envelope.Json.ToJsonString()))).Body["result"]);

        // The attacker fetches bob's current (public) profile and posts it back.
        var publicProfile = await (await Client.GetAsync($"/profile/{bob.Name}")).Content.ReadAsStringAsync();
        var attempt = await Client.PostAsync($"/profile/{bob.Name}", DeliveryKit.Json(publicProfile));

        Assert.Equal(HttpStatusCode.Unauthorized, attempt.StatusCode);
        var body = await attempt.Content.ReadAsStringAsync();
        Assert.Equal("profile.account_exists", (string?)JsonNode.Parse(body)!["code"]);
        Assert.DoesNotContain("eyJ", body, StringComparison.Ordinal);
        Assert.Single(await Host.RowsAsync("Inbox", $"PartitionKey eq '{bob.Address}'"));

        // The owner still gets in through the challenge flow.
        Assert.Equal(HttpStatusCode.OK, (await DeliveryKit.LoginAsync(Client, bob.Name, bob.Keys.SigningPrivateKey)).StatusCode);
    }

    [Fact]
    public async Task A_token_stops_working_once_its_account_is_gone_within_the_cache_window()
    {
        var user = new TestUser();
        var token = await DeliveryKit.RegisterAsync(Client, user);
        Assert.Equal(HttpStatusCode.OK, (await DeliveryKit.IncomingAsync(Client, user, token)).Status);

        var account = await Host.Tables.GetAsync(Host.Table("Accounts"), user.Address, "", CancellationToken.None);
        Assert.True((await Host.Tables.DeleteAsync(Host.Table("Accounts"), user.Address, "", account!.ETag!, CancellationToken.None)).IsOk);
        Host.Clock.Advance(DeliveryDirectory.HotPathCacheLifetime + TimeSpan.FromSeconds(1));

        var read = await Client.SendAsync(DeliveryKit.Authorized(HttpMethod.Get, $"/delivery/messages/incoming/{user.Name}", token));
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        Assert.Equal("auth.no_account", await CodeAsync(read));
        Assert.Equal(HttpStatusCode.Unauthorized, await DeliveryKit.AcknowledgeAsync(Client, user, token, (user.Name, "0x" + new string('a', 64))));
    }

    [Fact]
    public async Task Get_profile_returns_the_current_profile_only_for_names_with_an_account()
    {
        var user = new TestUser();
        await DeliveryKit.ClaimAsync(Client, user);
        var response = await Client.GetAsync($"/profile/{user.Name.ToUpperInvariant()}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(user.Profile.ToCanonicalJson(), await response.Content.ReadAsStringAsync());

        var account = await Host.Tables.GetAsync(Host.Table("Accounts"), user.Address, "", CancellationToken.None);
        Assert.True((await Host.Tables.DeleteAsync(Host.Table("Accounts"), user.Address, "", account!.ETag!, CancellationToken.None)).IsOk);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/profile/{user.Name}")).StatusCode);

        var unregistered = new TestUser();
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync($"/profile/{unregistered.Name}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/profile/alice.eth")).StatusCode);
    }

    [Fact]
    public async Task A_validly_signed_profile_that_is_not_the_current_one_is_refused()
    {
        var user = new TestUser();
        await DeliveryKit.ClaimAsync(Client, user);
        var other = user.OtherProfileOfSameWallet();

        var account = await Host.Tables.GetAsync(Host.Table("Accounts"), user.Address, "", CancellationToken.None);

        var response = await Client.PostAsync($"/profile/{user.Name}", DeliveryKit.Json(other.ToCanonicalJson()));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("profile.not_current", await CodeAsync(response));
        Assert.Equal(account!.ETag, (await Host.Tables.GetAsync(Host.Table("Accounts"), user.Address, "", CancellationToken.None))!.ETag);
    }

    [Fact]
    public async Task A_profile_signed_by_another_wallet_or_malformed_is_refused_and_the_account_is_untouched()
    {
        var user = new TestUser();
        await DeliveryKit.ClaimAsync(Client, user);
        var stranger = new TestUser();
        var account = await Host.Tables.GetAsync(Host.Table("Accounts"), user.Address, "", CancellationToken.None);

        var wrongSigner = await Client.PostAsync($"/profile/{user.Name}", DeliveryKit.Json(stranger.Profile.ToCanonicalJson()));
        var badJson = await Client.PostAsync($"/profile/{user.Name}", DeliveryKit.Json("{\"profile\":"));
        var notHosted = await Client.PostAsync("/profile/alice.eth", DeliveryKit.Json(user.Profile.ToCanonicalJson()));

        Assert.Equal(HttpStatusCode.Unauthorized, wrongSigner.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notHosted.StatusCode);
        Assert.Equal(account!.ETag, (await Host.Tables.GetAsync(Host.Table("Accounts"), user.Address, "", CancellationToken.None))!.ETag);
    }

    [Fact]
    public async Task The_challenge_flow_issues_a_one_hour_token_bound_to_the_name()
    {
        var user = new TestUser();
        await DeliveryKit.RegisterAsync(Client, user);

        var challenge = await DeliveryKit.ChallengeAsync(Client, user.Name);
        Assert.True(DeliveryServiceJwt.TryVerifyChallenge(Secret(), challenge, Host.Clock.GetUtcNow().ToUnixTimeSeconds(), out var challengeClaims, out _));
        Assert.Equal(user.Name, challengeClaims.Account);

        var response = await DeliveryKit.LoginAsync(Client, user.Name, user.Keys.SigningPrivateKey, challenge);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = JsonSerializer.Deserialize<string>(await response.Content.ReadAsStringAsync())!;
        Assert.True(DeliveryServiceJwt.TryVerifyAuthToken(Secret(), token, Host.Clock.GetUtcNow().ToUnixTimeSeconds(), out var claims, out _));
        Assert.Equal(user.Name, claims.Account);
        Assert.Equal(3600, claims.Expires - claims.IssuedAt);
        Assert.Equal(HttpStatusCode.OK, (await DeliveryKit.IncomingAsync(Client, user, token)).Status);
    }

    [Fact]
    public async Task A_replayed_challenge_is_refused()
    {
        var user = new TestUser();
        await DeliveryKit.RegisterAsync(Client, user);
        var challenge = await DeliveryKit.ChallengeAsync(Client, user.Name);

        var first = await DeliveryKit.LoginAsync(Client, user.Name, user.Keys.SigningPrivateKey, challenge);
        var replay = await DeliveryKit.LoginAsync(Client, user.Name, user.Keys.SigningPrivateKey, challenge);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Equal("auth.challenge_used", await CodeAsync(replay));
    }

    [Fact]
    public async Task A_challenge_signed_with_another_key_or_issued_for_another_name_is_refused_without_burning_it()
    {
        var user = new TestUser();
        var other = new TestUser();
        await DeliveryKit.RegisterAsync(Client, user);
        await DeliveryKit.RegisterAsync(Client, other);
        var challenge = await DeliveryKit.ChallengeAsync(Client, user.Name);

        var forged = await DeliveryKit.LoginAsync(Client, user.Name, other.Keys.SigningPrivateKey, challenge);
        var otherName = await DeliveryKit.LoginAsync(Client, other.Name, other.Keys.SigningPrivateKey, challenge);
        var tampered = await DeliveryKit.LoginAsync(Client, user.Name, user.Keys.SigningPrivateKey, challenge[..^2] + (challenge[^2] == 'A' ? "BB" : "AA"));

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal("auth.bad_signature", await CodeAsync(forged));
        Assert.Equal(HttpStatusCode.Unauthorized, otherName.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await DeliveryKit.LoginAsync(Client, user.Name, user.Keys.SigningPrivateKey, challenge)).StatusCode);
    }

    [Fact]
    public async Task An_expired_challenge_and_a_malformed_login_body_are_refused()
    {
        var user = new TestUser();
        await DeliveryKit.RegisterAsync(Client, user);
        var challenge = await DeliveryKit.ChallengeAsync(Client, user.Name);
        var signature = Ed25519.SignText(user.Keys.SigningPrivateKey, challenge);

        var extraMember = await Client.PostAsync($"/auth/{user.Name}", DeliveryKit.Json(new JsonObject { ["signature"] = signature, ["challenge"] = challenge, ["x"] = 1 }));
        Host.Clock.Advance(TimeSpan.FromSeconds(DeliveryServiceJwt.ChallengeLifetimeSeconds + DeliveryServiceJwt.ClockSkewSeconds + 1));
        var expired = await DeliveryKit.LoginAsync(Client, user.Name, user.Keys.SigningPrivateKey, challenge);

        Assert.Equal(HttpStatusCode.BadRequest, extraMember.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
    }

    [Fact]
    public async Task Challenges_are_issued_only_for_names_that_resolve_here()
    {
        var unregistered = new TestUser();
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync($"/auth/{unregistered.Name}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/auth/vitalik.eth")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/auth/{DeliveryHost.DsName}")).StatusCode);
    }

    [Fact]
    public async Task Protected_routes_refuse_missing_expired_forged_and_other_name_tokens()
    {
        var user = new TestUser();
        var other = new TestUser();
        var token = await DeliveryKit.RegisterAsync(Client, user);
        var otherToken = await DeliveryKit.RegisterAsync(Client, other);
        var now = Host.Clock.GetUtcNow().ToUnixTimeSeconds();
        var forged = DeliveryServiceJwt.CreateAuthToken(RandomNumberGenerator.GetBytes(32), user.Name, now);
        var referenceDerived = DeliveryServiceJwt.CreateAuthToken(ReferenceSecretDerivation.HmacKey(Host.DsSigningKey), user.Name, now);

        var missing = await Client.GetAsync($"/delivery/messages/incoming/{user.Name}");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await DeliveryKit.IncomingAsync(Client, user, forged)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await DeliveryKit.IncomingAsync(Client, user, referenceDerived)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await DeliveryKit.IncomingAsync(Client, user, otherToken)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, await DeliveryKit.AcknowledgeAsync(Client, user, otherToken, (other.Name, "0x" + new string('a', 64))));

        Host.Clock.Advance(TimeSpan.FromSeconds(3600 + DeliveryServiceJwt.ClockSkewSeconds + 1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await DeliveryKit.IncomingAsync(Client, user, token)).Status);
    }

    [Fact]
    public async Task Preflight_allows_any_origin_with_bearer_tokens_on_the_dm3_routes()
    {
        foreach (var (method, path) in new[] { ("POST", "/rpc"), ("POST", "/auth/a.eth"), ("GET", "/auth/a.eth"), ("POST", "/profile/a.eth"),
                     ("GET", "/delivery/messages/incoming/a.eth"), ("POST", "/delivery/messages/a.eth/syncAcknowledgements") })
        {
            var request = new HttpRequestMessage(HttpMethod.Options, path);
            request.Headers.Add("Origin", "https://app.example.com");
            request.Headers.Add("Access-Control-Request-Method", method);
            request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type");
            var response = await Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.Contains("authorization", response.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);
            Assert.Contains(method, response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        }
    }

    private byte[] Secret() =>
        Convert.FromBase64String(Host.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["DeliveryService:TokenSecret"]!);

    private static async Task<string?> CodeAsync(HttpResponseMessage response) =>
        (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())?["code"];
}
