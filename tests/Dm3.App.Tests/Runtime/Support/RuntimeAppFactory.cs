using Dm3.App.Configuration;
using Dm3.App.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.Runtime.Support;

/// <summary>
/// The standalone host (WebApplicationFactory&lt;Dm3.Host.Program&gt;) with settings given in app-setting form. Every instance
/// gets its own table and queue prefixes and dev-keys file, so test classes never share storage.
/// </summary>
internal sealed class RuntimeAppFactory : WebApplicationFactory<Dm3.Host.Program>
{
    private readonly Dictionary<string, string?> _settings;

    public RuntimeAppFactory(string tag, IDictionary<string, string?>? overrides = null)
    {
        TablePrefix = TestStorage.NewTablePrefix(tag);
        QueuePrefix = TestStorage.NewQueuePrefix(tag);
        DevKeysPath = Path.Combine(Path.GetTempPath(), "dm3-runtime-tests", TablePrefix, "dev-keys.json");
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Storage__ConnectionString"] = TestStorage.ConnectionString,
            ["Storage__TablePrefix"] = TablePrefix,
            ["Storage__QueuePrefix"] = QueuePrefix,
            ["Messaging__Transport"] = "storageQueues",
            ["Diagnostics__EnableTestFunctions"] = "true",
            ["DevKeys__Enabled"] = "true",
            ["DevKeys__Path"] = DevKeysPath,
            ["Queues__VisibilityTimeout"] = "00:00:05",
            ["Queues__RetryDelay"] = "00:00:00",
            ["Queues__MaxPollingInterval"] = "00:00:00.2",
            ["Queues__ShutdownGrace"] = "00:00:02",
            ["DiagnosticsQueue"] = "diagnostics",
        };
        foreach (var (key, value) in TestDefaults.FeatureSettings)
        {
            _settings.TryAdd(key, value);
        }
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string TablePrefix { get; }

    public string QueuePrefix { get; }

    public string DevKeysPath { get; }

    public string Setting(string name) => _settings.TryGetValue(name, out var v) && v is not null ? v : "";

    public string Table(string logical) => TablePrefix + logical;

    public async Task WaitForStorageAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Services.GetRequiredService<StorageReadiness>().WaitAsync(timeout.Token);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        TestStorage.EnsureReachable();
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(SettingsReader.ToKey(key), value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            Directory.Delete(Path.GetDirectoryName(DevKeysPath)!, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Settings the feature slices need to start (kept here so runtime tests boot the whole program).</summary>
internal static class TestDefaults
{
    public static IReadOnlyDictionary<string, string?> FeatureSettings { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["PublicBaseUrl"] = "http://localhost:5000",
    };
}
