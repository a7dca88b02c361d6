using System.Security.Cryptography;
using Dm3.Adapters.Queues;
using Dm3.App.Configuration;
using Dm3.App.Runtime;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Backend.Messaging;
using Dm3.Backend.Storage;
using Dm3.Protocol.Crypto;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dm3.App.Tests.Delivery.Support;

/// <summary>A clock the app under test and the test share (starts at the real time, whole seconds).</summary>
public sealed class TestClock : TimeProvider
{
    private long _ticks = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>
/// The real program (WebApplicationFactory&lt;Program&gt;) against Azurite (fails loudly when it is unreachable), standalone
/// mode, with its own table and queue prefixes, fixed DS keys, one app <c>myapp.eth</c>, timers off (tests run the sweeper
/// directly) and a shared <see cref="TestClock"/>. The queue pump runs only when asked for.
/// </summary>
internal sealed class DeliveryHost : WebApplicationFactory<Dm3.Host.Program>
{
    public const string Parent = "myapp.eth";
    public const string DsName = "ds." + Parent;

    private readonly Dictionary<string, string?> _settings;
    private readonly Func<IPipelinePublisher, IPipelinePublisher>? _decoratePublisher;
    private readonly Action<IServiceCollection>? _configureServices;

    public DeliveryHost(bool pump, IDictionary<string, string?>? overrides = null, Func<IPipelinePublisher, IPipelinePublisher>? decoratePublisher = null,
        Action<IServiceCollection>? configureServices = null)
    {
        _configureServices = configureServices;
        TestStorage.EnsureReachable();
        _decoratePublisher = decoratePublisher;
        DsEncryptionKey = X25519.GenerateKeyPair().PrivateKey32;
        DsSigningKey = Ed25519.KeyPairFromSeed(RandomNumberGenerator.GetBytes(32)).PrivateKey64;
        TablePrefix = TestStorage.NewTablePrefix("dl");
        QueuePrefix = TestStorage.NewQueuePrefix("dl");
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Storage__ConnectionString"] = TestStorage.ConnectionString,
            ["Storage__TablePrefix"] = TablePrefix,
            ["Storage__QueuePrefix"] = QueuePrefix,
            ["Messaging__Transport"] = "storageQueues",
            ["Queues__PumpEnabled"] = pump ? "true" : "false",
            ["Queues__MaxConcurrency"] = "32",
            ["Queues__BatchSize"] = "32",
            ["Queues__VisibilityTimeout"] = "00:00:10",
            ["Queues__RetryDelay"] = "00:00:00",
            ["Queues__MaxPollingInterval"] = "00:00:00.2",
            ["Queues__ShutdownGrace"] = "00:00:02",
            ["Timers__Enabled"] = "false",
            ["DevKeys__Enabled"] = "false",
            ["Gateway__SignerPrivateKey"] = Convert.ToHexStringLower(TestUser.RandomWalletKey()),
            ["DeliveryService__EncryptionPrivateKey"] = Convert.ToBase64String(DsEncryptionKey),
            ["DeliveryService__SigningPrivateKey"] = Convert.ToBase64String(DsSigningKey),
            ["DeliveryService__TokenSecret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Links__OwnerIndexKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["DeliveryService__Url"] = "https://ds.example.com",
            ["PublicBaseUrl"] = "https://ds.example.com",
            ["Apps__0__ParentName"] = Parent,
            ["Apps__0__ChainIds__0"] = "1",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public TestClock Clock { get; } = new();

    public byte[] DsEncryptionKey { get; }

    public byte[] DsEncryptionPublicKey => X25519.PublicKeyFromPrivate(DsEncryptionKey);

    public byte[] DsSigningKey { get; }

    public byte[] DsSigningPublicKey => DsSigningKey[32..];

    public string TablePrefix { get; }

    public string QueuePrefix { get; }

    public string Table(string logical) => TablePrefix + logical;

    public string EnvelopesQueue => QueuePrefix + "envelopes";

    public ITableStore Tables => Services.GetRequiredService<ITableStore>();

    public IStorageQueueClient Queues => Services.GetRequiredService<IStorageQueueClient>();

    public async Task WaitForStorageAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Services.GetRequiredService<StorageReadiness>().WaitAsync(timeout.Token);
    }

    /// <summary>Every row of a table (test sizes only).</summary>
    public async Task<List<TableEntity>> RowsAsync(string logicalTable, string? filter = null)
    {
        var rows = new List<TableEntity>();
        string? continuation = null;
        do
        {
            var page = await Tables.QueryAsync(Table(logicalTable), new TableQuery(filter), continuation, CancellationToken.None);
            rows.AddRange(page.Items);
            continuation = page.Continuation;
        }
        while (continuation is not null);
        return rows;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(SettingsReader.ToKey(key), value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            if (_decoratePublisher is { } decorate)
            {
                var existing = services.Last(d => d.ServiceType == typeof(IPipelinePublisher));
                services.Remove(existing);
                services.AddSingleton(sp => decorate((IPipelinePublisher)existing.ImplementationFactory!(sp)));
            }

            _configureServices?.Invoke(services);
        });
    }
}
