using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dm3.Backend.Nonces;
using Dm3.Backend.Profiles;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Siwe;
using static Dm3.App.Tests.Profiles.ResolverTestKit;

namespace Dm3.App.Tests.Profiles;

/// <summary>Replacement (POST with proof), deletion (DELETE with proof) and the nonce service behind both.</summary>
public sealed class WalletProofTests(ResolverHost host) : IClassFixture<ResolverHost>
{
    private readonly HttpClient _client = host.CreateClient();

    [Fact]
    public async Task Nonces_are_issued_for_profile_update_and_profile_delete_in_the_EIP4361_format()
    {
        var response = await _client.PostAsJsonAsync("/resolver/nonces", new { app = ResolverHost.Parent, purpose = NoncePurposes.ProfileUpdate });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await ReadObjectAsync(response);
        Assert.True(Dm3Siwe.IsOurNonce((string)body["nonce"]!));
        Assert.True(Rfc3339.TryParse((string)body["issuedAt"]!, out var issuedAt, out _));
        Assert.True(Rfc3339.TryParse((string)body["expirationTime"]!, out var expires, out _));
        Assert.Equal(host.Clock.GetUtcNow(), issuedAt);
        Assert.Equal(TimeSpan.FromSeconds(300), expires - issuedAt);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/resolver/nonces", new { app = ResolverHost.Parent, purpose = NoncePurposes.ProfileDelete })).StatusCode);
    }

    [Theory]
    [InlineData("other.eth", "profile-update")]
    [InlineData("myapp.eth", "owner")]
    [InlineData("myapp.eth", "publish-link")]
    [InlineData("myapp.eth", "")]
    public async Task Nonces_are_refused_for_unknown_apps_and_purposes_the_resolver_does_not_offer(string app, string purpose)
    {
        var response = await _client.PostAsJsonAsync("/resolver/nonces", new { app, purpose });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Replacement_with_a_valid_proof_replaces_the_profile()
    {
        var (wallet, _) = await ClaimedAsync();
        var second = wallet.SignProfile(NewProfile());
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileUpdate);
        var proof = Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(second.Dm3Hash), host.Clock.GetUtcNow());

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(second, wallet.Checksum, proof: proof)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(second.ToCanonicalJson(), await StoredAsync(wallet));
    }

    [Fact]
    public async Task Replacement_with_a_replayed_nonce_is_rejected_and_changes_nothing()
    {
        var (wallet, _) = await ClaimedAsync();
        var second = wallet.SignProfile(NewProfile());
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileUpdate);
        var proof = Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(second.Dm3Hash), host.Clock.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(second, wallet.Checksum, proof: proof)))).StatusCode);
        var third = wallet.SignProfile(NewProfile());
        var replayed = Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(third.Dm3Hash), host.Clock.GetUtcNow());

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(third, wallet.Checksum, proof: replayed)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("proof.nonce_unknown", await ProblemCodeAsync(response));
        Assert.Equal(second.ToCanonicalJson(), await StoredAsync(wallet));
    }

    [Fact]
    public async Task Replacement_with_an_expired_nonce_is_rejected_and_changes_nothing()
    {
        var (wallet, first) = await ClaimedAsync();
        var second = wallet.SignProfile(NewProfile());
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileUpdate);
        host.Clock.Advance(NonceService.Lifetime + TimeSpan.FromSeconds(1));
        // The message itself is fresh; only the nonce is past its lifetime.
        var proof = Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(second.Dm3Hash), host.Clock.GetUtcNow());

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(second, wallet.Checksum, proof: proof)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("proof.nonce_expired", await ProblemCodeAsync(response));
        Assert.Equal(first.ToCanonicalJson(), await StoredAsync(wallet));
    }

    [Fact]
    public async Task Replacement_with_an_expired_message_is_rejected_and_keeps_the_nonce_usable()
    {
        var (wallet, first) = await ClaimedAsync();
        var second = wallet.SignProfile(NewProfile());
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileUpdate);
        var stale = Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(second.Dm3Hash), host.Clock.GetUtcNow() - TimeSpan.FromSeconds(400));

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(second, wallet.Checksum, proof: stale)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("siwe.expired", await ProblemCodeAsync(response));
        Assert.Equal(first.ToCanonicalJson(), await StoredAsync(wallet));
        var fresh = Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(second.Dm3Hash), host.Clock.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(second, wallet.Checksum, proof: fresh)))).StatusCode);
    }

    [Theory]
    [InlineData("evil.example.com", 1UL, "siwe")]
    [InlineData(ResolverHost.Domain, 5UL, "siwe.chain_id_not_allowed")]
    [InlineData(ResolverHost.QueryOnlyDomain, 1UL, "proof.scope_not_allowed")]
    public async Task Replacement_with_a_wrong_domain_chain_or_scope_is_rejected(string domain, ulong chainId, string codePrefix)
    {
        var (wallet, first) = await ClaimedAsync();
        var second = wallet.SignProfile(NewProfile());
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileUpdate);
        var proof = Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(second.Dm3Hash), host.Clock.GetUtcNow(), domain, chainId);

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(second, wallet.Checksum, proof: proof)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var code = await ProblemCodeAsync(response);
        Assert.True(code!.StartsWith(codePrefix, StringComparison.Ordinal) || code == "proof.domain_not_allowed", code);
        Assert.Equal(first.ToCanonicalJson(), await StoredAsync(wallet));
    }

    [Fact]
    public async Task Replacement_with_a_proof_signed_by_another_wallet_is_rejected()
    {
        var (wallet, first) = await ClaimedAsync();
        var second = wallet.SignProfile(NewProfile());
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileUpdate);
        var proof = Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(second.Dm3Hash), host.Clock.GetUtcNow(), signer: new TestWallet());

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(second, wallet.Checksum, proof: proof)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(first.ToCanonicalJson(), await StoredAsync(wallet));
    }

    [Fact]
    public async Task Replacement_with_a_proof_for_another_profile_hash_is_rejected()
    {
        var (wallet, first) = await ClaimedAsync();
        var second = wallet.SignProfile(NewProfile());
        var third = wallet.SignProfile(NewProfile());
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileUpdate);
        var proof = Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(third.Dm3Hash), host.Clock.GetUtcNow());

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(second, wallet.Checksum, proof: proof)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("proof.resource_missing", await ProblemCodeAsync(response));
        Assert.Equal(first.ToCanonicalJson(), await StoredAsync(wallet));
    }

    [Fact]
    public async Task Replacement_with_a_nonce_issued_for_deletion_is_rejected()
    {
        var (wallet, first) = await ClaimedAsync();
        var second = wallet.SignProfile(NewProfile());
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileDelete);
        var proof = Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(second.Dm3Hash), host.Clock.GetUtcNow());

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(second, wallet.Checksum, proof: proof)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(first.ToCanonicalJson(), await StoredAsync(wallet));
    }

    [Fact]
    public async Task Delete_with_a_valid_proof_removes_the_name()
    {
        var (wallet, _) = await ClaimedAsync();
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileDelete);
        var proof = Proof(wallet, nonce, DeleteProfileHandler.DeleteResource(wallet.Name), host.Clock.GetUtcNow());

        var response = await SendDeleteAsync(wallet.Name, proof);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/resolver/profile/" + wallet.Checksum)).StatusCode);
        var again = await SendDeleteAsync(wallet.Name, proof);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Delete_with_a_proof_for_another_name_or_without_the_delete_scope_is_rejected()
    {
        var (wallet, first) = await ClaimedAsync();
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileDelete);
        var otherName = DeleteProfileHandler.DeleteResource(new TestWallet().Name);
        var wrongResource = Proof(wallet, nonce, otherName, host.Clock.GetUtcNow());
        var wrongScope = Proof(wallet, nonce, DeleteProfileHandler.DeleteResource(wallet.Name), host.Clock.GetUtcNow(), ResolverHost.QueryOnlyDomain);

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendDeleteAsync(wallet.Name, wrongResource)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendDeleteAsync(wallet.Name, wrongScope)).StatusCode);
        Assert.Equal(first.ToCanonicalJson(), await StoredAsync(wallet));
    }

    [Theory]
    [InlineData("alice.eth")]
    [InlineData("ds.myapp.eth")]
    [InlineData("0x0000000000000000000000000000000000000001.addr.other.eth")]
    [InlineData("0xABCDEF0000000000000000000000000000000001.addr.myapp.eth")]
    public async Task Delete_of_a_name_outside_the_apps_address_names_is_a_bad_request(string name)
    {
        var wallet = new TestWallet();
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileDelete);
        var proof = Proof(wallet, nonce, DeleteProfileHandler.DeleteResource(name), host.Clock.GetUtcNow());

        Assert.Equal(HttpStatusCode.BadRequest, (await SendDeleteAsync(name, proof)).StatusCode);
    }

    private async Task<HttpResponseMessage> SendDeleteAsync(string name, JsonObject proof)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/resolver/profile/" + name) { Content = Json(proof) };
        return await _client.SendAsync(request);
    }

    private async Task<(TestWallet Wallet, SignedUserProfile Profile)> ClaimedAsync()
    {
        var wallet = new TestWallet();
        var profile = wallet.SignProfile(NewProfile());
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(profile, wallet.Checksum)))).StatusCode);
        return (wallet, profile);
    }

    private async Task<string> StoredAsync(TestWallet wallet) =>
        await (await _client.GetAsync("/resolver/profile/" + wallet.Checksum)).Content.ReadAsStringAsync();
}

public sealed class NonceConsumptionTests(ResolverHost host) : IClassFixture<ResolverHost>
{
    [Fact]
    public async Task A_nonce_is_consumed_exactly_once_even_by_concurrent_requests()
    {
        var nonces = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<NonceService>(host.Services);
        var issued = await nonces.IssueAsync(new IssueNonceRequest(ResolverHost.Parent, NoncePurposes.ProfileUpdate), NoncePurposes.Resolver, CancellationToken.None);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => nonces.ConsumeAsync(ResolverHost.Parent, NoncePurposes.ProfileUpdate, issued.Nonce!.Nonce, CancellationToken.None))));

        Assert.Single(outcomes, o => o == NonceConsumption.Consumed);
        Assert.All(outcomes.Where(o => o != NonceConsumption.Consumed), o => Assert.Equal(NonceConsumption.Unknown, o));
    }

    [Fact]
    public async Task A_nonce_is_bound_to_its_app_and_purpose()
    {
        var nonces = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<NonceService>(host.Services);
        var issued = await nonces.IssueAsync(new IssueNonceRequest(ResolverHost.Parent, NoncePurposes.ProfileUpdate), NoncePurposes.Resolver, CancellationToken.None);

        Assert.Equal(NonceConsumption.WrongApp, await nonces.ConsumeAsync("other.eth", NoncePurposes.ProfileUpdate, issued.Nonce!.Nonce, CancellationToken.None));
        Assert.Equal(NonceConsumption.Unknown, await nonces.ConsumeAsync(ResolverHost.Parent, NoncePurposes.ProfileDelete, issued.Nonce.Nonce, CancellationToken.None));
        Assert.Equal(NonceConsumption.Consumed, await nonces.ConsumeAsync(ResolverHost.Parent, NoncePurposes.ProfileUpdate, issued.Nonce.Nonce, CancellationToken.None));
    }
}
