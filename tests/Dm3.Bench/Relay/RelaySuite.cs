using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dm3.Adapters.Outbound;
using Dm3.Bench.Delivery;
using Dm3.Bench.Runtime;
using Dm3.Backend.Resolution;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Messaging;

namespace Dm3.Bench.Relay;

/// <summary>
/// `bench relay`: the outbox relay between two standalone backends (Release) on one Azurite, A hosting `relaya.eth` and
/// B hosting `relayb.eth`, both behind ENS OffchainResolvers on one anvil chain (tests/interop/bench/relay-chain.mjs, the
/// node harness's ENS deployment), so A resolves B's names exactly as in production: registry → OffchainResolver →
/// CCIP-read at B's gateway → profile and delivery-service records. Envelopes/s relayed A → B and POST /outbox → B's inbox
/// p50/p99 at light load and in a burst; resolution of a foreign name cold and cached with the program's NameResolver.
/// </summary>
internal sealed class RelaySuite : BenchSuite
{
    private const string ParentA = "relaya.eth";
    private const string ParentB = "relayb.eth";
    private const string PrefixB = "relb";

    private readonly Option<int> _burst = SuiteOptions.Create("--burst", "Envelopes of the burst.", 200);
    private readonly Option<int> _paced = SuiteOptions.Create("--paced-envelopes", "Envelopes of the light-load run (5 per second).", 25);
    private readonly Option<int> _resolutions = SuiteOptions.Create("--resolutions", "Foreign-name resolutions per row (cold, cached).", 30);

    public override string Name => "relay";

    public override string Description => "Outbox relay A -> B over ENS (anvil): envelopes/s, POST /outbox -> B's inbox p50/p99 at 5/s and in a burst, foreign-name resolution cold and cached.";

    public override int Order => 45;

    public override void AddOptions(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(_burst);
        command.Options.Add(_paced);
        command.Options.Add(_resolutions);
    }

    public override async Task<int> RunAsync(BenchSettings settings, ParseResult parseResult, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var root = settings.RepositoryRoot;
        var burstCount = Math.Max(10, parseResult.ValueOrDefault(_burst, 200));
        var pacedCount = Math.Max(5, parseResult.ValueOrDefault(_paced, 25));
        var resolutionCount = Math.Max(5, parseResult.ValueOrDefault(_resolutions, 30));
        Console.WriteLine("bench relay: POST /outbox at A -> A's relay (queue pump) -> B's /rpc -> B's pump -> B's inbox; A resolves B's names through ENS on anvil (CCIP-read at B).");
        Console.WriteLine("  " + BenchMachine.Describe());

        var urlA = new Uri($"http://127.0.0.1:{BenchMachine.FreePort()}");
        var urlB = new Uri($"http://127.0.0.1:{BenchMachine.FreePort()}");
        var (signerA, signerB) = (BackendProcess.RandomSecp256k1Key(), BackendProcess.RandomSecp256k1Key());
        var chainConfig = new JsonObject
        {
            ["parents"] = new JsonArray(
                new JsonObject { ["parent"] = ParentA, ["url"] = Origin(urlA), ["signer"] = Ethereum.ToChecksumAddress(Ethereum.AddressFromPrivateKey(signerA)) },
                new JsonObject { ["parent"] = ParentB, ["url"] = Origin(urlB), ["signer"] = Ethereum.ToChecksumAddress(Ethereum.AddressFromPrivateKey(signerB)) }),
        };
        var (chainProcess, chain) = await NodeScripts.StartServerAsync(root, "tests/interop/bench/relay-chain.mjs", chainConfig, "anvil + ENS", cancellationToken);
        await using var chainLifetime = chainProcess;
        var rpc = (string)chain["rpc"]!;
        var registry = (string)chain["registry"]!;

        await using var azurite = await LocalAzurite.StartAsync(root, cancellationToken);
        var dsEncryptionB = RandomNumberGenerator.GetBytes(32);
        Dictionary<string, string> Settings(Uri url, string parent, byte[] signer, string prefix) => new(BackendProcess.TestKeys())
        {
            ["ASPNETCORE_URLS"] = Origin(url),
            ["PublicBaseUrl"] = Origin(url),
            ["Storage__ConnectionString"] = azurite.ConnectionString(),
            ["Storage__TablePrefix"] = prefix,
            ["Storage__QueuePrefix"] = prefix + "-",
            ["Apps__0__ParentName"] = parent,
            ["Apps__0__ChainIds__0"] = ((int)chain["chainId"]!).ToString(CultureInfo.InvariantCulture),
            ["Gateway__SignerPrivateKey"] = Hex.Encode(signer),
            ["Gateway__Resolvers__0__Address"] = (string)chain["resolvers"]![parent]!,
            ["Gateway__Resolvers__0__Family"] = "ens",
            ["Resolution__RpcUrl"] = rpc,
            ["Resolution__Registry"] = registry,
            ["Outbound__AllowHttp"] = "true",
            ["Outbound__AllowPrivateAddresses"] = "true",
            ["Queues__PumpEnabled"] = "true",
            ["Queues__MaxPollingInterval"] = "00:00:00.1",
        };
        await using var a = await BackendProcess.StartStandaloneAsync(root, Settings(urlA, ParentA, signerA, "rela"), cancellationToken);
        await using var b = await BackendProcess.StartStandaloneAsync(root, new Dictionary<string, string>(Settings(urlB, ParentB, signerB, PrefixB))
        {
            ["DeliveryService__EncryptionPrivateKey"] = Convert.ToBase64String(dsEncryptionB),
        }, cancellationToken);
        Console.WriteLine($"  A: {a.Url} (pid {a.ProcessId}), B: {b.Url} (pid {b.ProcessId}), {BackendProcess.HostDll(root)}; anvil {rpc} (registry {registry}); Azurite in memory (pid {azurite.ProcessId}); pumps polling at most every 100 ms");

        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10), MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(60) };
        var senders = await DeliverySuite.RegisterUsersAsync(http, a.Url, 4, cancellationToken, ParentA);
        var receivers = await DeliverySuite.RegisterUsersAsync(http, b.Url, 4, cancellationToken, ParentB);
        var dsPublicB = X25519.PublicKeyFromPrivate(dsEncryptionB);

        // 1. Resolution of a foreign name (one of B's) with the program's NameResolver and outbound policy, as A runs it.
        var resolutionOptions = new ResolutionOptions { RpcUrl = rpc, Registry = registry };
        using var outbound = new PolicyHttpClient(new OutboundPolicyOptions { AllowHttp = true, AllowPrivateAddresses = true });
        await ResolveAsync(new NameResolver(resolutionOptions, outbound, null, TimeProvider.System), receivers[0].Name, cancellationToken); // warm connections and JIT
        var cold = new List<double>();
        for (var i = 0; i < resolutionCount; i++)
        {
            cold.Add(await ResolveAsync(new NameResolver(resolutionOptions, outbound, null, TimeProvider.System), receivers[i % receivers.Count].Name, cancellationToken));
        }

        var cachedResolver = new NameResolver(resolutionOptions, outbound, null, TimeProvider.System);
        await ResolveAsync(cachedResolver, receivers[0].Name, cancellationToken);
        var cached = new List<double>();
        for (var i = 0; i < resolutionCount; i++)
        {
            cached.Add(await ResolveAsync(cachedResolver, receivers[0].Name, cancellationToken));
        }

        cold.Sort();
        cached.Sort();

        // 2. Relay: envelopes from A's users to B's users through A's outbox.
        var sequence = 0;
        List<Relayed> Envelopes(int count) => Enumerable.Range(0, count).Select(_ =>
        {
            var n = Interlocked.Increment(ref sequence);
            var from = senders[n % senders.Count];
            var to = receivers[n % receivers.Count];
            var message = Message.CreateSigned(new MessageMetadata(to.Name, from.Name, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + n, MessageType.New),
                $"relay bench message {n}", null, from.Keys.SigningPrivateKey);
            var envelope = EnvelopeBuilder.Build(message, to.Keys.EncryptionPublicKey, dsPublicB, from.Keys.SigningPrivateKey, MessageHashField.EncryptedMessageHash);
            var body = new JsonObject { ["to"] = to.Name, ["envelope"] = JsonNode.Parse(envelope.CanonicalJson) }.ToJsonString();
            return new Relayed(envelope.MessageHash.ToLowerInvariant(), from.Token, body);
        }).ToList();

        var timestamps = new TableTimestamps(azurite.TableService());
        async Task<Dictionary<string, DateTimeOffset>> InboxAsync(IReadOnlyCollection<string> hashes, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var rows = await timestamps.QueryAsync(PrefixB + "Inbox", "State eq 'delivered'", cancellationToken);
                var arrived = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
                foreach (var (_, rowKey, timestamp) in rows)
                {
                    arrived[rowKey[(rowKey.LastIndexOf('|') + 1)..].ToLowerInvariant()] = timestamp;
                }

                if (hashes.All(arrived.ContainsKey))
                {
                    return arrived;
                }

                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException($"{hashes.Count(h => !arrived.ContainsKey(h))} of {hashes.Count} relayed envelopes missing in B's inbox after {timeout.TotalSeconds:0} s\n"
                        + ServiceProcess.Tail(a.Output + b.Output, 3000));
                }

                await Task.Delay(25, cancellationToken);
            }
        }

        var warm = Envelopes(8);
        await InboxAsync((await PostAsync(http, a.Url, warm, 4, null, cancellationToken)).Accepted, TimeSpan.FromSeconds(60));

        var paced = Envelopes(pacedCount);
        var pacedPost = await PostAsync(http, a.Url, paced, 1, TimeSpan.FromMilliseconds(200), cancellationToken);
        var pacedArrivals = await InboxAsync(pacedPost.Accepted, TimeSpan.FromSeconds(120));

        var burst = Envelopes(burstCount);
        var burstPost = await PostAsync(http, a.Url, burst, 8, null, cancellationToken);
        var burstArrivals = await InboxAsync(burstPost.Accepted, TimeSpan.FromSeconds(300));
        var burstSpan = (burstPost.Accepted.Max(h => burstArrivals[h]) - burstPost.SentAt.Values.Min()).TotalSeconds;

        Console.WriteLine();
        Console.WriteLine($"bench relay ({BenchMachine.Describe()})");
        Console.Write(TextTable.Render(["outbox relay A -> B (Azurite, standalone, ENS on anvil)", "envelopes", "envelopes/s", "POST /outbox p50 ms", "p99 ms", "POST -> B inbox p50 ms", "p99 ms", "failures"],
        [
            ["light load: 5 envelopes/s, one at a time", pacedPost.Accepted.Count.ToString(CultureInfo.InvariantCulture), "5 offered",
                BenchMachine.Ms(pacedPost.P50), BenchMachine.Ms(pacedPost.P99), BenchMachine.Ms(Latency(pacedPost, pacedArrivals, 50)), BenchMachine.Ms(Latency(pacedPost, pacedArrivals, 99)),
                pacedPost.Failures.ToString(CultureInfo.InvariantCulture)],
            ["burst: all at once, 8 concurrent posters", burstPost.Accepted.Count.ToString(CultureInfo.InvariantCulture), BenchMachine.Rate(burstPost.Accepted.Count / burstSpan) + " relayed",
                BenchMachine.Ms(burstPost.P50), BenchMachine.Ms(burstPost.P99), BenchMachine.Ms(Latency(burstPost, burstArrivals, 50)), BenchMachine.Ms(Latency(burstPost, burstArrivals, 99)),
                burstPost.Failures.ToString(CultureInfo.InvariantCulture)],
        ]));
        Console.WriteLine();
        Console.Write(TextTable.Render(["foreign-name resolution (NameResolver, ENS on anvil + CCIP-read at B)", "resolutions", "p50 ms", "p99 ms"],
        [
            ["cold (empty cache: registry, resolver, CCIP profile + delivery service)", cold.Count.ToString(CultureInfo.InvariantCulture), BenchMachine.Ms(DeliverySuite.Percentile(cold, 50)), BenchMachine.Ms(DeliverySuite.Percentile(cold, 99))],
            ["cached", cached.Count.ToString(CultureInfo.InvariantCulture), BenchMachine.Ms(DeliverySuite.Percentile(cached, 50)), BenchMachine.Ms(DeliverySuite.Percentile(cached, 99))],
        ]));
        Console.WriteLine("  POST -> B inbox = B's write time of the delivered inbox row (Azurite Timestamp) minus the client's send time of POST /outbox at A; "
            + "envelopes/s relayed = burst envelopes / (last inbox write - first POST).");
        if (pacedPost.Failures + burstPost.Failures > 0)
        {
            Console.WriteLine($"  failures: {pacedPost.Sample ?? burstPost.Sample}");
        }

        return 0;
    }

    private sealed record Relayed(string Hash, string Token, string Body);

    private sealed record PostResult(IReadOnlyList<string> Accepted, Dictionary<string, DateTimeOffset> SentAt, int Failures, string? Sample, double? P50, double? P99);

    private static string Origin(Uri url) => url.ToString().TrimEnd('/');

    private static double? Latency(PostResult posted, Dictionary<string, DateTimeOffset> arrivals, double p) =>
        DeliverySuite.Percentile(posted.Accepted.Select(h => (arrivals[h] - posted.SentAt[h]).TotalMilliseconds).Order().ToList(), p);

    private static async Task<double> ResolveAsync(NameResolver resolver, string name, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await resolver.ResolveAsync(name, cancellationToken);
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (result.Status != ResolutionStatus.Resolved || result.DeliveryServices.Count == 0)
        {
            throw new InvalidOperationException($"resolving {name} through ENS: {result.Status} {result.Error?.Code} {result.Error?.Message}");
        }

        return ms;
    }

    /// <summary>POSTs every envelope to /outbox once (concurrently, or one per <paramref name="pace"/>); 202 counts as accepted.</summary>
    private static async Task<PostResult> PostAsync(HttpClient http, Uri backend, IReadOnlyList<Relayed> envelopes, int concurrency, TimeSpan? pace, CancellationToken cancellationToken)
    {
        var outbox = new Uri(backend, "/outbox");
        var sentAt = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var accepted = new ConcurrentQueue<string>();
        var latencies = new ConcurrentBag<double>();
        var failures = 0;
        string? sample = null;
        var next = -1;
        var schedule = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < envelopes.Count)
            {
                if (pace is { } every && every * i - schedule.Elapsed is { } wait && wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                var envelope = envelopes[i];
                using var request = new HttpRequestMessage(HttpMethod.Post, outbox) { Content = new StringContent(envelope.Body, Encoding.UTF8, "application/json") };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", envelope.Token);
                sentAt[envelope.Hash] = DateTimeOffset.UtcNow;
                var started = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(request, cancellationToken);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if ((int)response.StatusCode == 202)
                {
                    accepted.Enqueue(envelope.Hash);
                }
                else
                {
                    Interlocked.Increment(ref failures);
                    sample ??= $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
                }
            }
        }));
        if (accepted.IsEmpty)
        {
            throw new InvalidOperationException($"every POST /outbox failed: {sample}");
        }

        var sorted = latencies.Order().ToList();
        return new PostResult([.. accepted], new Dictionary<string, DateTimeOffset>(sentAt, StringComparer.Ordinal), failures, sample,
            DeliverySuite.Percentile(sorted, 50), DeliverySuite.Percentile(sorted, 99));
    }
}
