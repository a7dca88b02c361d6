using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dm3.Adapters.Queues;
using Dm3.Bench.Runtime;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;

namespace Dm3.Bench.Delivery;

/// <summary>
/// `bench delivery`: dm3_submitMessage throughput (envelopes/s accepted), submit → inbox latency p50/p99 with the
/// standalone pump on Azurite (from the client's send to the service's write time of the delivered inbox row), and Table
/// transactions per delivered envelope (target ≤ 3), counted at a pass-through proxy in front of Azurite's Table endpoint.
/// </summary>
internal sealed class DeliverySuite : BenchSuite
{
    private const string Parent = "bench.eth";
    private const string InboxTable = "benchInbox";
    private const double TransactionsTarget = 3;

    private readonly Option<int> _envelopes = SuiteOptions.Create("--envelopes", "Envelopes of the throughput run.", 600);
    private readonly Option<int> _concurrency = SuiteOptions.Create("--concurrency", "Concurrent submitters of the throughput run.", 8);
    private readonly Option<int> _countEnvelopes = SuiteOptions.Create("--count-envelopes", "Envelopes delivered while counting Table transactions.", 100);
    private readonly Option<int> _pacedEnvelopes = SuiteOptions.Create("--paced-envelopes", "Envelopes of the light-load latency run (10 per second).", 40);

    public override string Name => "delivery";

    public override string Description => "Delivery service: envelopes/s accepted, submit -> inbox latency p50/p99 with the standalone pump, Table transactions per delivered envelope.";

    public override int Order => 40;

    public override void AddOptions(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(_envelopes);
        command.Options.Add(_concurrency);
        command.Options.Add(_countEnvelopes);
        command.Options.Add(_pacedEnvelopes);
    }

    public override async Task<int> RunAsync(BenchSettings settings, ParseResult parseResult, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var root = settings.RepositoryRoot;
        var loadCount = Math.Max(10, parseResult.ValueOrDefault(_envelopes, 600));
        var concurrency = Math.Max(1, parseResult.ValueOrDefault(_concurrency, 8));
        var countCount = Math.Max(1, parseResult.ValueOrDefault(_countEnvelopes, 100));
        var pacedCount = Math.Max(1, parseResult.ValueOrDefault(_pacedEnvelopes, 40));

        Console.WriteLine("bench delivery: POST /rpc dm3_submitMessage (npm-form envelopes built by Dm3.Protocol), delivered by the standalone queue pump (defaults: batch 16, concurrency 16, max polling interval 2 s).");
        Console.WriteLine("  " + BenchMachine.Describe());

        var dsEncryptionPrivate = RandomNumberGenerator.GetBytes(32);
        var dsEncryptionPublic = X25519.PublicKeyFromPrivate(dsEncryptionPrivate);
        await using var azurite = await LocalAzurite.StartAsync(root, cancellationToken);
        await using var proxy = await CountingProxy.StartAsync(azurite.TableEndpoint, cancellationToken);
        var common = new Dictionary<string, string>(BackendProcess.TestKeys())
        {
            ["DeliveryService__EncryptionPrivateKey"] = Convert.ToBase64String(dsEncryptionPrivate),
            ["Apps__0__ParentName"] = Parent,
            ["Gateway__SignerPrivateKey"] = Hex.Encode(BackendProcess.RandomSecp256k1Key()),
            ["Queues__PumpEnabled"] = "true",
            ["Storage__TablePrefix"] = "bench",
        };

        // Two backends on the same tables, each with its own queue: "ours" talks to Azurite directly (figures), "counted"
        // through the counting proxy (Table transactions).
        await using var ours = await BackendProcess.StartStandaloneAsync(root, new Dictionary<string, string>(common)
        {
            ["Storage__ConnectionString"] = azurite.ConnectionString(),
            ["Storage__QueuePrefix"] = "perf-",
        }, cancellationToken);
        await using var counted = await BackendProcess.StartStandaloneAsync(root, new Dictionary<string, string>(common)
        {
            ["Storage__ConnectionString"] = azurite.ConnectionString(proxy.Endpoint),
            ["Storage__QueuePrefix"] = "count-",
        }, cancellationToken);
        Console.WriteLine($"  ours: {BackendProcess.HostDll(root)} (standalone, pid {ours.ProcessId}); counted twin pid {counted.ProcessId}; Azurite in memory (pid {azurite.ProcessId})");

        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10), MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(60) };
        var users = await RegisterUsersAsync(http, ours.Url, 8, cancellationToken);
        Console.WriteLine($"  registered {users.Count} users (resolver claim, which opens the account, + challenge flow); envelopes go from user i to user (i + 1) mod {users.Count}");

        var sequence = 0;
        List<(string Hash, string Body)> Envelopes(int count) => Enumerable.Range(0, count).Select(_ =>
        {
            var n = Interlocked.Increment(ref sequence);
            var from = users[n % users.Count];
            var to = users[(n + 1) % users.Count];
            var message = Message.CreateSigned(new MessageMetadata(to.Name, from.Name, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + n, MessageType.New),
                $"bench message {n}: the quick brown fox jumps over the lazy dog", null, from.Keys.SigningPrivateKey);
            var envelope = EnvelopeBuilder.Build(message, to.Keys.EncryptionPublicKey, dsEncryptionPublic, from.Keys.SigningPrivateKey, MessageHashField.EncryptedMessageHash);
            var body = new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = n,
                ["method"] = "dm3_submitMessage",
                ["params"] = new JsonArray(envelope.CanonicalJson, ""),
            };
            return (envelope.MessageHash.ToLowerInvariant(), body.ToJsonString());
        }).ToList();

        var timestamps = new TableTimestamps(azurite.TableService());
        var queues = azurite.Queues();

        // Waits until every hash has its inbox row delivered (RK = <sender>|<hash>); returns the rows' write times by hash.
        async Task<Dictionary<string, DateTimeOffset>> DeliveredAsync(string queue, IReadOnlyCollection<string> hashes, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if ((await queues.PeekAsync(queue, 1, cancellationToken)).Count == 0)
                {
                    var rows = await timestamps.QueryAsync(InboxTable, "State eq 'delivered'", cancellationToken);
                    var arrived = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
                    foreach (var (_, rowKey, timestamp) in rows)
                    {
                        arrived[rowKey[(rowKey.LastIndexOf('|') + 1)..].ToLowerInvariant()] = timestamp;
                    }

                    if (hashes.All(arrived.ContainsKey))
                    {
                        return arrived;
                    }
                }

                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException($"envelopes were not all delivered within {timeout.TotalSeconds:0} s\n{ServiceProcess.Tail(ours.Output + counted.Output, 3000)}");
                }

                await Task.Delay(25, cancellationToken);
            }
        }

        // 1. Table transactions per delivered envelope (warm caches first: the hot path is what we count).
        var countedWarm = Envelopes(10);
        var countedWarmSubmit = await SubmitAsync(http, counted.Url, countedWarm, 2, null, cancellationToken);
        await DeliveredAsync("count-envelopes", countedWarmSubmit.AcceptedHashes, TimeSpan.FromSeconds(60));
        await Task.Delay(500, cancellationToken);
        var countBatch = Envelopes(countCount);
        proxy.Reset();
        var countSubmit = await SubmitAsync(http, counted.Url, countBatch, 4, null, cancellationToken);
        await DeliveredAsync("count-envelopes", countSubmit.AcceptedHashes, TimeSpan.FromSeconds(120));
        await Task.Delay(500, cancellationToken); // anything still following the handler (DeliverEnvelope keeps no Processed record)
        var counts = proxy.Snapshot();
        var delivered = Math.Max(1, countSubmit.Accepted);
        var perEnvelope = (double)counts.Values.Sum() / delivered;
        Console.WriteLine($"  counted: {delivered} envelopes -> {counts.Values.Sum()} Table transactions ({string.Join(", ", counts.Select(kv => $"{kv.Key}: {kv.Value}"))}){(countSubmit.Failures > 0 ? $"; {countSubmit.Failures} submissions failed: {countSubmit.Sample}" : "")}");

        // 2. Throughput: submit everything at once, then wait for delivery.
        var warm = Envelopes(20);
        var warmSubmit = await SubmitAsync(http, ours.Url, warm, 4, null, cancellationToken);
        await DeliveredAsync("perf-envelopes", warmSubmit.AcceptedHashes, TimeSpan.FromSeconds(60));
        var load = Envelopes(loadCount);
        var loadClock = Stopwatch.StartNew();
        var loadSubmit = await SubmitAsync(http, ours.Url, load, concurrency, null, cancellationToken);
        var submitSeconds = loadClock.Elapsed.TotalSeconds;
        var loadArrivals = await DeliveredAsync("perf-envelopes", loadSubmit.AcceptedHashes, TimeSpan.FromSeconds(180));
        var lastArrival = loadSubmit.AcceptedHashes.Max(h => loadArrivals[h]);
        var firstSent = loadSubmit.SentAt.Values.Min();
        var loadLatencies = Latencies(load, loadSubmit, loadArrivals);
        Console.WriteLine($"  burst: {loadSubmit.Accepted} accepted in {submitSeconds:0.00} s ({loadSubmit.Accepted / submitSeconds:0} envelopes/s, submit p50 {BenchMachine.Ms(loadSubmit.P50)} ms); "
            + $"all in the inbox {(lastArrival - firstSent).TotalSeconds:0.00} s after the first send{(loadSubmit.Failures > 0 ? $"; {loadSubmit.Failures} failed: {loadSubmit.Sample}" : "")}");

        // 3. Light load: 10 envelopes per second.
        await Task.Delay(1000, cancellationToken);
        var paced = Envelopes(pacedCount);
        var pacedSubmit = await SubmitAsync(http, ours.Url, paced, 1, TimeSpan.FromMilliseconds(100), cancellationToken);
        var pacedArrivals = await DeliveredAsync("perf-envelopes", pacedSubmit.AcceptedHashes, TimeSpan.FromSeconds(120));
        var pacedLatencies = Latencies(paced, pacedSubmit, pacedArrivals);

        Console.WriteLine();
        Console.WriteLine($"bench delivery ({BenchMachine.Describe()})");
        Console.Write(TextTable.Render(["delivery (Azurite, standalone pump)", "envelopes", "envelopes/s", "submit p50 ms", "submit p99 ms", "submit -> inbox p50 ms", "p99 ms", "failures"],
        [
            [$"burst: {concurrency} concurrent submitters", loadSubmit.Accepted.ToString(CultureInfo.InvariantCulture),
                $"{BenchMachine.Rate(loadSubmit.Accepted / submitSeconds)} accepted, {BenchMachine.Rate(loadSubmit.Accepted / (lastArrival - firstSent).TotalSeconds)} delivered",
                BenchMachine.Ms(loadSubmit.P50), BenchMachine.Ms(loadSubmit.P99), BenchMachine.Ms(Percentile(loadLatencies, 50)), BenchMachine.Ms(Percentile(loadLatencies, 99)),
                loadSubmit.Failures.ToString(CultureInfo.InvariantCulture)],
            ["light load: 10 envelopes/s, one at a time", pacedSubmit.Accepted.ToString(CultureInfo.InvariantCulture), "10 offered",
                BenchMachine.Ms(pacedSubmit.P50), BenchMachine.Ms(pacedSubmit.P99), BenchMachine.Ms(Percentile(pacedLatencies, 50)), BenchMachine.Ms(Percentile(pacedLatencies, 99)),
                pacedSubmit.Failures.ToString(CultureInfo.InvariantCulture)],
        ]));
        Console.WriteLine();
        Console.Write(TextTable.Render(["Table transactions (counted at a proxy)", "envelopes", "transactions", "per delivered envelope", "target"],
        [
            ["submit + deliver (incl. any runtime records), warm caches", delivered.ToString(CultureInfo.InvariantCulture),
                counts.Values.Sum().ToString(CultureInfo.InvariantCulture), BenchMachine.Number(perEnvelope), $"<= {TransactionsTarget:0}"],
        ]));
        Console.WriteLine("  per kind: " + string.Join(", ", counts.Select(kv => $"{kv.Key} {BenchMachine.Number((double)kv.Value / delivered)}")));
        Console.WriteLine("  latency = the service's write time of the delivered inbox row (Azurite Timestamp) minus the client's send time; "
            + "light-load latency is dominated by the pump's idle polling (Queues__MaxPollingInterval 2 s, as the Functions queue trigger).");
        Console.WriteLine($"  target Table transactions per delivered envelope <= {TransactionsTarget:0}: {(perEnvelope <= TransactionsTarget ? "met" : "NOT met")} ({perEnvelope:0.00})");
        return 0;
    }

    internal sealed record User(string Name, ProfileKeys Keys, string Token);

    private sealed record SubmitResult(int Accepted, int Failures, string? Sample, Dictionary<string, DateTimeOffset> SentAt, IReadOnlyList<string> AcceptedHashes, double? P50, double? P99);

    /// <summary>Claims <paramref name="count"/> address profiles under <paramref name="parent"/> (default bench.eth) and logs each in (challenge flow).</summary>
    internal static async Task<List<User>> RegisterUsersAsync(HttpClient http, Uri backend, int count, CancellationToken cancellationToken, string parent = Parent)
    {
        var users = new User[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var wallet = BackendProcess.RandomSecp256k1Key();
            var address = Ethereum.AddressFromPrivateKey(wallet);
            var keys = ProfileKeys.FromSeed(RandomNumberGenerator.GetBytes(32));
            var signed = SignedUserProfile.Sign(keys.ToUserProfile(["ds." + parent]), wallet);
            using var claim = await http.PostAsJsonAsync(new Uri(backend, "/resolver/profile/address"), new JsonObject
            {
                ["signedUserProfile"] = signed.ToJsonObject(),
                ["address"] = Ethereum.ToChecksumAddress(address),
                ["subdomain"] = "addr." + parent,
            }, ct);
            var claimText = await claim.Content.ReadAsStringAsync(ct);
            if ((int)claim.StatusCode != 201 || JsonNode.Parse(claimText)?["name"] is not JsonValue nameValue)
            {
                throw new InvalidOperationException($"claim failed: {(int)claim.StatusCode} {claimText}");
            }

            var name = nameValue.GetValue<string>();
            // The claim opened the account (decisions §35); the token comes from the challenge flow.
            using var challenge = await http.GetAsync(new Uri(backend, "/auth/" + name), ct);
            var challengeText = await challenge.Content.ReadAsStringAsync(ct);
            if ((int)challenge.StatusCode != 200 || JsonNode.Parse(challengeText) is not JsonValue challengeValue)
            {
                throw new InvalidOperationException($"GET /auth failed: {(int)challenge.StatusCode} {challengeText}");
            }

            var challengeJwt = challengeValue.GetValue<string>();
            using var login = await http.PostAsJsonAsync(new Uri(backend, "/auth/" + name), new JsonObject
            {
                ["signature"] = Ed25519.SignText(keys.SigningPrivateKey, challengeJwt),
                ["challenge"] = challengeJwt,
            }, ct);
            var loginText = await login.Content.ReadAsStringAsync(ct);
            if ((int)login.StatusCode != 200 || JsonNode.Parse(loginText) is not JsonValue token)
            {
                throw new InvalidOperationException($"POST /auth failed: {(int)login.StatusCode} {loginText}");
            }

            users[i] = new User(name, keys, token.GetValue<string>());
        });
        return [.. users];
    }

    /// <summary>Submits every envelope once (concurrently, or one per <paramref name="pace"/>); a submission counts when the answer is 200 with result "OK".</summary>
    private static async Task<SubmitResult> SubmitAsync(HttpClient http, Uri backend, IReadOnlyList<(string Hash, string Body)> envelopes, int concurrency, TimeSpan? pace, CancellationToken cancellationToken)
    {
        var rpc = new Uri(backend, "/rpc");
        var sentAt = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var acceptedHashes = new System.Collections.Concurrent.ConcurrentBag<string>();
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var accepted = 0;
        var failures = 0;
        string? sample = null;
        var next = -1;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= envelopes.Count)
                {
                    return;
                }

                if (pace is { } interval && clock.Elapsed < interval * i)
                {
                    await Task.Delay(interval * i - clock.Elapsed, cancellationToken);
                }

                var (hash, body) = envelopes[i];
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                var start = Stopwatch.GetTimestamp();
                sentAt[hash] = DateTimeOffset.UtcNow;
                using var response = await http.PostAsync(rpc, content, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if ((int)response.StatusCode == 200 && text.Contains("\"result\":\"OK\"", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref accepted);
                    acceptedHashes.Add(hash);
                }
                else
                {
                    Interlocked.Increment(ref failures);
                    sample ??= $"{(int)response.StatusCode} {ServiceProcess.Tail(text, 300)}";
                }
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(workers);
        var sorted = latencies.Order().ToList();
        if (failures > 0 && accepted == 0)
        {
            throw new InvalidOperationException($"every submission failed: {sample}");
        }

        return new SubmitResult(accepted, failures, sample, new Dictionary<string, DateTimeOffset>(sentAt, StringComparer.Ordinal), [.. acceptedHashes], Percentile(sorted, 50), Percentile(sorted, 99));
    }

    private static List<double> Latencies(IEnumerable<(string Hash, string Body)> envelopes, SubmitResult submitted, Dictionary<string, DateTimeOffset> arrivals) =>
        envelopes.Where(e => submitted.SentAt.ContainsKey(e.Hash) && arrivals.ContainsKey(e.Hash))
            .Select(e => (arrivals[e.Hash] - submitted.SentAt[e.Hash]).TotalMilliseconds)
            .Order()
            .ToList();

    internal static double? Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
