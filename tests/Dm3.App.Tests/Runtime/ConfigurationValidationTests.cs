using Dm3.App.Composition;
using Dm3.App.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Dm3.App.Tests.Runtime.Support;

namespace Dm3.App.Tests.Runtime;

/// <summary>The built program refuses to start on a bad setting: one line naming it on stderr, exit code 1.</summary>
public sealed class ConfigurationValidationTests
{
    private static readonly TimeSpan ExitPatience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("Queues__MaxDequeueCount", "five")]
    [InlineData("Queues__VisibilityTimeout", "30 seconds")]
    [InlineData("Messaging__Transport", "kafka")]
    [InlineData("Storage__TablePrefix", "has-hyphen")]
    [InlineData("Storage__ConnectionString", "AccountName=x")]
    [InlineData("Diagnostics__EnableTestFunctions", "yes")]
    [InlineData("EnvelopesQueue", "Upper_Case")]
    [InlineData("SweeperSchedule", "0 */15 * * *")]
    public async Task A_malformed_setting_stops_startup_with_one_line_naming_it(string setting, string value)
    {
        var settings = ValidSettings();
        settings[setting] = value;
        await using var app = AppProcess.Start(settings);

        Assert.True(await app.WaitForExitAsync(ExitPatience), "the app kept running with a malformed setting");
        Assert.Equal(Dm3.Host.AppHost.ConfigurationErrorExitCode, app.ExitCode);
        var line = OneLine(app);
        Assert.StartsWith("Configuration error: setting '" + setting + "'", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_storage_settings_name_the_setting_to_add()
    {
        var settings = ValidSettings();
        settings.Remove("Storage__ConnectionString");
        await using var app = AppProcess.Start(settings);

        Assert.True(await app.WaitForExitAsync(ExitPatience));
        Assert.Equal(1, app.ExitCode);
        Assert.Contains("'Storage__tableServiceUri' is required", OneLine(app), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_key_is_named_but_never_echoed()
    {
        var settings = ValidSettings();
        settings[KeyMaterial.EncryptionKeySetting] = "c2VjcmV0LXZhbHVlLXRvby1zaG9ydA==";
        await using var app = AppProcess.Start(settings);

        Assert.True(await app.WaitForExitAsync(ExitPatience));
        Assert.Equal(1, app.ExitCode);
        var line = OneLine(app);
        Assert.Contains(KeyMaterial.EncryptionKeySetting, line, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", string.Join("\n", app.Stderr.Concat(app.Stdout)), StringComparison.Ordinal);
    }

    [Fact]
    public void In_the_functions_worker_keys_are_required_instead_of_generated()
    {
        // The worker's composition (Program.cs of Dm3.Functions): AddDm3 for the worker, then StartupValidation.
        var settings = ValidSettings();
        settings.Remove("DevKeys__Enabled");
        settings.Remove("DevKeys__Path");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(SettingsReader.ToKey(s.Key), s.Value)))
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddDm3(Features.All, Path.GetTempPath(), HostModel.FunctionsWorker);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<SettingsException>(() => StartupValidation.Validate(provider));
        Assert.Contains("setting 'Gateway__SignerPrivateKey' is required", error.Message, StringComparison.Ordinal);
        Assert.True(provider.GetRequiredService<RuntimeSettings>().FunctionsWorker);
    }

    [Fact]
    public async Task Standalone_mode_generates_dev_keys_once_and_reads_local_settings_with_env_overriding()
    {
        var dir = Directory.CreateTempSubdirectory("dm3-local-").FullName;
        var prefix = TestStorage.NewTablePrefix("ls");
        File.WriteAllText(Path.Combine(dir, "local.settings.json"), $$"""
            { "IsEncrypted": false, "Values": {
                "Storage__ConnectionString": "{{TestStorage.ConnectionString}}",
                "Storage__TablePrefix": "{{prefix}}",
                "Queues__MaxDequeueCount": "not-a-number" } }
            """);
        var env = new Dictionary<string, string?> { ["Queues__MaxDequeueCount"] = "4", ["Storage__QueuePrefix"] = TestStorage.NewQueuePrefix("ls") };
        TestStorage.EnsureReachable();

        await using (var first = AppProcess.Start(env, dir))
        {
            await first.WaitReadyAsync(TimeSpan.FromSeconds(30));
            Assert.Contains(first.Stdout, l => l.Contains("local.settings.json", StringComparison.Ordinal));
        }
        var keysFile = Path.Combine(dir, ".dev-keys", "dev-keys.json");
        Assert.True(File.Exists(keysFile));
        var keys = File.ReadAllText(keysFile);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keysFile));
        }

        await using (var second = AppProcess.Start(env, dir))
        {
            await second.WaitReadyAsync(TimeSpan.FromSeconds(30));
            Assert.DoesNotContain(second.Stdout, l => l.Contains(keys[..Math.Min(40, keys.Length)], StringComparison.Ordinal));
        }
        Assert.Equal(keys, File.ReadAllText(keysFile));
        foreach (var name in new[] { KeyMaterial.GatewaySignerPrivateKeySetting, KeyMaterial.EncryptionKeySetting, KeyMaterial.SigningKeySetting, KeyMaterial.TokenSecretSetting, KeyMaterial.OwnerIndexKeySetting })
        {
            Assert.Contains("\"" + name + "\"", keys, StringComparison.Ordinal);
        }
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>Exactly one non-empty line on stderr.</summary>
    private static string OneLine(AppProcess app)
    {
        var lines = app.Stderr.Where(l => l.Trim().Length > 0).ToArray();
        Assert.True(lines.Length == 1, "stderr:\n" + string.Join("\n", lines));
        return lines[0];
    }

    private static Dictionary<string, string?> ValidSettings() => new()
    {
        ["Storage__ConnectionString"] = TestStorage.ConnectionString,
        ["Storage__TablePrefix"] = TestStorage.NewTablePrefix("cfg"),
        ["DevKeys__Enabled"] = "true",
        ["DevKeys__Path"] = Path.Combine(Path.GetTempPath(), "dm3-cfg-" + Guid.NewGuid().ToString("N"), "dev-keys.json"),
        ["PublicBaseUrl"] = "http://localhost:5000",
    };
}
