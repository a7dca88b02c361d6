using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Ccip;
using Dm3.Backend.Lsp;
using Dm3.Backend.Names;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Links;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static Dm3.App.Tests.Lsp.LspKit;

namespace Dm3.App.Tests.Lsp;

/// <summary>
/// Every <c>linkedProfiles</c> vector through the service: the owner proof opens a session at the vector's time, the
/// vector's binding passes the registration's binding check, both vector LSPs (signature and random origin) register
/// with their profiles and escrowed keys and come back from escrow, and the publish-link proof with the vector
/// attestation writes the record the gateway serves. The link vectors' attestation is checked against alice.eth,
/// stored here as a hosted name with the vector main key.
/// </summary>
public sealed class LspVectorTests(LspHost host) : IClassFixture<LspHost>
{
    private const string Category = "linkedProfiles";
    private readonly HttpClient _client = host.CreateClient();

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    [SharedDataFact]
    public void The_binding_vector_passes_the_registration_binding_check_and_a_changed_session_does_not()
    {
        var i = SharedData.Vector(Category, "owner-proof-and-binding").Obj("inputs");
        var e = SharedData.Vector(Category, "owner-proof-and-binding").Obj("expected");
        var lspName = SharedData.Vector(Category, "create-from-signature").Obj("expected").Str("lspNameText");
        var owner = Ethereum.AddressFromPrivateKey(i.HexBytes("ownerWalletPrivateKeyHex"));

        Assert.True(RegisterLspHandler.BindingMatches(LspHost.Parent, lspName, owner, i.Str("sessionIdText"), e.Str("lspBindingSignatureHex")));
        Assert.False(RegisterLspHandler.BindingMatches(LspHost.Parent, lspName, owner, "00000000000000000000000000000000", e.Str("lspBindingSignatureHex")));
        Assert.Equal(e.Str("lspBindingText"), new LspBinding(LspHost.Parent, lspName, owner, i.Str("sessionIdText")).Format());
    }

    [SharedDataFact]
    public async Task The_vectors_run_through_session_registration_escrow_and_link_publication()
    {
        var signatureVector = SharedData.Vector(Category, "create-from-signature");
        var proofVector = SharedData.Vector(Category, "owner-proof-and-binding");
        var linkVector = SharedData.Vector(Category, "link-and-accept");
        var publishVector = SharedData.Vector(Category, "publish-link-record-proof");
        var ci = signatureVector.Obj("inputs");
        var ce = signatureVector.Obj("expected");
        var ownerKey = ci.HexBytes("ownerWalletPrivateKeyHex");
        var owner = Ethereum.AddressFromPrivateKey(ownerKey);

        // Owner proof (vector text and signature) at its own time, with its server nonce stored as ours.
        host.Clock.Set(Time(proofVector.Obj("inputs").Str("issuedAtText")) + TimeSpan.FromSeconds(30));
        await host.SeedNonceAsync("owner", proofVector.Obj("inputs").Str("serverNonceText"));
        var opened = await PostSessionAsync(_client, proofVector.Obj("expected").Str("ownerProofMessageText"), proofVector.Obj("expected").Str("ownerProofSignatureHex"));
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var sessionJson = JsonNode.Parse(await opened.Content.ReadAsStringAsync())!;
        Assert.Equal(ci.Str("ownerAddressText"), (string?)sessionJson["owner"]);
        var session = new TestSession((string)sessionJson["token"]!, (string)sessionJson["sessionId"]!, owner);

        // Path (a) LSP of the vector: its SignedUserProfile, creation parameters and keys.
        var lspKeys = LspKeyDerivation.FromIkm(ce.HexBytes("canonicalSignatureIkmHex"));
        var lsp = new TestLsp(lspKeys);
        Assert.Equal(ce.Str("lspSignedUserProfileCanonicalJson"), lsp.Profile.ToCanonicalJson());
        var creation = new JsonObject
        {
            ["domain"] = ci.Str("domainText"),
            ["uri"] = ci.Str("uriText"),
            ["chainId"] = 1,
            ["nonce"] = ci.Str("creationNonceText"),
            ["issuedAt"] = ci.Str("issuedAtText"),
        };
        var registered = await RegisterAsync(_client, session, lsp.RegisterBody(owner, session.SessionId, "signature", creation: creation));
        Assert.True(registered.StatusCode == HttpStatusCode.Created, await registered.Content.ReadAsStringAsync());
        Assert.Equal(ce.Str("lspNameText"), (string?)JsonNode.Parse(await registered.Content.ReadAsStringAsync())!["lspName"]);

        var names = host.Services.GetRequiredService<NameStore>();
        var stored = await names.GetAsync(ce.Str("lspNameText"), CancellationToken.None);
        Assert.Equal(ce.Str("lspProfileHashHex"), stored!.ProfileHash);

        var profiles = await QueryAsync(_client, session, includeEscrow: true);
        var entry = Assert.Single(profiles)!.AsObject();
        Assert.Equal(ce.Str("lspAddressText"), (string?)entry["lspAddress"]);
        Assert.Equal(ce.Str("lspWalletPrivateKeyHex"), (string?)entry["escrow"]!["walletPrivateKey"]);
        Assert.Equal(ce.Str("profileSeedB64"), (string?)entry["escrow"]!["profileSeed"]);
        Assert.Equal(creation.ToJsonString(), entry["creation"]!.ToJsonString());
        var rebuilt = new CreationMessage(ci.Str("domainText"), ci.Str("uriText"), 1, owner, ci.Str("appParentNameText"), ci.Str("creationNonceText"),
            Time(ci.Str("issuedAtText"))).Format();
        Assert.Equal(ce.Str("creationMessageText"), rebuilt);

        // The main profile alice.eth (vector main key), hosted here, and the publish proof + attestation of the vectors.
        var li = linkVector.Obj("inputs");
        var mainSigning = Base64Std.Encode(Convert.FromBase64String(li.Str("mainProfileEd25519PrivateKey64B64"))[32..]);
        var mainProfile = SignedUserProfile.Sign(new UserProfile(Base64Std.Encode(X25519.GenerateKeyPair().PublicKey32), mainSigning, ["ds.main.eth"]), ownerKey);
        var mainJson = mainProfile.ToCanonicalJson();
        await names.InsertAsync(new NameRecord(li.Str("mainProfileNameText"), LspHost.MainParent, Ethereum.ToLowerAddress(owner), mainJson,
            Hashes.Sha256HexOfUtf8(mainJson), 1, host.Clock.GetUtcNow(), null, null), CancellationToken.None);
        var pi = publishVector.Obj("inputs");
        host.Clock.Set(Time(pi.Str("issuedAtText")) + TimeSpan.FromSeconds(30));
        await host.SeedNonceAsync("publish-link", pi.Str("serverNonceText"));
        var record = linkVector.Obj("expected").Str("linkRecordValueText");
        var attestation = JsonNode.Parse(record["data:application/json,".Length..]);
        var body = new JsonObject
        {
            ["attestation"] = attestation,
            ["proof"] = ProofBody(publishVector.Obj("expected").Str("publishProofMessageText"), publishVector.Obj("expected").Str("publishProofSignatureHex")),
        };

        var published = await _client.PutAsync("/lsp/v1/link-records/" + lsp.Name, Json(body));

        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.False(await host.NonceExistsAsync("publish-link", pi.Str("serverNonceText")));
        Assert.Equal(record, (await names.GetAsync(lsp.Name, CancellationToken.None))!.Link);
        var calldata = GatewayTestKit.Outer(ResolverFamily.EnsOffchainResolver, lsp.Name, GatewayTestKit.Text(lsp.Name, "network.dm3.link"));
        var (_, answer) = await GatewayTestKit.GetAsync(_client, LspHost.EnsResolver, calldata);
        Assert.Equal(record, GatewayTestKit.DecodeString(GatewayTestKit.Verify(answer, ResolverFamily.EnsOffchainResolver, LspHost.EnsResolver, calldata, Ethereum.AddressFromPrivateKey(host.SignerKey)).Result));
    }

    [SharedDataFact]
    public async Task The_random_entropy_vector_registers_with_origin_random_and_escrow()
    {
        var v = SharedData.Vector(Category, "create-from-random-entropy");
        var lsp = new TestLsp(LspKeyDerivation.FromEntropy(v.Obj("inputs").HexBytes("entropy32Hex")));
        Assert.Equal(v.Obj("expected").Str("lspSignedUserProfileCanonicalJson"), lsp.Profile.ToCanonicalJson());
        var session = await SessionAsync(_client, new Profiles.TestWallet(), host.Clock.GetUtcNow());

        var response = await RegisterAsync(_client, session, lsp.RegisterBody(session.Owner, session.SessionId));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var entry = Assert.Single(await QueryAsync(_client, session, includeEscrow: true))!.AsObject();
        Assert.Equal("random", (string?)entry["origin"]);
        Assert.Null(entry["creation"]);
        Assert.True(entry.ContainsKey("creation"));
        Assert.Equal(v.Obj("expected").Str("lspWalletPrivateKeyHex"), (string?)entry["escrow"]!["walletPrivateKey"]);
        Assert.Equal(v.Obj("expected").Str("profileSeedB64"), (string?)entry["escrow"]!["profileSeed"]);
    }
}
