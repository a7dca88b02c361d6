using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Dm3.Adapters.Queues;
using Dm3.Adapters.Tables;
using Dm3.Backend.Messaging;
using Dm3.Backend.Storage;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;

namespace Dm3.Bench.Runtime;

/// <summary>
/// `bench runtime`: cold start of the standalone host to its first 200 (target &lt; 500 ms), standalone queue pump
/// throughput on Azurite (diagnostic messages, end to end), and Table point reads/s and inserts/s through
/// <see cref="TableServiceStore"/> at concurrency 1 and 16. The Functions worker's cold start is not measured here:
/// it needs the Functions host, which cannot be obtained on this machine.
/// </summary>
internal sealed class RuntimeSuite : BenchSuite
{
    private const double ColdStartTargetMs = 500;
    private readonly Option<int> _coldRuns = SuiteOptions.Create("--cold-runs", "Cold starts measured (median reported).", 5);
    private readonly Option<int> _messages = SuiteOptions.Create("--messages", "Diagnostic messages for the pump throughput.", 1000);
    private readonly Option<double> _tableSeconds = SuiteOptions.Create("--table-seconds", "Seconds per Table operation and concurrency.", 2.0);

    public override string Name => "runtime";

    public override string Description => "Cold start of the standalone host, its queue pump throughput, Table point reads/s and inserts/s through the adapter.";

    public override int Order => 30;

    public override void AddOptions(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(_coldRuns);
        command.Options.Add(_messages);
        command.Options.Add(_tableSeconds);
    }

    public override async Task<int> RunAsync(BenchSettings settings, ParseResult parseResult, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var root = settings.RepositoryRoot;
        Console.WriteLine("bench runtime: cold start of the standalone host, queue pump throughput, Table operations through TableServiceStore (Azurite in memory).");
        Console.WriteLine("  " + BenchMachine.Describe());

        await using var azurite = await LocalAzurite.StartAsync(root, cancellationToken);

        var cold = await ColdStartAsync(root, azurite, parseResult, cancellationToken);
        var pump = await PumpAsync(root, azurite, Math.Max(16, parseResult.ValueOrDefault(_messages, 1000)), cancellationToken);
        var tables = await TablesAsync(azurite, TimeSpan.FromSeconds(Math.Max(0.2, parseResult.ValueOrDefault(_tableSeconds, 2.0))), cancellationToken);

        Console.WriteLine();
        Console.WriteLine($"bench runtime ({BenchMachine.Describe()})");
        Console.Write(cold.Table);
        Console.WriteLine(cold.Notes);
        Console.WriteLine();
        Console.Write(pump.Table);
        Console.WriteLine(pump.Notes);
        Console.WriteLine();
        Console.Write(tables);
        return 0;
    }

    // ---- cold start -------------------------------------------------------------------------------------------------
    private sealed record Section(string Table, string Notes);

    private async Task<Section> ColdStartAsync(string root, LocalAzurite azurite, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var dll = BackendProcess.HostDll(root);
        var r2r = IsReadyToRun(dll);
        Console.WriteLine($"  cold start: dotnet {dll} (written {File.GetLastWriteTimeUtc(dll):yyyy-MM-dd HH:mm} UTC, {(r2r ? "ReadyToRun" : "JIT")}), "
            + "app settings as environment; GET / polled every 25 ms.");

        var runs = Math.Max(1, parseResult.ValueOrDefault(_coldRuns, 5));
        var times = new List<double>();
        var listeningTimes = new List<double>();
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, ConnectTimeout = TimeSpan.FromSeconds(1) })
        {
            Timeout = TimeSpan.FromSeconds(2),
        };
        for (var run = 0; run < runs; run++)
        {
            var port = BenchMachine.FreePort();
            var environment = new Dictionary<string, string>(BackendProcess.TestKeys())
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["DevKeys__Enabled"] = "false",
                ["Storage__ConnectionString"] = azurite.ConnectionString(),
                ["Messaging__Transport"] = "storageQueues",
                ["Gateway__SignerPrivateKey"] = Hex.Encode(BackendProcess.RandomSecp256k1Key()),
                ["Apps__0__ParentName"] = "bench.eth",
                ["PublicBaseUrl"] = "https://bench.example",
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information", // "Now listening on" marks Kestrel's start
            };
            var url = new Uri($"http://127.0.0.1:{port}/");
            var stopwatch = Stopwatch.StartNew();
            await using var process = ServiceProcess.Start("standalone host", "dotnet", [dll], environment, Path.GetDirectoryName(dll)!, watchFor: "Now listening on");
            double? elapsed = null;
            while (stopwatch.Elapsed < TimeSpan.FromSeconds(30))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"the standalone host exited during start-up:\n{ServiceProcess.Tail(process.Output, 3000)}");
                }

                try
                {
                    using var response = await http.GetAsync(url, cancellationToken);
                    if ((int)response.StatusCode == 200)
                    {
                        elapsed = stopwatch.Elapsed.TotalMilliseconds;
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // accepted but not answering yet
                }

                await Task.Delay(25, cancellationToken);
            }

            if (elapsed is null)
            {
                throw new TimeoutException($"the standalone host did not answer GET / with 200 within 30 s:\n{ServiceProcess.Tail(process.Output, 3000)}");
            }

            var listening = process.WatchedLine.IsCompletedSuccessfully ? process.WatchedLine.Result.TotalMilliseconds : (double?)null;
            Console.WriteLine($"  cold start {run + 1}: {elapsed:0} ms (Kestrel listening after {BenchMachine.Ms(listening)} ms)");
            times.Add(elapsed.Value);
            if (listening is { } l)
            {
                listeningTimes.Add(l);
            }
        }

        var sorted = times.Order().ToList();
        var median = Median(sorted)!.Value;
        var listeningSorted = listeningTimes.Order().ToList();
        var table = TextTable.Render(["cold start (standalone host)", "runs", "median ms", "min ms", "max ms", "first run ms", "target"],
        [
            [$"{(r2r ? "ReadyToRun" : "JIT")} build: process start -> first 200 on GET /", times.Count.ToString(CultureInfo.InvariantCulture),
                BenchMachine.Ms(median), BenchMachine.Ms(sorted[0]), BenchMachine.Ms(sorted[^1]), BenchMachine.Ms(times[0]), "< 500 ms"],
            ["  of which: process start -> Kestrel listening", listeningTimes.Count.ToString(CultureInfo.InvariantCulture),
                BenchMachine.Ms(Median(listeningSorted)), BenchMachine.Ms(listeningSorted.Count > 0 ? listeningSorted[0] : null),
                BenchMachine.Ms(listeningSorted.Count > 0 ? listeningSorted[^1] : null), BenchMachine.Ms(listeningTimes.Count > 0 ? listeningTimes[0] : null), ""],
        ]);
        var notes = $"  target cold start < {ColdStartTargetMs:0} ms (median): {(median < ColdStartTargetMs ? "met" : "NOT met")}; "
            + "measured from process start (the files are in the page cache after the first run). The Functions worker's cold start "
            + "(custom-handler row before) is not measured: the Functions host cannot be obtained here.";
        return new Section(table, notes);
    }

    /// <summary>Whether the assembly carries ReadyToRun code (a ManagedNativeHeader in its CLI header).</summary>
    private static bool IsReadyToRun(string assemblyPath)
    {
        try
        {
            using var stream = File.OpenRead(assemblyPath);
            using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
            return pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
        }
        catch (Exception e) when (e is IOException or BadImageFormatException)
        {
            return false;
        }
    }

    // ---- queue pump -------------------------------------------------------------------------------------------------
    private static async Task<Section> PumpAsync(string root, LocalAzurite azurite, int messages, CancellationToken cancellationToken)
    {
        const string Queue = "diagnostics";
        const string EffectsTable = "benchDiagEffects";
        await using var backend = await BackendProcess.StartStandaloneAsync(root, new Dictionary<string, string>(BackendProcess.TestKeys())
        {
            ["Storage__ConnectionString"] = azurite.ConnectionString(),
            ["Storage__TablePrefix"] = "bench",
            ["Diagnostics__EnableTestFunctions"] = "true",
            ["DiagnosticsQueue"] = Queue,
            ["Queues__PumpEnabled"] = "true",
            ["Gateway__SignerPrivateKey"] = Hex.Encode(BackendProcess.RandomSecp256k1Key()),
            ["Apps__0__ParentName"] = "bench.eth",
        }, cancellationToken);
        Console.WriteLine($"  pump: standalone backend (pid {backend.ProcessId}), Diagnostics__EnableTestFunctions=true, pump defaults (batch 16, concurrency 16, max polling interval 2 s); "
            + $"{messages} messages published with concurrency 16 straight to the queue, done when every DiagEffects row exists.");

        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        var publisher = new StorageQueuePublisher(azurite.Queues());
        var tables = azurite.Tables();
        var batchTag = Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();

        async Task PublishAsync(string prefix, int count)
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
                await publisher.PublishAsync(Queue, new PipelineMessage($"{prefix}-{i:D6}", "diagnostic", ""), ct));
        }

        async Task<int> EffectsAsync()
        {
            var count = 0;
            string? continuation = null;
            do
            {
                var page = await tables.QueryAsync(EffectsTable, new TableQuery(TableFilter.PartitionKeyEquals("effect"), ["Count"], 1000), continuation, cancellationToken);
                count += page.Items.Count;
                continuation = page.Continuation;
            }
            while (continuation is not null);
            return count;
        }

        var queues = azurite.Queues();

        // Done = every effect row exists. To keep the polling from loading Azurite, wait (cheap peeks) until the queue
        // shows no visible message, then count the effect rows.
        async Task<TimeSpan> WaitForEffectsAsync(int expected, Stopwatch clock, TimeSpan timeout)
        {
            while (clock.Elapsed < timeout)
            {
                if ((await queues.PeekAsync(Queue, 1, cancellationToken)).Count == 0 && await EffectsAsync() >= expected)
                {
                    return clock.Elapsed;
                }

                await Task.Delay(25, cancellationToken);
            }

            throw new TimeoutException($"only {await EffectsAsync()} of {expected} diagnostic effects after {timeout.TotalSeconds:0} s:\n{ServiceProcess.Tail(backend.Output, 3000)}");
        }

        // Warm-up: JIT of the pump and handler paths, queue and tables created.
        const int WarmUp = 32;
        await PublishAsync($"warm-{batchTag}", WarmUp);
        await WaitForEffectsAsync(WarmUp, Stopwatch.StartNew(), TimeSpan.FromSeconds(60));

        var clock = Stopwatch.StartNew();
        await PublishAsync($"run-{batchTag}", messages);
        var published = clock.Elapsed;
        var done = await WaitForEffectsAsync(WarmUp + messages, clock, TimeSpan.FromSeconds(120));

        var table = TextTable.Render(["queue pump (Azurite, standalone)", "messages", "seconds", "messages/s"],
        [
            ["publish (16 concurrent senders, pump running)", messages.ToString(CultureInfo.InvariantCulture), BenchMachine.Number(published.TotalSeconds), BenchMachine.Rate(messages / published.TotalSeconds)],
            ["end to end: first publish -> last effect", messages.ToString(CultureInfo.InvariantCulture), BenchMachine.Number(done.TotalSeconds), BenchMachine.Rate(messages / done.TotalSeconds)],
            ["of which after the last publish (drain)", "", BenchMachine.Number((done - published).TotalSeconds), ""],
        ]);
        var notes = "  per message the pump does: receive (batch), Processed check, the handler (DiagAttempts insert, DiagEffects read + insert), "
            + "Processed insert, delete; done = no visible message left (peek every 25 ms) and every DiagEffects row present; Azurite (one node process) is shared by publisher, pump and poller.";
        return new Section(table, notes);
    }

    // ---- Table operations -------------------------------------------------------------------------------------------
    private static async Task<string> TablesAsync(LocalAzurite azurite, TimeSpan duration, CancellationToken cancellationToken)
    {
        var store = azurite.Tables();
        const string Table = "benchTableOps";
        await store.CreateTableIfNotExistsAsync(Table, cancellationToken);
        Console.WriteLine($"  tables: entity = a Names-like row (string ~600 chars, long, DateTimeOffset, string), {duration.TotalSeconds:0.#} s per run after 0.5 s warm-up.");

        var profile = new string('p', 600);
        var inserted = new System.Collections.Concurrent.ConcurrentBag<string>();
        TableEntity Entity(string rowKey) => new("bench", rowKey, new Dictionary<string, object?>
        {
            ["Profile"] = profile,
            ["Version"] = 1L,
            ["UpdatedAt"] = DateTimeOffset.UtcNow,
            ["Address"] = "0x0000000000000000000000000000000000000000",
        });

        async Task InsertAsync(CancellationToken ct)
        {
            var key = Guid.NewGuid().ToString("N");
            var result = await store.InsertAsync(Table, Entity(key), ct);
            if (!result.IsOk)
            {
                throw new InvalidOperationException($"insert returned {result.Status}");
            }

            inserted.Add(key);
        }

        string[]? keys = null;
        async Task ReadAsync(CancellationToken ct)
        {
            var key = keys![Random.Shared.Next(keys.Length)];
            if (await store.GetAsync(Table, "bench", key, ct) is null)
            {
                throw new InvalidOperationException("point read found nothing");
            }
        }

        var rows = new List<IReadOnlyList<string>>();
        foreach (var (label, operation) in new (string, Func<CancellationToken, Task>)[] { ("insert", InsertAsync), ("point read", ReadAsync) })
        {
            foreach (var concurrency in new[] { 1, 16 })
            {
                keys = [.. inserted];
                await RunConcurrentlyAsync(operation, concurrency, TimeSpan.FromSeconds(0.5), cancellationToken);
                var (count, elapsed, latencies) = await RunConcurrentlyAsync(operation, concurrency, duration, cancellationToken);
                latencies.Sort();
                var rate = count / elapsed.TotalSeconds;
                Console.WriteLine($"  {label,-10} concurrency {concurrency,2}: {rate,8:N0} ops/s  p50 {BenchMachine.Ms(Percentile(latencies, 50))} ms  p99 {BenchMachine.Ms(Percentile(latencies, 99))} ms");
                rows.Add([$"{label} (TableServiceStore)", concurrency.ToString(CultureInfo.InvariantCulture), BenchMachine.Rate(rate), BenchMachine.Ms(Percentile(latencies, 50)), BenchMachine.Ms(Percentile(latencies, 99))]);
            }
        }

        return TextTable.Render(["Table operation (Azurite)", "concurrency", "ops/s", "p50 ms", "p99 ms"], rows);
    }

    private static async Task<(long Count, TimeSpan Elapsed, List<double> LatenciesMs)> RunConcurrentlyAsync(Func<CancellationToken, Task> operation, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var perWorker = new List<double>[concurrency];
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var latencies = perWorker[w] = [];
            while (clock.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                await operation(cancellationToken);
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed;
        var all = perWorker.SelectMany(l => l).ToList();
        return (all.Count, elapsed, all);
    }

    private static double? Median(List<double> sorted) =>
        sorted.Count == 0 ? null : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    private static double? Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
