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
    public const string EnsResolver = Support.TestHostSettings.EnsResolver;
    public const string Dm3Resolver = Support.TestHostSettings.Dm3Resolver;

    private readonly Dictionary<string, string?> _settings;

    public ResolverHost()
        : this(null, null)
    {
    }

    private ResolverHost(IDictionary<string, string?>? overrides, byte[]? signerKey)
    {
        SignerKey = signerKey ?? RandomKey();
        DsSigningSeed = RandomNumberGenerator.GetBytes(32);
        DsEncryptionKey = RandomNumberGenerator.GetBytes(32);
        TablePrefix = "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        _settings = Support.TestHostSettings.Common(TablePrefix, SignerKey, DsSigningSeed, DsEncryptionKey, DsUrl);
        _settings["Apps:0:ParentName"] = Parent;
        _settings["Apps:0:ChainIds:0"] = "1";
        _settings["Apps:0:Domains:0:Host"] = Domain;
        _settings["Apps:0:Domains:0:Scopes:0"] = "register";
        _settings["Apps:0:Domains:0:Scopes:1"] = "delete";
        _settings["Apps:0:Domains:1:Host"] = QueryOnlyDomain;
        _settings["Apps:0:Domains:1:Scopes:0"] = "query";
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
