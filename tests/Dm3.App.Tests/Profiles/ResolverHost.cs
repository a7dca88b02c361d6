using System.Security.Cryptography;
using Dm3.Adapters.KeyVault;
using Dm3.Adapters.Storage;
using Dm3.Adapters.Tests.Support;
using Dm3.Backend.Signing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dm3.App.Tests.Profiles;

/// <summary>A settable clock shared by the app under test and the test.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void Set(DateTimeOffset now) => _now = now;
}

/// <summary>
/// The real program (WebApplicationFactory) against Azurite with a unique table prefix, one app <c>myapp.eth</c>
/// (domain app.example.com with scopes register+delete, chain 1; domain other.example.com with scope query only),
/// fixed keys, a settable clock and the gateway configured for <see cref="EnsResolver"/> (ens) and <see cref="Dm3Resolver"/> (dm3).
/// Fails loudly when Azurite is not reachable.
/// </summary>
public sealed class ResolverHost : WebApplicationFactory<Dm3.Host.Program>
{
    public const string Parent = "myapp.eth";
    public const string Domain = "app.example.com";
    public const string QueryOnlyDomain = "other.example.com";
    public const string DsUrl = "https://ds.example.com";
    public const string EnsResolver = "0x1111111111111111111111111111111111111111";
    public const string Dm3Resolver = "0x2222222222222222222222222222222222222222";

    private readonly Dictionary<string, string?> _settings;

    public ResolverHost()
        : this(null, null)
    {
    }

    private ResolverHost(IDictionary<string, string?>? overrides, byte[]? signerKey)
    {
        var table = Environment.GetEnvironmentVariable("DM3_TEST_TABLE_ENDPOINT") ?? "http://127.0.0.1:10002/devstoreaccount1";
        var queue = Environment.GetEnvironmentVariable("DM3_TEST_QUEUE_ENDPOINT") ?? "http://127.0.0.1:10001/devstoreaccount1";
        Azurite.EnsureReachable(new Uri(table));
        SignerKey = signerKey ?? RandomKey();
        DsSigningSeed = RandomNumberGenerator.GetBytes(32);
        DsEncryptionKey = RandomNumberGenerator.GetBytes(32);
        TablePrefix = "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        _settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={StorageConnection.DevelopmentAccountKey};TableEndpoint={table};QueueEndpoint={queue};",
            ["Storage:TablePrefix"] = TablePrefix,
            ["Queues:PumpEnabled"] = "false",
            ["DevKeys:Enabled"] = "false",
            ["Gateway:SignerPrivateKey"] = Convert.ToHexStringLower(SignerKey),
            ["DeliveryService:EncryptionPrivateKey"] = Convert.ToBase64String(DsEncryptionKey),
            ["DeliveryService:SigningPrivateKey"] = Convert.ToBase64String(DsSigningSeed),
            ["DeliveryService:TokenSecret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Auth:TokenSecret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Links:OwnerIndexKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["DeliveryService:Url"] = DsUrl,
            ["Apps:0:ParentName"] = Parent,
            ["Apps:0:ChainIds:0"] = "1",
            ["Apps:0:Domains:0:Host"] = Domain,
            ["Apps:0:Domains:0:Scopes:0"] = "register",
            ["Apps:0:Domains:0:Scopes:1"] = "delete",
            ["Apps:0:Domains:1:Host"] = QueryOnlyDomain,
            ["Apps:0:Domains:1:Scopes:0"] = "query",
            ["Gateway:Resolvers:0:Address"] = EnsResolver,
            ["Gateway:Resolvers:0:Family"] = "ens",
            ["Gateway:Resolvers:1:Address"] = Dm3Resolver,
            ["Gateway:Resolvers:1:Family"] = "dm3",
        };
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[k] = v;
        }
    }

    /// <summary>A host with extra or replaced settings and, optionally, a fixed gateway signer key.</summary>
    public static ResolverHost Create(IDictionary<string, string?>? overrides = null, byte[]? signerKey = null) => new(overrides, signerKey);

    public ManualClock Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public byte[] SignerKey { get; }

    public byte[] DsSigningSeed { get; }

    public byte[] DsEncryptionKey { get; }

    public string TablePrefix { get; }

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
        });
    }

    public static byte[] RandomKey()
    {
        while (true)
        {
            var key = RandomNumberGenerator.GetBytes(32);
            if (Dm3.Protocol.Crypto.Secp256k1.IsValidPrivateKey(key))
            {
                return key;
            }
        }
    }
}
