using System.Diagnostics;
using System.Net.Http.Json;
using Dm3.Adapters.Queues;
using Dm3.Adapters.Tables;
using Dm3.App.Diagnostics;
using Dm3.App.Runtime;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;

namespace Dm3.App.Tests.Runtime;

/// <summary>
/// Fault injection with the built program as a real child process against Azurite: SIGKILL mid-message, a handler
/// that always fails, and Azurite restarting under the pump. Each test stays well under 60 s.
/// </summary>
public sealed class FaultTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_process_killed_mid_message_processes_it_after_restart_with_exactly_one_effect()
    {
        TestStorage.EnsureReachable();
        var settings = Settings("kill", TestStorage.ConnectionString);
        var tablePrefix = settings["Storage__TablePrefix"]!;
        using var http = new HttpClient();
        var tables = TestStorage.Tables(http);
        var id = "kill-" + Guid.NewGuid().ToString("N");

        await using (var first = AppProcess.Start(settings))
        {
            await first.WaitReadyAsync(Patience);
            await EnqueueAsync(first, id, "sleep=3000");
            // The handler has started (an attempt row exists) and is sleeping before its effect: kill it.
            await TestStorage.EventuallyAsync(async () => (await Attempts(tables, tablePrefix, id)).Count > 0, Patience, "the first attempt to start");
            first.Kill();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        Assert.Null(await EffectCount(tables, tablePrefix, id));

        await using var second = AppProcess.Start(settings);
        await second.WaitReadyAsync(Patience);
        // Visibility timeout is 6 s: the message reappears and is processed by the new process.
        await TestStorage.EventuallyAsync(() => EffectCount(tables, tablePrefix, id), Patience, "the effect after restart");
        await Task.Delay(TimeSpan.FromSeconds(7)); // longer than a visibility timeout: no further delivery may add an effect
        Assert.Equal(1, await EffectCount(tables, tablePrefix, id));
        var attempts = await Attempts(tables, tablePrefix, id);
        Assert.Equal(2, attempts.Count);
        Assert.Equal(2, attempts.Select(a => a.GetInt64("ProcessId")).Distinct().Count());
        Assert.Contains(attempts, a => a.GetInt64("DequeueCount") == 2);
    }

    [Fact]
    public async Task A_handler_failing_every_time_lands_in_the_poison_queue_and_the_reason_is_logged()
    {
        TestStorage.EnsureReachable();
        var settings = Settings("psn", TestStorage.ConnectionString);
        settings["Queues__MaxDequeueCount"] = "3";
        using var http = new HttpClient();
        var queues = TestStorage.Queues(http);
        var id = "psn-" + Guid.NewGuid().ToString("N");

        await using var app = AppProcess.Start(settings);
        await app.WaitReadyAsync(Patience);
        await EnqueueAsync(app, id, "fail=99");

        var queue = settings["Storage__QueuePrefix"] + "diagnostics";
        await TestStorage.EventuallyAsync(async () => (await queues.PeekAsync(StorageNames.PoisonQueueOf(queue), 32, default))
            .FirstOrDefault(m => QueueMessageText.TryDecode(m.MessageText, out var text) && text.Contains(id, StringComparison.Ordinal)), Patience, "the poison message");
        Assert.Empty(await queues.PeekAsync(queue, 32, default));
        var line = await app.WaitForLogAsync(l => l.Contains("Poison", StringComparison.Ordinal) && l.Contains(id, StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the poison log line");
        Assert.Contains("after 3 attempts", line, StringComparison.Ordinal);
        Assert.Contains("diagnostic failure on attempt 3", line, StringComparison.Ordinal);
        // Every attempt's failure reason was logged too.
        Assert.Equal(3, app.Stdout.Count(l => l.Contains("failed message " + id, StringComparison.Ordinal) && l.Contains("diagnostic failure on attempt", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_pump_resumes_without_losing_messages_when_azurite_restarts()
    {
        await using var azurite = await PrivateAzurite.StartAsync();
        var settings = Settings("rst", azurite.ConnectionString);
        var tablePrefix = settings["Storage__TablePrefix"]!;
        using var http = new HttpClient();
        var tables = TestStorage.Tables(http, azurite.TableEndpoint);

        await using var app = AppProcess.Start(settings);
        await app.WaitReadyAsync(Patience);
        var before = Enumerable.Range(0, 5).Select(i => $"rst-a{i}-{Guid.NewGuid():N}").ToList();
        foreach (var id in before)
        {
            await EnqueueAsync(app, id, "");
        }
        await TestStorage.EventuallyAsync(async () => (await Task.WhenAll(before.Select(id => EffectCount(tables, tablePrefix, id)))).All(c => c == 1), Patience, "the first batch");

        // Messages written while the pump runs, then Azurite goes away and comes back (same data directory).
        var during = Enumerable.Range(0, 5).Select(i => $"rst-b{i}-{Guid.NewGuid():N}").ToList();
        foreach (var id in during)
        {
            await EnqueueAsync(app, id, "sleep=500");
        }
        // Longer than the SDK clients' own retry budget (AdapterRetry: 4 retries, 0.25 s doubling ≈ 4 s), so the pump
        // itself meets the outage instead of the SDK absorbing it.
        await azurite.RestartAsync(downtime: TimeSpan.FromSeconds(8));
        var after = Enumerable.Range(0, 5).Select(i => $"rst-c{i}-{Guid.NewGuid():N}").ToList();
        foreach (var id in after)
        {
            await EnqueueAsync(app, id, "");
        }

        await TestStorage.EventuallyAsync(async () => (await Task.WhenAll(during.Concat(after).Select(id => EffectCount(tables, tablePrefix, id)))).All(c => c >= 1), TimeSpan.FromSeconds(40), "every message after the restart");
        Assert.All(await Task.WhenAll(before.Concat(during).Concat(after).Select(id => EffectCount(tables, tablePrefix, id))), c => Assert.Equal(1, c));
        Assert.False(app.HasExited);
        Assert.Contains(app.Stdout, l => l.Contains("cannot reach the queue service", StringComparison.Ordinal) || l.Contains("could not settle", StringComparison.Ordinal) || l.Contains("failed message", StringComparison.Ordinal));
    }

    private static Dictionary<string, string?> Settings(string tag, string connectionString) => new()
    {
        ["Storage__ConnectionString"] = connectionString,
        ["Storage__TablePrefix"] = TestStorage.NewTablePrefix(tag),
        ["Storage__QueuePrefix"] = TestStorage.NewQueuePrefix(tag),
        ["Diagnostics__EnableTestFunctions"] = "true",
        ["DevKeys__Enabled"] = "true",
        ["DevKeys__Path"] = Path.Combine(Path.GetTempPath(), "dm3-fault-" + tag + Guid.NewGuid().ToString("N"), "dev-keys.json"),
        ["Queues__VisibilityTimeout"] = "00:00:06",
        ["Queues__RetryDelay"] = "00:00:00",
        ["Queues__MaxPollingInterval"] = "00:00:00.2",
        ["Queues__ShutdownGrace"] = "00:00:01",
        ["PublicBaseUrl"] = "http://localhost:5000",
    };

    private static async Task EnqueueAsync(AppProcess app, string id, string reference)
    {
        using var client = new HttpClient { BaseAddress = app.BaseAddress };
        for (var attempt = 0; ; attempt++)
        {
            var response = await client.PostAsJsonAsync("/diagnostics/enqueue", new { id, @ref = reference });
            if (response.StatusCode == System.Net.HttpStatusCode.Accepted)
            {
                return;
            }
            if (attempt > 40)
            {
                Assert.Fail($"enqueue of {id} kept failing: {(int)response.StatusCode}\n{string.Join("\n", app.Stdout.TakeLast(15))}");
            }
            await Task.Delay(250);
        }
    }

    private static async Task<long?> EffectCount(TableServiceStore tables, string prefix, string id)
    {
        try
        {
            return (await tables.GetAsync(prefix + DiagnosticsFeature.EffectsTable, "effect", id, default))?.GetInt64("Count");
        }
        catch (Exception ex) when (ex is HttpRequestException or Dm3.Adapters.Http.RemoteServiceException)
        {
            return null; // Azurite restarting or the table not created yet
        }
    }

    private static async Task<IReadOnlyList<TableEntity>> Attempts(TableServiceStore tables, string prefix, string id)
    {
        try
        {
            return (await tables.QueryAsync(prefix + DiagnosticsFeature.AttemptsTable, new TableQuery(TableFilter.PartitionKeyEquals(id)), null, default)).Items;
        }
        catch (Dm3.Adapters.Http.RemoteServiceException)
        {
            return [];
        }
    }
}

/// <summary>An Azurite of our own on free ports with a data directory (not in-memory), so a restart keeps the data.</summary>
internal sealed class PrivateAzurite : IAsyncDisposable
{
    private readonly string _location = Directory.CreateTempSubdirectory("dm3-azurite-").FullName;
    private readonly int _blobPort = AppProcess.FreePort();
    private readonly int _queuePort = AppProcess.FreePort();
    private readonly int _tablePort = AppProcess.FreePort();
    private Process? _process;

    public Uri TableEndpoint => new($"http://127.0.0.1:{_tablePort}/devstoreaccount1");

    public Uri QueueEndpoint => new($"http://127.0.0.1:{_queuePort}/devstoreaccount1");

    public string ConnectionString => TestStorage.ConnectionStringFor(TableEndpoint, QueueEndpoint);

    public static async Task<PrivateAzurite> StartAsync()
    {
        var azurite = new PrivateAzurite();
        await azurite.LaunchAsync();
        return azurite;
    }

    public async Task RestartAsync(TimeSpan downtime)
    {
        Stop();
        await Task.Delay(downtime);
        await LaunchAsync();
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }

    private async Task LaunchAsync()
    {
        var executable = RepositoryFiles.PathOf("node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Azurite is not installed at {executable} (run npm ci). The runtime tests never skip.");
        }
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
            "--blobPort", _blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queuePort", _queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tablePort", _tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--location", _location,
        })
        {
            info.ArgumentList.Add(arg);
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await TestStorage.EventuallyAsync(() => Task.FromResult<bool?>(CanConnect(_tablePort) && CanConnect(_queuePort)), TimeSpan.FromSeconds(20), "the private Azurite to listen");
    }

    /// <summary>A graceful stop (SIGTERM) so Azurite flushes its data directory, as a service restart would.</summary>
    private void Stop()
    {
        if (_process is { HasExited: false })
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                term.WaitForExit(5_000);
            }
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5_000);
            }
        }
        _process?.Dispose();
        _process = null;
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            return tcp.ConnectAsync("127.0.0.1", port).Wait(TimeSpan.FromMilliseconds(500)) && tcp.Connected;
        }
        catch (AggregateException)
        {
            return false;
        }
    }
}
