using System.Collections.Concurrent;
using System.Security.Cryptography;
using Dm3.App.Configuration;
using Dm3.App.Runtime;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Protocol.Crypto;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Dm3.App.Tests.ReferenceDefects;

/// <summary>
/// The whole program (resolver, gateway, delivery service and the standalone queue pump) against Azurite, with its own
/// table and queue prefixes, fixed keys the tests can look for, a settable clock and a logger provider that records
/// every log entry at every level. Fails loudly when Azurite is unreachable.
/// </summary>
internal sealed class DefectsHost : WebApplicationFactory<Dm3.Host.Program>
{
    public const string Parent = "myapp.eth";
    public const string DsName = "ds." + Parent;
    public const string Domain = "app.example.com";
    public const string EnsResolver = "0x1111111111111111111111111111111111111111";
    public const string Dm3Resolver = "0x2222222222222222222222222222222222222222";

    private readonly Dictionary<string, string?> _settings;

    public DefectsHost(IDictionary<string, string?>? overrides = null)
    {
        TestStorage.EnsureReachable();
        DsEncryptionKey = X25519.GenerateKeyPair().PrivateKey32;
        DsSigningKey = Ed25519.KeyPairFromSeed(RandomNumberGenerator.GetBytes(32)).PrivateKey64;
        GatewaySignerKey = Delivery.Support.TestUser.RandomWalletKey();
        TokenSecret = RandomNumberGenerator.GetBytes(32);
        OwnerIndexKey = RandomNumberGenerator.GetBytes(32);
        TablePrefix = TestStorage.NewTablePrefix("rd");
        QueuePrefix = TestStorage.NewQueuePrefix("rd");
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Storage__ConnectionString"] = TestStorage.ConnectionString,
            ["Storage__TablePrefix"] = TablePrefix,
            ["Storage__QueuePrefix"] = QueuePrefix,
            ["Messaging__Transport"] = "storageQueues",
            ["Queues__PumpEnabled"] = "true",
            ["Queues__RetryDelay"] = "00:00:00",
            ["Queues__MaxPollingInterval"] = "00:00:00.2",
            ["Queues__ShutdownGrace"] = "00:00:02",
            ["Timers__Enabled"] = "false",
            ["DevKeys__Enabled"] = "false",
            ["Gateway__SignerPrivateKey"] = Convert.ToHexStringLower(GatewaySignerKey),
            ["Gateway__Resolvers__0__Address"] = EnsResolver,
            ["Gateway__Resolvers__0__Family"] = "ens",
            ["Gateway__Resolvers__1__Address"] = Dm3Resolver,
            ["Gateway__Resolvers__1__Family"] = "dm3",
            ["DeliveryService__EncryptionPrivateKey"] = Convert.ToBase64String(DsEncryptionKey),
            ["DeliveryService__SigningPrivateKey"] = Convert.ToBase64String(DsSigningKey),
            ["DeliveryService__TokenSecret"] = Convert.ToBase64String(TokenSecret),
            ["Links__OwnerIndexKey"] = Convert.ToBase64String(OwnerIndexKey),
            ["DeliveryService__Url"] = "https://ds.example.com",
            ["PublicBaseUrl"] = "https://ds.example.com",
            ["Apps__0__ParentName"] = Parent,
            ["Apps__0__ChainIds__0"] = "1",
            ["Apps__0__Domains__0__Host"] = Domain,
            ["Apps__0__Domains__0__Scopes__0"] = "register",
            ["Apps__0__Domains__0__Scopes__1"] = "delete",
            ["Logging__LogLevel__Default"] = "Trace",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public Delivery.Support.TestClock Clock { get; } = new();

    public CapturingLoggerProvider Logs { get; } = new();

    public byte[] DsEncryptionKey { get; }

    public byte[] DsEncryptionPublicKey => X25519.PublicKeyFromPrivate(DsEncryptionKey);

    public byte[] DsSigningKey { get; }

    public byte[] GatewaySignerKey { get; }

    public byte[] GatewaySignerAddress => Ethereum.AddressFromPrivateKey(GatewaySignerKey);

    public byte[] TokenSecret { get; }

    public byte[] OwnerIndexKey { get; }

    public string TablePrefix { get; }

    public string QueuePrefix { get; }

    public async Task WaitForStorageAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Services.GetRequiredService<StorageReadiness>().WaitAsync(timeout.Token);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(SettingsReader.ToKey(key), value);
        }

        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace));
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<ILoggerProvider>(Logs);
        });
    }
}

/// <summary>Records every log entry: category, level, the formatted message, every structured value, scopes and exceptions.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<string> Entries => [.. _entries];

    public string AllText => string.Join("\n", _entries);

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = new System.Text.StringBuilder();
            text.Append(category).Append(" [").Append(logLevel).Append("] ").Append(formatter(state, exception));
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    text.Append(" |").Append(key).Append('=').Append(value);
                }
            }

            owner._scopes.ForEachScope((scope, sb) => sb.Append(" |scope=").Append(scope), text);
            if (exception is not null)
            {
                text.Append(" |exception=").Append(exception);
            }

            owner._entries.Enqueue(text.ToString());
        }
    }
}
