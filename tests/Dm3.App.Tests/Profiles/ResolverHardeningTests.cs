using System.Net;
using Dm3.Backend.Delivery;
using Dm3.Backend.Names;
using Dm3.Backend.Nonces;
using Dm3.Backend.Profiles;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;
using Dm3.Protocol.Profiles;
using Microsoft.Extensions.DependencyInjection;
using static Dm3.App.Tests.Profiles.ResolverTestKit;

namespace Dm3.App.Tests.Profiles;

/// <summary>Deletion leaves a tombstone that blocks replays of old profiles; expired nonces are cleaned up on issuance.</summary>
public sealed class ResolverHardeningTests(ResolverHost host) : IClassFixture<ResolverHost>
{
    private readonly HttpClient _client = host.CreateClient();

    private NameStore Names => host.Services.GetRequiredService<NameStore>();

    [Fact]
    public async Task Replaying_the_old_signed_profile_after_delete_does_not_recreate_the_name()
    {
        var (wallet, old) = await ClaimedAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(wallet)).StatusCode);

        var replay = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(old, wallet.Checksum)));

        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Equal("claim.name_deleted", await ProblemCodeAsync(replay));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/resolver/profile/" + wallet.Checksum)).StatusCode);
        Assert.Null(await Names.GetAsync(wallet.Name, CancellationToken.None));
    }

    [Fact]
    public async Task Delete_keeps_a_tombstone_with_the_version_and_last_hash_but_no_profile()
    {
        var (wallet, old) = await ClaimedAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(wallet)).StatusCode);

        Assert.Null(await Names.GetAsync(wallet.Name, CancellationToken.None));
        var tombstone = await Names.GetIncludingTombstoneAsync(wallet.Name, CancellationToken.None);
        Assert.NotNull(tombstone);
        Assert.True(tombstone.Deleted);
        Assert.Equal("", tombstone.ProfileJson);
        Assert.Null(tombstone.Link);
        Assert.Equal(old.Dm3Hash, tombstone.ProfileHash);
        Assert.Equal(1, tombstone.Version);
        Assert.Equal(HttpStatusCode.NotFound, (await DeleteAsync(wallet)).StatusCode);
    }

    [Fact]
    public async Task A_deleted_name_is_reclaimed_with_a_wallet_proof_for_the_new_profile_and_the_version_advances()
    {
        var (wallet, old) = await ClaimedAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(wallet)).StatusCode);
        var fresh = wallet.SignProfile(NewProfile());
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileUpdate);
        var proof = Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(fresh.Dm3Hash), host.Clock.GetUtcNow());

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(fresh, wallet.Checksum, proof: proof)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(fresh.ToCanonicalJson(), await (await _client.GetAsync("/resolver/profile/" + wallet.Checksum)).Content.ReadAsStringAsync());
        var stored = await Names.GetAsync(wallet.Name, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.False(stored.Deleted);
        Assert.Equal(2, stored.Version);
        Assert.NotEqual(old.Dm3Hash, stored.ProfileHash);
    }

    [Fact]
    public async Task Reclaiming_a_deleted_name_with_a_proof_for_another_profile_is_rejected()
    {
        var (wallet, old) = await ClaimedAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(wallet)).StatusCode);
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileUpdate);
        var proof = Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(wallet.SignProfile(NewProfile()).Dm3Hash), host.Clock.GetUtcNow());

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(old, wallet.Checksum, proof: proof)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/resolver/profile/" + wallet.Checksum)).StatusCode);
    }

    [Fact]
    public async Task The_delivery_service_treats_a_deleted_name_as_not_resolving()
    {
        var (wallet, _) = await ClaimedAsync();
        var directory = host.Services.GetRequiredService<DeliveryDirectory>();
        Assert.Null((await directory.ResolveAsync(wallet.Name, CancellationToken.None)).Error);

        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(wallet)).StatusCode);

        var resolved = await directory.ResolveAsync(wallet.Name, CancellationToken.None);
        Assert.Equal(DeliveryErrorKind.NameNotResolved, resolved.Error?.Kind);
    }

    [Fact]
    public async Task Issuing_nonces_removes_expired_unused_nonces_of_the_same_purpose()
    {
        using var own = ResolverHost.Create();
        var client = own.CreateClient();
        var store = own.Services.GetRequiredService<ITableStore>();
        var table = own.Services.GetRequiredService<StorageNames>().Table(NonceService.DefaultTableName);
        for (var i = 0; i < 10; i++)
        {
            await IssueNonceAsync(client, NoncePurposes.ProfileUpdate);
        }

        await IssueNonceAsync(client, NoncePurposes.ProfileDelete);
        Assert.Equal(10, await CountAsync(store, table, NoncePurposes.ProfileUpdate));

        own.Clock.Advance(NonceService.Lifetime + TimeSpan.FromSeconds(1));
        var first = await IssueNonceAsync(client, NoncePurposes.ProfileUpdate);
        Assert.Equal(10 - NonceService.ExpiredRowsRemovedPerIssue + 1, await CountAsync(store, table, NoncePurposes.ProfileUpdate));
        var second = await IssueNonceAsync(client, NoncePurposes.ProfileUpdate);

        var remaining = await RowKeysAsync(store, table, NoncePurposes.ProfileUpdate);
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), remaining.Order(StringComparer.Ordinal));
        Assert.Equal(1, await CountAsync(store, table, NoncePurposes.ProfileDelete));
        var nonces = own.Services.GetRequiredService<NonceService>();
        Assert.Equal(NonceConsumption.Consumed, await nonces.ConsumeAsync(ResolverHost.Parent, NoncePurposes.ProfileUpdate, first, CancellationToken.None));
    }

    [Theory]
    [InlineData("https://a.example/", true)]
    [InlineData("https://a.example", true)]
    [InlineData("https://a.example/login?x=1", true)]
    [InlineData("https://a.example.evil/", false)]
    [InlineData("https://a.examplex", false)]
    public void AppDomain_AllowsUri_matches_whole_segments_only(string uri, bool allowed)
    {
        var domain = new Dm3.Backend.Apps.AppDomain("a.example", ["https://a.example"], new HashSet<string>(StringComparer.Ordinal) { "register" });

        Assert.Equal(allowed, domain.AllowsUri(uri));
    }

    private static async Task<int> CountAsync(ITableStore store, string table, string purpose) =>
        (await RowKeysAsync(store, table, purpose)).Count;

    private static async Task<List<string>> RowKeysAsync(ITableStore store, string table, string purpose)
    {
        var keys = new List<string>();
        string? continuation = null;
        do
        {
            var page = await store.QueryAsync(table, new TableQuery(TableFilter.PartitionKeyEquals(purpose)), continuation, CancellationToken.None);
            keys.AddRange(page.Items.Select(e => e.RowKey));
            continuation = page.Continuation;
        }
        while (continuation is not null);
        return keys;
    }

    private async Task<HttpResponseMessage> DeleteAsync(TestWallet wallet)
    {
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileDelete);
        var proof = Proof(wallet, nonce, DeleteProfileHandler.DeleteResource(wallet.Name), host.Clock.GetUtcNow());
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/resolver/profile/" + wallet.Name) { Content = Json(proof) };
        return await _client.SendAsync(request);
    }

    private async Task<(TestWallet Wallet, SignedUserProfile Profile)> ClaimedAsync()
    {
        var wallet = new TestWallet();
        var profile = wallet.SignProfile(NewProfile());
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(profile, wallet.Checksum)))).StatusCode);
        return (wallet, profile);
    }
}
