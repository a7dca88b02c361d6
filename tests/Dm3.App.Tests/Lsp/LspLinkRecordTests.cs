using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Ccip;
using Dm3.App.Tests.Profiles;
using Dm3.Backend.Names;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Links;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Siwe;
using Microsoft.Extensions.DependencyInjection;
using static Dm3.App.Tests.Lsp.LspKit;

namespace Dm3.App.Tests.Lsp;

/// <summary>
/// <c>PUT/DELETE /lsp/v1/link-records/{lspName}</c> (§9.3, §16 items 6, 11, 14c) and what the gateway serves as
/// <c>network.dm3.link</c>: the record after PUT, <c>""</c> after DELETE, after expiry and after the LSP's profile changes.
/// Failures burn no nonce and store nothing.
/// </summary>
public sealed class LspLinkRecordTests(LspHost host) : IClassFixture<LspHost>
{
    private readonly HttpClient _client = host.CreateClient();

    private DateTimeOffset Now => host.Clock.GetUtcNow();

    private NameStore Names => host.Services.GetRequiredService<NameStore>();

    private sealed record Setup(TestLsp Lsp, string MainName, byte[] MainKey64);

    /// <summary>An LSP registered by an owner and a main profile claimed under main.eth (hosted here).</summary>
    private async Task<Setup> SetupAsync()
    {
        var owner = new TestWallet();
        var session = await SessionAsync(_client, owner, Now);
        var lsp = new TestLsp();
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(_client, session, lsp.RegisterBody(owner.Address, session.SessionId))).StatusCode);
        var mainWallet = new TestWallet();
        var (mainKey64, mainPublic) = Ed25519.KeyPairFromSeed(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var mainProfile = mainWallet.SignProfile(new UserProfile(Base64Std.Encode(X25519.GenerateKeyPair().PublicKey32), Base64Std.Encode(mainPublic), ["ds.main.eth"]));
        var claim = await _client.PostAsync("/resolver/profile/address", ResolverTestKit.Json(ResolverTestKit.ClaimBody(mainProfile, mainWallet.Checksum, "addr." + LspHost.MainParent)));
        Assert.Equal(HttpStatusCode.Created, claim.StatusCode);
        return new Setup(lsp, mainWallet.Lower + ".addr." + LspHost.MainParent, mainKey64);
    }

    private JsonObject Attestation(Setup s, string? hash = null, byte[]? key = null, string? main = null, TimeSpan? validity = null)
    {
        var issued = Now.ToUnixTimeSeconds();
        var attestation = new LinkAttestation(main ?? s.MainName, s.Lsp.Name, hash ?? s.Lsp.Profile.Dm3Hash, issued, issued + (long)(validity ?? TimeSpan.FromDays(180)).TotalSeconds)
            .Sign(key ?? s.MainKey64);
        return attestation.ToJson();
    }

    private async Task<HttpResponseMessage> PutAsync(Setup s, JsonObject attestation, JsonObject proof) =>
        await _client.PutAsync("/lsp/v1/link-records/" + s.Lsp.Name, Json(new JsonObject { ["attestation"] = attestation, ["proof"] = proof }));

    private async Task<HttpResponseMessage> DeleteAsync(Setup s, JsonObject proof) =>
        await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/lsp/v1/link-records/" + s.Lsp.Name) { Content = Json(new JsonObject { ["proof"] = proof }) });

    private async Task<string> GatewayLinkAsync(string name, ResolverFamily family)
    {
        var sender = family == ResolverFamily.EnsOffchainResolver ? LspHost.EnsResolver : LspHost.Dm3Resolver;
        var calldata = GatewayTestKit.Outer(family, name, GatewayTestKit.Text(name, "network.dm3.link"));
        var (_, body) = await GatewayTestKit.GetAsync(_client, sender, calldata);
        return GatewayTestKit.DecodeString(GatewayTestKit.Verify(body, family, sender, calldata, Ethereum.AddressFromPrivateKey(host.SignerKey)).Result);
    }

    [Fact]
    public async Task Publish_then_unpublish_is_served_by_the_gateway_as_the_record_then_empty()
    {
        var s = await SetupAsync();
        var attestation = Attestation(s);
        var nonce = await NonceAsync(_client, "publish-link");

        var put = await PutAsync(s, attestation, LinkProof(s.Lsp, nonce, Now));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var record = "data:application/json," + Dm3.Protocol.Json.CanonicalJson.Serialize(attestation);
        Assert.Equal(record, (await Names.GetAsync(s.Lsp.Name, CancellationToken.None))!.Link);
        Assert.Equal(record, await GatewayLinkAsync(s.Lsp.Name, ResolverFamily.EnsOffchainResolver));

        // A publish proof never deletes (§16 item 11).
        var publishNonce = await NonceAsync(_client, "publish-link");
        await AssertProblemAsync(await DeleteAsync(s, LinkProof(s.Lsp, publishNonce, Now, publish: true)), HttpStatusCode.Unauthorized, "invalid_proof");
        Assert.True(await host.NonceExistsAsync("publish-link", publishNonce));

        var unpublishNonce = await NonceAsync(_client, "unpublish-link");
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(s, LinkProof(s.Lsp, unpublishNonce, Now, publish: false))).StatusCode);
        Assert.Null((await Names.GetAsync(s.Lsp.Name, CancellationToken.None))!.Link);
        Assert.Equal("", await GatewayLinkAsync(s.Lsp.Name, ResolverFamily.Dm3Resolver));

        var again = await NonceAsync(_client, "unpublish-link");
        await AssertProblemAsync(await DeleteAsync(s, LinkProof(s.Lsp, again, Now, publish: false)), HttpStatusCode.NotFound, "not_found");
        Assert.True(await host.NonceExistsAsync("unpublish-link", again));
    }

    public static TheoryData<string> Failures() =>
    [
        "unpublish nonce", "signed by another wallet", "proof for another lsp", "unregistered domain", "attestation by another key",
        "attestation for another profile hash", "main profile not hosted here", "attestation valid over 365 days",
    ];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_failing_publish_answers_its_code_stores_nothing_and_burns_no_nonce(string failure)
    {
        var s = await SetupAsync();
        var nonce = await NonceAsync(_client, failure == "unpublish nonce" ? "unpublish-link" : "publish-link");
        var purpose = failure == "unpublish nonce" ? "unpublish-link" : "publish-link";
        var attestation = Attestation(s);
        var proof = LinkProof(s.Lsp, nonce, Now);
        var (status, code) = (HttpStatusCode.Unauthorized, "invalid_proof");
        switch (failure)
        {
            case "signed by another wallet":
                proof["signature"] = new TestWallet().PersonalSign((string)proof["message"]!);
                break;
            case "proof for another lsp":
                proof = LinkProof(new TestLsp(), nonce, Now);
                break;
            case "unregistered domain":
                proof = LinkProof(s.Lsp, nonce, Now, domain: "evil.example");
                break;
            case "attestation by another key":
                attestation = Attestation(s, key: Ed25519.KeyPairFromSeed(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).PrivateKey64);
                (status, code) = (HttpStatusCode.UnprocessableEntity, "invalid_attestation");
                break;
            case "attestation for another profile hash":
                attestation = Attestation(s, hash: "0x" + new string('a', 64));
                (status, code) = (HttpStatusCode.UnprocessableEntity, "invalid_attestation");
                break;
            case "main profile not hosted here":
                attestation = Attestation(s, main: "alice.eth");
                (status, code) = (HttpStatusCode.UnprocessableEntity, "invalid_attestation");
                break;
            case "attestation valid over 365 days":
                attestation = new LinkAttestation(s.MainName, s.Lsp.Name, s.Lsp.Profile.Dm3Hash, Now.ToUnixTimeSeconds(), Now.ToUnixTimeSeconds() + (366L * 86400), Base64Std.Encode(new byte[64])).ToJson();
                (status, code) = (HttpStatusCode.UnprocessableEntity, "invalid_attestation");
                break;
        }

        var response = await PutAsync(s, attestation, proof);

        await AssertProblemAsync(response, status, code);
        if (failure == "main profile not hosted here")
        {
            Assert.Contains("does not resolve to a verified profile", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]);
        }

        Assert.Null((await Names.GetAsync(s.Lsp.Name, CancellationToken.None))!.Link);
        Assert.True(await host.NonceExistsAsync(purpose, nonce));
    }

    [Fact]
    public async Task The_gateway_serves_empty_once_the_attestation_expired_and_a_new_profile_drops_the_record()
    {
        var s = await SetupAsync();
        var nonce = await NonceAsync(_client, "publish-link");
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(s, Attestation(s, validity: TimeSpan.FromDays(1)), LinkProof(s.Lsp, nonce, Now))).StatusCode);

        host.Clock.Advance(TimeSpan.FromDays(1));
        try
        {
            Assert.Equal("", await GatewayLinkAsync(s.Lsp.Name, ResolverFamily.EnsOffchainResolver));
        }
        finally
        {
            host.Clock.Advance(TimeSpan.FromDays(-1));
        }

        nonce = await NonceAsync(_client, "publish-link");
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(s, Attestation(s), LinkProof(s.Lsp, nonce, Now))).StatusCode);
        var lspWallet = new TestWallet(s.Lsp.Keys.WalletPrivateKey);
        var replacement = lspWallet.SignProfile(new UserProfile(s.Lsp.Profile.Profile.PublicEncryptionKey, s.Lsp.Profile.Profile.PublicSigningKey, ["ds.myapp.eth", "ds2.myapp.eth"]));
        var updateNonce = await ResolverTestKit.IssueNonceAsync(_client, "profile-update", LspHost.Parent);
        var text = Dm3Siwe.FormatStrict(Dm3Siwe.Compose(LspHost.Domain, lspWallet.Address, "Update my dm3 profile.", LspHost.Uri, 1, updateNonce, Now,
            Now + TimeSpan.FromSeconds(300), ["urn:dm3:profile-hash:" + replacement.Dm3Hash]));
        var body = ResolverTestKit.ClaimBody(replacement, lspWallet.Checksum, proof: ProofBody(text, lspWallet.PersonalSign(text)));
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("/resolver/profile/address", ResolverTestKit.Json(body))).StatusCode);

        Assert.Null((await Names.GetAsync(s.Lsp.Name, CancellationToken.None))!.Link);
    }
}
