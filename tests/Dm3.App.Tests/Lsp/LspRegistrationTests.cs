using System.Net;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Profiles;
using Dm3.Backend.Lsp;
using Dm3.Backend.Names;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Profiles;
using Microsoft.Extensions.DependencyInjection;
using static Dm3.App.Tests.Lsp.LspKit;

namespace Dm3.App.Tests.Lsp;

/// <summary>
/// <c>POST /lsp/v1/profiles</c>, <c>/profiles/query</c> and <c>DELETE /profiles/{lspName}</c> (§6, §7, §16): each failure
/// asserts status and code and that nothing was stored (the owner's query is still empty, the name is unclaimed, the
/// session can still bind).
/// </summary>
public sealed class LspRegistrationTests(LspHost host) : IClassFixture<LspHost>
{
    private readonly HttpClient _client = host.CreateClient();

    private DateTimeOffset Now => host.Clock.GetUtcNow();

    private NameStore Names => host.Services.GetRequiredService<NameStore>();

    [Fact]
    public async Task Register_claims_the_name_indexes_it_escrows_the_keys_and_opens_the_delivery_account()
    {
        var owner = new TestWallet();
        var session = await SessionAsync(_client, owner, Now);
        var lsp = new TestLsp();

        var response = await RegisterAsync(_client, session, lsp.RegisterBody(owner.Address, session.SessionId));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(lsp.Profile.ToCanonicalJson(), (await Names.GetAsync(lsp.Name, CancellationToken.None))!.ProfileJson);
        var entry = Assert.Single(await QueryAsync(_client, session))!.AsObject();
        Assert.Equal(lsp.Name, (string?)entry["lspName"]);
        Assert.Equal(lsp.Keys.AddressText, (string?)entry["lspAddress"]);
        Assert.True((bool)entry["hasEscrow"]!);
        Assert.False(entry.ContainsKey("escrow"));
        Assert.False(entry.ContainsKey("creation"));
        var accounts = await host.RowsAsync("Accounts");
        Assert.Contains(accounts, a => a.PartitionKey == Ethereum.ToLowerAddress(lsp.Keys.Address));

        var escrowed = Assert.Single(await QueryAsync(_client, session, includeEscrow: true))!.AsObject();
        Assert.Equal(lsp.WalletKeyHex, (string?)escrowed["escrow"]!["walletPrivateKey"]);
        Assert.Equal(lsp.ProfileSeedB64, (string?)escrowed["escrow"]!["profileSeed"]);
    }

    [Fact]
    public async Task A_dapp_session_without_escrow_scope_gets_no_escrow_and_cannot_delete()
    {
        var owner = new TestWallet();
        var component = await SessionAsync(_client, owner, Now);
        var lsp = new TestLsp();
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(_client, component, lsp.RegisterBody(owner.Address, component.SessionId))).StatusCode);
        var dapp = await SessionAsync(_client, owner, Now, ["query", "register"], LspHost.DappDomain, "https://dapp.example.com/");

        var entry = Assert.Single(await QueryAsync(_client, dapp, includeEscrow: true))!.AsObject();
        Assert.False(entry.ContainsKey("escrow"));

        await AssertProblemAsync(await _client.SendAsync(Authorized(HttpMethod.Delete, "/lsp/v1/profiles/" + lsp.Name, dapp)), HttpStatusCode.Forbidden, "scope_missing");
        Assert.NotNull(await Names.GetAsync(lsp.Name, CancellationToken.None));
    }

    [Fact]
    public async Task Another_owners_session_sees_no_lsp_and_no_escrow()
    {
        var owner = new TestWallet();
        var session = await SessionAsync(_client, owner, Now);
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(_client, session, new TestLsp().RegisterBody(owner.Address, session.SessionId))).StatusCode);
        var stranger = await SessionAsync(_client, new TestWallet(), Now);

        Assert.Empty(await QueryAsync(_client, stranger, includeEscrow: true));
    }

    public static TheoryData<string> Failures() =>
    [
        "binding by the wrong key", "binding for another session", "profile not signed by the LSP key", "no delivery service",
        "escrow wallet key of another LSP", "escrow profile seed of another LSP", "random without escrow", "unknown origin", "name of another app",
        "name taken by a different profile", "malformed body",
    ];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_failing_registration_answers_its_code_and_stores_nothing(string failure)
    {
        var owner = new TestWallet();
        var session = await SessionAsync(_client, owner, Now);
        var lsp = new TestLsp();
        var other = new TestLsp();
        var body = lsp.RegisterBody(owner.Address, session.SessionId);
        var (status, code) = (HttpStatusCode.BadRequest, "invalid_request");
        switch (failure)
        {
            case "binding by the wrong key":
                body["binding"]!["signature"] = Ethereum.PersonalSign(other.Keys.WalletPrivateKey, new Dm3.Protocol.Links.LspBinding(LspHost.Parent, lsp.Name, owner.Address, session.SessionId).Format());
                code = "invalid_binding";
                break;
            case "binding for another session":
                body["binding"]!["signature"] = lsp.SignBinding(owner.Address, Dm3.Protocol.Siwe.Dm3Siwe.NewNonce());
                code = "invalid_binding";
                break;
            case "profile not signed by the LSP key":
                body["signedUserProfile"] = SignedUserProfile.Sign(lsp.Profile.Profile, other.Keys.WalletPrivateKey).ToJsonObject();
                code = "invalid_profile";
                break;
            case "no delivery service":
                body["signedUserProfile"] = SignedUserProfile.Sign(new UserProfile(lsp.Profile.Profile.PublicEncryptionKey, lsp.Profile.Profile.PublicSigningKey, []),
                    lsp.Keys.WalletPrivateKey).ToJsonObject();
                code = "invalid_profile";
                break;
            case "escrow wallet key of another LSP":
                body["escrow"]!["walletPrivateKey"] = other.WalletKeyHex;
                code = "escrow_mismatch";
                break;
            case "escrow profile seed of another LSP":
                body["escrow"]!["profileSeed"] = other.ProfileSeedB64;
                code = "escrow_mismatch";
                break;
            case "random without escrow":
                body.Remove("escrow");
                break;
            case "unknown origin":
                body["origin"] = "imported";
                break;
            case "name of another app":
                body["lspName"] = lsp.Keys.LspName(LspHost.MainParent);
                break;
            case "name taken by a different profile":
                var squatter = SignedUserProfile.Sign(new UserProfile(other.Profile.Profile.PublicEncryptionKey, other.Profile.Profile.PublicSigningKey, ["ds.myapp.eth"]),
                    lsp.Keys.WalletPrivateKey);
                var json = squatter.ToCanonicalJson();
                await Names.InsertAsync(new NameRecord(lsp.Name, LspHost.Parent, Ethereum.ToLowerAddress(lsp.Keys.Address), json, Hashes.Sha256HexOfUtf8(json), 1, Now, null, null),
                    CancellationToken.None);
                (status, code) = (HttpStatusCode.Conflict, "name_taken");
                break;
            case "malformed body":
                body["extra"] = 1;
                break;
        }

        var response = await RegisterAsync(_client, session, body);

        await AssertProblemAsync(response, status, code);
        Assert.Empty(await QueryAsync(_client, session));
        var name = await Names.GetAsync(lsp.Name, CancellationToken.None);
        Assert.True(failure == "name taken by a different profile" ? name!.ProfileHash != lsp.Profile.Dm3Hash : name is null);
        Assert.DoesNotContain(await host.RowsAsync("Accounts"), a => a.PartitionKey == Ethereum.ToLowerAddress(lsp.Keys.Address));

        // The session's one binding was not used: a valid registration (of a fresh LSP) still succeeds on it.
        var fresh = new TestLsp();
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(_client, session, fresh.RegisterBody(owner.Address, session.SessionId))).StatusCode);
    }

    [Fact]
    public async Task A_session_binds_once_and_an_owner_has_one_active_lsp_per_app()
    {
        var owner = new TestWallet();
        var session = await SessionAsync(_client, owner, Now);
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(_client, session, new TestLsp().RegisterBody(owner.Address, session.SessionId))).StatusCode);

        var second = new TestLsp();
        await AssertProblemAsync(await RegisterAsync(_client, session, second.RegisterBody(owner.Address, session.SessionId)), HttpStatusCode.Forbidden, "session_used");
        var another = await SessionAsync(_client, owner, Now);
        await AssertProblemAsync(await RegisterAsync(_client, another, second.RegisterBody(owner.Address, another.SessionId)), HttpStatusCode.Conflict, "lsp_exists");

        Assert.Single(await QueryAsync(_client, another));
        Assert.Null(await Names.GetAsync(second.Name, CancellationToken.None));
    }

    [Fact]
    public async Task Registration_without_a_session_is_401_and_without_register_scope_403()
    {
        var lsp = new TestLsp();
        var owner = new TestWallet();
        await AssertProblemAsync(await _client.PostAsync("/lsp/v1/profiles", Json(lsp.RegisterBody(owner.Address, Dm3.Protocol.Siwe.Dm3Siwe.NewNonce()))),
            HttpStatusCode.Unauthorized, "invalid_session");
        var queryOnly = await SessionAsync(_client, owner, Now, ["query"]);
        await AssertProblemAsync(await RegisterAsync(_client, queryOnly, lsp.RegisterBody(owner.Address, queryOnly.SessionId)), HttpStatusCode.Forbidden, "scope_missing");
        Assert.Null(await Names.GetAsync(lsp.Name, CancellationToken.None));
    }

    [Fact]
    public async Task Eight_parallel_registrations_for_one_owner_and_app_give_exactly_one_201()
    {
        var owner = new TestWallet();
        var sessions = new List<TestSession>();
        for (var i = 0; i < 8; i++)
        {
            sessions.Add(await SessionAsync(_client, owner, Now));
        }

        var lsps = sessions.Select(_ => new TestLsp()).ToList();
        var responses = await Task.WhenAll(sessions.Select((s, i) => RegisterAsync(_client, s, lsps[i].RegisterBody(owner.Address, s.SessionId))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await AssertProblemAsync(loser, HttpStatusCode.Conflict, "lsp_exists");
        }

        var winner = lsps[Array.FindIndex(responses, r => r.StatusCode == HttpStatusCode.Created)];
        Assert.Equal(winner.Name, (string?)Assert.Single(await QueryAsync(_client, sessions[0]))!["lspName"]);
        foreach (var lsp in lsps.Where(l => l != winner))
        {
            Assert.Null(await Names.GetAsync(lsp.Name, CancellationToken.None));
        }
    }

    [Fact]
    public async Task Delete_erases_the_escrow_tombstones_the_name_and_allows_a_new_registration()
    {
        var owner = new TestWallet();
        var session = await SessionAsync(_client, owner, Now);
        var lsp = new TestLsp();
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(_client, session, lsp.RegisterBody(owner.Address, session.SessionId))).StatusCode);
        await AssertProblemAsync(await _client.SendAsync(Authorized(HttpMethod.Delete, "/lsp/v1/profiles/" + new TestLsp().Name, session)), HttpStatusCode.NotFound, "not_found");

        var deleted = await _client.SendAsync(Authorized(HttpMethod.Delete, "/lsp/v1/profiles/" + lsp.Name, session));

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await QueryAsync(_client, session, includeEscrow: true));
        Assert.Null(await Names.GetAsync(lsp.Name, CancellationToken.None));
        var rows = await host.RowsAsync(LspTableNames.OwnerIndex);
        var kept = Assert.Single(rows, r => r.RowKey == lsp.Name);
        Assert.Equal("deleted", kept.GetString("State"));
        Assert.Null(kept.GetString("EscrowKid"));
        Assert.Null(kept.GetBinary("EscrowCiphertext"));
        await AssertProblemAsync(await _client.SendAsync(Authorized(HttpMethod.Delete, "/lsp/v1/profiles/" + lsp.Name, session)), HttpStatusCode.NotFound, "not_found");

        var next = await SessionAsync(_client, owner, Now);
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(_client, next, new TestLsp().RegisterBody(owner.Address, next.SessionId))).StatusCode);

        // Deleted rows are purged after 30 days.
        host.Clock.Advance(TimeSpan.FromDays(31));
        try
        {
            using var scope = host.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<LspSweeperHandler>().SweepAsync(CancellationToken.None);
            Assert.DoesNotContain(await host.RowsAsync(LspTableNames.OwnerIndex), r => r.RowKey == lsp.Name);
        }
        finally
        {
            host.Clock.Advance(TimeSpan.FromDays(-31));
        }
    }

    [Fact]
    public async Task Escrow_rewrap_moves_records_to_the_current_key_and_they_still_open()
    {
        var owner = new TestWallet();
        var session = await SessionAsync(_client, owner, Now);
        var lsp = new TestLsp();
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(_client, session, lsp.RegisterBody(owner.Address, session.SessionId))).StatusCode);
        var row = Assert.Single(await host.RowsAsync(LspTableNames.OwnerIndex), r => r.GetString("LspName") == lsp.Name && r.RowKey == "active");
        var before = host.KeyWrapper.CurrentKeyId;
        Assert.Equal(before, row.GetString("EscrowKid"));
        host.KeyWrapper.Rotate();

        using var scope = host.Services.CreateScope();
        var moved = await scope.ServiceProvider.GetRequiredService<EscrowRewrapHandler>().RewrapAsync(CancellationToken.None);

        Assert.True(moved >= 1);
        var after = Assert.Single(await host.RowsAsync(LspTableNames.OwnerIndex), r => r.GetString("LspName") == lsp.Name && r.RowKey == "active");
        Assert.Equal(host.KeyWrapper.CurrentKeyId, after.GetString("EscrowKid"));
        Assert.NotEqual(before, after.GetString("EscrowKid"));
        Assert.Equal(row.GetBinary("EscrowCiphertext"), after.GetBinary("EscrowCiphertext"));
        Assert.Equal(lsp.WalletKeyHex, (string?)Assert.Single(await QueryAsync(_client, session, includeEscrow: true))!["escrow"]!["walletPrivateKey"]);
    }
}
