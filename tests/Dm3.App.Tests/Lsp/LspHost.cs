using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dm3.Adapters.KeyVault;
using Dm3.Adapters.Storage;
using Dm3.Adapters.Tests.Support;
using Dm3.App.Functions;
using Dm3.App.Tests.Profiles;
using Dm3.Backend.Lsp;
using Dm3.Backend.Runtime;
using Dm3.Backend.Signing;
using Dm3.Backend.Storage;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Links;
using Dm3.Protocol.Profiles;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dm3.App.Tests.Lsp;

/// <summary>
/// The real program against Azurite (unique table prefix) for the linked-profile API: app <c>myapp.eth</c> with the
/// vectors' component domain <c>app.myapp.example</c> (query, register, escrow, delete) and a dApp domain
/// <c>dapp.example.com</c> (query, register); a second app <c>main.eth</c> for main profiles; a settable clock; a local
/// RSA-3072 escrow wrapping key. Fails loudly when Azurite is not reachable.
/// </summary>
public sealed class LspHost : WebApplicationFactory<Dm3.Host.Program>
{
    public const string Parent = "myapp.eth";
    public const string Domain = "app.myapp.example";
    public const string Uri = "https://app.myapp.example/messaging";
    public const string DappDomain = "dapp.example.com";
    public const string MainParent = "main.eth";
    public const string MainDomain = "main.example";
    public const string AllowedOrigin = "https://app.myapp.example";
    public const string EnsResolver = Support.TestHostSettings.EnsResolver;
    public const string Dm3Resolver = Support.TestHostSettings.Dm3Resolver;

    private static readonly Lazy<string[]> WrappingKeys = new(() => [.. Enumerable.Range(0, 2).Select(_ =>
    {
        using var rsa = RSA.Create(LocalKeyWrapper.KeySizeBits);
        return rsa.ExportPkcs8PrivateKeyPem();
    })]);
    private readonly Dictionary<string, string?> _settings;

    public LspHost()
        : this(null)
    {
    }

    private LspHost(IDictionary<string, string?>? overrides)
    {
        TablePrefix = "l" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        SignerKey = ResolverHost.RandomKey();
        _settings = Support.TestHostSettings.Common(TablePrefix, SignerKey, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32), "https://ds.example.com");
        foreach (var (k, v) in new Dictionary<string, string?>
        {
            ["Apps:0:ParentName"] = Parent,
            ["Apps:0:ChainIds:0"] = "1",
            ["Apps:0:AllowedOrigins:0"] = AllowedOrigin,
            // The suites share one client address; the rate-limit tests use their own host with the spec's defaults.
            ["Apps:0:LspLimits:NoncesPerMinutePerIp"] = "100000",
            ["Apps:0:LspLimits:NoncesPerMinutePerApp"] = "100000",
            ["Apps:0:Domains:0:Host"] = Domain,
            ["Apps:0:Domains:0:UriPrefixes:0"] = Uri,
            ["Apps:0:Domains:0:Scopes:0"] = "query",
            ["Apps:0:Domains:0:Scopes:1"] = "register",
            ["Apps:0:Domains:0:Scopes:2"] = "escrow",
            ["Apps:0:Domains:0:Scopes:3"] = "delete",
            ["Apps:0:Domains:1:Host"] = DappDomain,
            ["Apps:0:Domains:1:Scopes:0"] = "query",
            ["Apps:0:Domains:1:Scopes:1"] = "register",
            ["Apps:1:ParentName"] = MainParent,
            ["Apps:1:LspLimits:NoncesPerMinutePerIp"] = "100000",
            ["Apps:1:LspLimits:NoncesPerMinutePerApp"] = "100000",
            ["Apps:1:Domains:0:Host"] = MainDomain,
            ["Apps:1:Domains:0:Scopes:0"] = "register",
        })
        {
            _settings[k] = v;
        }

        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[k] = v;
        }
    }

    public static LspHost Create(IDictionary<string, string?> overrides) => new(overrides);

    public ManualClock Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public string TablePrefix { get; }

    public byte[] SignerKey { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            services.RemoveAll<IDigestSigner>();
            services.AddSingleton<IDigestSigner>(new LocalDigestSigner(SignerKey));
            services.RemoveAll<IKeyWrapper>();
            services.AddSingleton<IKeyWrapper>(KeyWrapper);
        });
    }

    /// <summary>Two local key versions; <see cref="RotatingKeyWrapper.Rotate"/> makes the second current.</summary>
    public RotatingKeyWrapper KeyWrapper { get; } = new([.. WrappingKeys.Value.Select(LocalKeyWrapper.FromPem)]);

    public ITableStore Tables => Services.GetRequiredService<ITableStore>();

    public string Table(string logical) => Services.GetRequiredService<StorageNames>().Table(logical);

    /// <summary>Every entity of a logical table.</summary>
    public async Task<List<TableEntity>> RowsAsync(string logical)
    {
        var rows = new List<TableEntity>();
        var name = Table(logical);
        await Tables.CreateTableIfNotExistsAsync(name, CancellationToken.None);
        string? continuation = null;
        do
        {
            var page = await Tables.QueryAsync(name, new TableQuery(), continuation, CancellationToken.None);
            rows.AddRange(page.Items);
            continuation = page.Continuation;
        }
        while (continuation is not null);

        return rows;
    }

    /// <summary>Every logical table the app declares.</summary>
    public IEnumerable<string> DeclaredTables => Services.GetRequiredService<FunctionCatalog>().Tables.Keys;

    /// <summary>Stores a server nonce directly (the vectors' fixed nonces).</summary>
    public async Task SeedNonceAsync(string purpose, string nonce, string app = Parent)
    {
        var name = Table("Nonces");
        await Tables.CreateTableIfNotExistsAsync(name, CancellationToken.None);
        await Tables.UpsertAsync(name, new TableEntity(purpose, nonce, new Dictionary<string, object?>
        {
            ["App"] = app,
            ["ExpiresAt"] = Clock.GetUtcNow() + TimeSpan.FromSeconds(600),
        }), TableUpdateMode.Replace, CancellationToken.None);
    }

    public async Task<bool> NonceExistsAsync(string purpose, string nonce) =>
        await Tables.GetAsync(Table("Nonces"), purpose, nonce, CancellationToken.None) is not null;
}

/// <summary>A key wrapper with several versions (like a Key Vault key after rotation): wraps with the current one, unwraps with the one named.</summary>
public sealed class RotatingKeyWrapper(IReadOnlyList<LocalKeyWrapper> versions) : IKeyWrapper
{
    private int _current;

    public string CurrentKeyId => versions[_current].KeyId;

    public void Rotate() => _current = (_current + 1) % versions.Count;

    public Task<WrappedKey> WrapAsync(ReadOnlyMemory<byte> plaintextKey, CancellationToken cancellationToken) =>
        versions[_current].WrapAsync(plaintextKey, cancellationToken);

    public Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken) =>
        versions.Single(v => v.KeyId == wrapped.KeyId).UnwrapAsync(wrapped, cancellationToken);
}

/// <summary>An LSP: its derived keys and signed profile.</summary>
public sealed class TestLsp
{
    public TestLsp(LspKeys? keys = null, string app = LspHost.Parent)
    {
        Keys = keys ?? LspKeyDerivation.FromNewEntropy();
        Name = Keys.LspName(app);
        Profile = SignedUserProfile.Sign(new UserProfile(Base64Std.Encode(Keys.EncryptionPublicKey), Base64Std.Encode(Keys.SigningPublicKey), ["ds." + app]),
            Keys.WalletPrivateKey);
    }

    public LspKeys Keys { get; }

    public string Name { get; }

    public SignedUserProfile Profile { get; }

    public string WalletKeyHex => Hex.Encode(Keys.WalletPrivateKey);

    public string ProfileSeedB64 => Base64Std.Encode(Keys.ProfileSeed);

    public string SignBinding(byte[] owner, string sessionId, string app = LspHost.Parent) =>
        Ethereum.PersonalSign(Keys.WalletPrivateKey, new LspBinding(app, Name, owner, sessionId).Format());

    public JsonObject RegisterBody(byte[] owner, string sessionId, string origin = "random", bool escrow = true, JsonObject? creation = null)
    {
        var body = new JsonObject
        {
            ["lspName"] = Name,
            ["signedUserProfile"] = Profile.ToJsonObject(),
            ["origin"] = origin,
            ["binding"] = new JsonObject { ["signature"] = SignBinding(owner, sessionId) },
        };
        if (creation is not null)
        {
            body["creation"] = creation;
        }

        if (escrow)
        {
            body["escrow"] = new JsonObject { ["walletPrivateKey"] = WalletKeyHex, ["profileSeed"] = ProfileSeedB64 };
        }

        return body;
    }
}

/// <summary>An opened owner session.</summary>
public sealed record TestSession(string Token, string SessionId, byte[] Owner);

/// <summary>Requests of the linked-profile API.</summary>
public static class LspKit
{
    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public static async Task<string> NonceAsync(HttpClient client, string purpose = "owner", string app = LspHost.Parent)
    {
        var response = await client.PostAsJsonAsync("/lsp/v1/nonces", new { app, purpose });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["nonce"]!;
    }

    /// <summary>The component's owner-proof text (§5.2).</summary>
    public static string OwnerProof(TestWallet owner, string nonce, DateTimeOffset now, string[]? scopes = null, string domain = LspHost.Domain,
        string uri = LspHost.Uri, ulong chainId = 1, TimeSpan? lifetime = null, string app = LspHost.Parent) =>
        new OwnerProofMessage(domain, uri, chainId, owner.Address, app, nonce, now, now + (lifetime ?? TimeSpan.FromSeconds(300)),
            scopes ?? ["query", "register", "escrow", "delete"]).Format();

    public static JsonObject ProofBody(string message, string signature) => new() { ["message"] = message, ["signature"] = signature };

    public static Task<HttpResponseMessage> PostSessionAsync(HttpClient client, string message, string signature) =>
        client.PostAsync("/lsp/v1/sessions", Json(ProofBody(message, signature)));

    public static async Task<TestSession> SessionAsync(HttpClient client, TestWallet owner, DateTimeOffset now, string[]? scopes = null, string domain = LspHost.Domain,
        string uri = LspHost.Uri)
    {
        var nonce = await NonceAsync(client);
        var text = OwnerProof(owner, nonce, now, scopes, domain, uri);
        var response = await PostSessionAsync(client, text, owner.PersonalSign(text));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return new TestSession((string)body["token"]!, (string)body["sessionId"]!, owner.Address);
    }

    public static HttpRequestMessage Authorized(HttpMethod method, string path, TestSession? session, JsonNode? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) };
        if (session is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.Token);
        }

        return request;
    }

    public static Task<HttpResponseMessage> RegisterAsync(HttpClient client, TestSession session, JsonObject body) =>
        client.SendAsync(Authorized(HttpMethod.Post, "/lsp/v1/profiles", session, body));

    public static async Task<JsonArray> QueryAsync(HttpClient client, TestSession session, bool includeEscrow = false)
    {
        var response = await client.SendAsync(Authorized(HttpMethod.Post, "/lsp/v1/profiles/query", session, new JsonObject { ["includeEscrow"] = includeEscrow }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["profiles"]!.AsArray();
    }

    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, (string?)JsonNode.Parse(text)!["code"]);
    }

    /// <summary>The publish/unpublish proof text (§9.3, §16 item 11) signed by the LSP wallet.</summary>
    public static JsonObject LinkProof(TestLsp lsp, string nonce, DateTimeOffset now, bool publish = true, string domain = LspHost.Domain)
    {
        var statement = publish ? LinkedProfileTexts.PublishLinkStatement(LspHost.Parent) : LinkRecordsHandler.UnpublishStatement(LspHost.Parent);
        var scope = publish ? "publish-link" : "unpublish-link";
        var message = Dm3.Protocol.Siwe.Dm3Siwe.Compose(domain, lsp.Keys.Address, statement, "https://" + domain + "/messaging", 1, nonce, now,
            now + TimeSpan.FromSeconds(300), [LinkedProfileTexts.AppResource(LspHost.Parent), LinkedProfileTexts.ScopeResourcePrefix + scope,
                LinkedProfileTexts.LspProfileResourcePrefix + lsp.Name]);
        var text = Dm3.Protocol.Siwe.Dm3Siwe.FormatStrict(message);
        return ProofBody(text, Ethereum.PersonalSign(lsp.Keys.WalletPrivateKey, text));
    }
}
