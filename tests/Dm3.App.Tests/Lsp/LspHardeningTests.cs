using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Profiles;
using Dm3.Backend.Storage;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Profiles;
using static Dm3.App.Tests.Lsp.LspKit;

namespace Dm3.App.Tests.Lsp;

/// <summary>
/// Privacy of storage (no owner address, private key or escrow plaintext in any table after a full run), the §11 rate
/// limits with 429 + Retry-After + RateLimit-* (spec defaults: this host does not raise them) and CORS on /lsp/v1.
/// </summary>
public sealed class LspHardeningTests : IClassFixture<LspHardeningTests.DefaultLimitsHost>
{
    private readonly DefaultLimitsHost _host;
    private readonly HttpClient _client;

    public LspHardeningTests(DefaultLimitsHost host)
    {
        _host = host;
        _client = host.Host.CreateClient();
    }

    /// <summary>An <see cref="LspHost"/> with the spec's default rate limits.</summary>
    public sealed class DefaultLimitsHost : IDisposable
    {
        public LspHost Host { get; } = LspHost.Create(new Dictionary<string, string?>
        {
            ["Apps:0:LspLimits:NoncesPerMinutePerIp"] = "30",
            ["Apps:0:LspLimits:NoncesPerMinutePerApp"] = "300",
        });

        public void Dispose() => Host.Dispose();
    }

    private DateTimeOffset Now => _host.Host.Clock.GetUtcNow();

    /// <summary>Moves the clock to the start of a fresh minute window so earlier tests' counters do not interfere.</summary>
    private void NextMinute() => _host.Host.Clock.Set(DateTimeOffset.FromUnixTimeSeconds((Now.ToUnixTimeSeconds() / 60 + 1) * 60 + 1));

    [Fact]
    public async Task After_a_full_run_no_table_holds_an_owner_address_a_private_key_or_escrow_plaintext()
    {
        NextMinute();
        var owners = new[] { new TestWallet(), new TestWallet() };
        var secrets = new List<byte[]>();
        var tokens = new List<string>();
        foreach (var owner in owners)
        {
            var session = await SessionAsync(_client, owner, Now);
            tokens.Add(session.Token);
            var lsp = new TestLsp();
            secrets.Add(lsp.Keys.WalletPrivateKey);
            secrets.Add(lsp.Keys.ProfileSeed);
            var creation = new JsonObject { ["domain"] = LspHost.Domain, ["uri"] = LspHost.Uri, ["chainId"] = 1, ["nonce"] = Dm3.Protocol.Siwe.Dm3Siwe.NewNonce(), ["issuedAt"] = "2026-01-01T00:00:00Z" };
            var body = owner == owners[0] ? lsp.RegisterBody(owner.Address, session.SessionId, "signature", creation: creation) : lsp.RegisterBody(owner.Address, session.SessionId);
            Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(_client, session, body)).StatusCode);
            var escrow = Assert.Single(await QueryAsync(_client, session, includeEscrow: true))!["escrow"]!;
            Assert.Equal(lsp.WalletKeyHex, (string?)escrow["walletPrivateKey"]);
            if (owner == owners[1])
            {
                Assert.Equal(HttpStatusCode.NoContent, (await _client.SendAsync(Authorized(HttpMethod.Delete, "/lsp/v1/profiles/" + lsp.Name, session))).StatusCode);
            }
        }

        var texts = new List<string>();
        var binaries = new List<byte[]>();
        foreach (var table in _host.Host.DeclaredTables)
        {
            foreach (var row in await _host.Host.RowsAsync(table))
            {
                texts.Add(row.PartitionKey);
                texts.Add(row.RowKey);
                foreach (var value in row.Properties.Values)
                {
                    switch (value)
                    {
                        case string s: texts.Add(s); break;
                        case byte[] b: binaries.Add(b); texts.Add(Convert.ToHexString(b)); texts.Add(Convert.ToBase64String(b)); break;
                        case not null: texts.Add(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""); break;
                    }
                }
            }
        }

        Assert.NotEmpty(texts);
        var all = string.Join("\n", texts);
        foreach (var owner in owners)
        {
            Assert.DoesNotContain(owner.Lower[2..], all, StringComparison.OrdinalIgnoreCase);
            Assert.All(binaries, b => Assert.False(b.AsSpan().IndexOf(owner.Address) >= 0));
        }

        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(Convert.ToHexString(secret), all, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(secret), all, StringComparison.Ordinal);
            Assert.All(binaries, b => Assert.False(b.AsSpan().IndexOf(secret) >= 0));
        }

        foreach (var token in tokens)
        {
            Assert.DoesNotContain(token, all, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("walletPrivateKey", all, StringComparison.Ordinal);
        Assert.DoesNotContain("profileSeed", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nonces_are_limited_to_30_per_minute_per_client_with_retry_after_and_ratelimit_headers()
    {
        NextMinute();
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/lsp/v1/nonces", new { app = LspHost.Parent, purpose = "owner" })).StatusCode);
        }

        var limited = await _client.PostAsJsonAsync("/lsp/v1/nonces", new { app = LspHost.Parent, purpose = "owner" });

        await AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, "rate_limited");
        var retry = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retry, 1, 60);
        Assert.Equal("30", limited.Headers.GetValues("RateLimit-Limit").Single());
        Assert.Equal("0", limited.Headers.GetValues("RateLimit-Remaining").Single());
        Assert.Equal(retry.ToString(System.Globalization.CultureInfo.InvariantCulture), limited.Headers.GetValues("RateLimit-Reset").Single());

        _host.Host.Clock.Advance(TimeSpan.FromSeconds(retry));
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/lsp/v1/nonces", new { app = LspHost.Parent, purpose = "owner" })).StatusCode);
    }

    [Fact]
    public async Task Sessions_are_limited_to_10_per_minute_per_owner_and_the_limited_proof_keeps_its_nonce()
    {
        NextMinute();
        var owner = new TestWallet();
        var nonces = new List<string>();
        for (var i = 0; i < 11; i++)
        {
            nonces.Add(await NonceAsync(_client));
        }

        NextMinute();

        for (var i = 0; i < 10; i++)
        {
            var text = OwnerProof(owner, nonces[i], Now);
            Assert.Equal(HttpStatusCode.Created, (await PostSessionAsync(_client, text, owner.PersonalSign(text))).StatusCode);
        }

        var last = OwnerProof(owner, nonces[10], Now);
        await AssertProblemAsync(await PostSessionAsync(_client, last, owner.PersonalSign(last)), HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(await _host.Host.NonceExistsAsync("owner", nonces[10]));

        var other = new TestWallet();
        var text2 = OwnerProof(other, nonces[10], Now);
        Assert.Equal(HttpStatusCode.Created, (await PostSessionAsync(_client, text2, other.PersonalSign(text2))).StatusCode);
    }

    [Fact]
    public async Task Registrations_are_limited_to_5_per_day_per_owner_and_app()
    {
        NextMinute();
        var owner = new TestWallet();
        for (var i = 0; i < 5; i++)
        {
            var session = await SessionAsync(_client, owner, Now);
            var lsp = new TestLsp();
            Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(_client, session, lsp.RegisterBody(owner.Address, session.SessionId))).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await _client.SendAsync(Authorized(HttpMethod.Delete, "/lsp/v1/profiles/" + lsp.Name, session))).StatusCode);
        }

        var sixth = await SessionAsync(_client, owner, Now);
        var refused = new TestLsp();
        var response = await RegisterAsync(_client, sixth, refused.RegisterBody(owner.Address, sixth.SessionId));

        await AssertProblemAsync(response, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Empty(await QueryAsync(_client, sixth));
    }

    [Fact]
    public async Task Cors_on_lsp_routes_allows_only_the_apps_configured_origins()
    {
        var allowed = new HttpRequestMessage(HttpMethod.Options, "/lsp/v1/profiles");
        allowed.Headers.Add("Origin", LspHost.AllowedOrigin);
        allowed.Headers.Add("Access-Control-Request-Method", "POST");
        var preflight = await _client.SendAsync(allowed);
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(LspHost.AllowedOrigin, preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Authorization", preflight.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);

        var foreign = new HttpRequestMessage(HttpMethod.Options, "/lsp/v1/profiles");
        foreign.Headers.Add("Origin", "https://evil.example");
        foreign.Headers.Add("Access-Control-Request-Method", "POST");
        Assert.False((await _client.SendAsync(foreign)).Headers.Contains("Access-Control-Allow-Origin"));

        var post = new HttpRequestMessage(HttpMethod.Post, "/lsp/v1/nonces") { Content = JsonContent.Create(new { app = LspHost.Parent, purpose = "owner" }) };
        post.Headers.Add("Origin", "https://evil.example");
        Assert.False((await _client.SendAsync(post)).Headers.Contains("Access-Control-Allow-Origin"));
    }
}
