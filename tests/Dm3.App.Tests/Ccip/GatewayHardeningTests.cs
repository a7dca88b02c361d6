using System.Net;
using Dm3.App.Tests.Profiles;
using Dm3.Backend.Ccip;
using Dm3.Backend.Names;
using Dm3.Backend.Nonces;
using Dm3.Backend.Profiles;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Profiles;
using Microsoft.Extensions.DependencyInjection;
using static Dm3.App.Tests.Ccip.GatewayTestKit;
using static Dm3.App.Tests.Profiles.ResolverTestKit;

namespace Dm3.App.Tests.Ccip;

/// <summary>Deleted names resolve as absent; the answer cache is keyed by a calldata hash.</summary>
public sealed class GatewayHardeningTests(ResolverHost host) : IClassFixture<ResolverHost>
{
    private const ResolverFamily Ens = ResolverFamily.EnsOffchainResolver;
    private readonly HttpClient _client = host.CreateClient();
    private byte[] Signer => Ethereum.AddressFromPrivateKey(host.SignerKey);

    [Fact]
    public async Task A_deleted_name_resolves_to_signed_zero_values()
    {
        var wallet = new TestWallet();
        var profile = wallet.SignProfile(NewProfile());
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(profile, wallet.Checksum)))).StatusCode);
        var nonce = await IssueNonceAsync(_client, NoncePurposes.ProfileDelete);
        var proof = Proof(wallet, nonce, DeleteProfileHandler.DeleteResource(wallet.Name), host.Clock.GetUtcNow());
        using (var request = new HttpRequestMessage(HttpMethod.Delete, "/resolver/profile/" + wallet.Name) { Content = Json(proof) })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await _client.SendAsync(request)).StatusCode);
        }

        var text = await ResolveAsync(wallet.Name, Text(wallet.Name, ProfileTextRecord.ProfileKey));
        var addr = await ResolveAsync(wallet.Name, Addr(wallet.Name));

        Assert.NotNull(await host.Services.GetRequiredService<NameStore>().GetIncludingTombstoneAsync(wallet.Name, CancellationToken.None));
        Assert.Equal("", DecodeString(text.Result));
        Assert.Equal(new byte[20], DecodeAddress(addr.Result));
    }

    [Fact]
    public void The_cache_key_has_a_fixed_size_whatever_the_calldata_length()
    {
        var small = GatewayAnswerCache.Key(ResolverHost.EnsResolver, [1, 2, 3]);
        var large = GatewayAnswerCache.Key(ResolverHost.EnsResolver, new byte[8192]);
        var largeOther = new byte[8192];
        largeOther[^1] = 1;

        Assert.Equal(small.Length, large.Length);
        Assert.True(large.Length <= 42 + 1 + 64);
        Assert.NotEqual(large, GatewayAnswerCache.Key(ResolverHost.EnsResolver, largeOther));
        Assert.NotEqual(large, GatewayAnswerCache.Key(ResolverHost.Dm3Resolver, new byte[8192]));
        Assert.Equal(large, GatewayAnswerCache.Key(ResolverHost.EnsResolver, new byte[8192]));
    }

    [Fact]
    public async Task Upper_case_calldata_hits_the_answer_cached_for_the_same_bytes()
    {
        var wallet = new TestWallet();
        var profile = wallet.SignProfile(NewProfile());
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(profile, wallet.Checksum)))).StatusCode);
        var calldata = Outer(Ens, wallet.Name, Text(wallet.Name, ProfileTextRecord.ProfileKey));
        var first = await GetAsync(_client, ResolverHost.EnsResolver, calldata);
        var names = host.Services.GetRequiredService<NameStore>();
        var stored = await names.GetAsync(wallet.Name, CancellationToken.None);
        Assert.Equal(NameWriteStatus.Written, await names.DeleteAsync(wallet.Name, stored!.ETag!, CancellationToken.None));

        var upper = "0x" + Hex.Encode(calldata)[2..].ToUpperInvariant();
        var cached = await _client.GetAsync("/ccip/" + ResolverHost.EnsResolver + "/" + upper + ".json");

        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.Equal(first.Body, await cached.Content.ReadAsStringAsync());
        Assert.Equal(profile.ToTextRecordValue(), DecodeString(Verify(first.Body, Ens, ResolverHost.EnsResolver, calldata, Signer).Result));
    }

    private async Task<CcipResponseData> ResolveAsync(string name, byte[] inner)
    {
        var calldata = Outer(Ens, name, inner);
        var (response, body) = await GetAsync(_client, ResolverHost.EnsResolver, calldata);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Verify(body, Ens, ResolverHost.EnsResolver, calldata, Signer);
    }
}
