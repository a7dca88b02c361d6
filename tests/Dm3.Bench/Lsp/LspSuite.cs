using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Dm3.Bench.Runtime;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Links;
using Dm3.Protocol.Profiles;

namespace Dm3.Bench.Lsp;

/// <summary>
/// `bench lsp`: the linked-profile API on Azurite with the standalone backend (Release). Registration flow
/// (POST nonces → POST sessions → POST profiles, a new owner and LSP each time, escrow included) and query with escrow,
/// at 1 and 8 concurrent owners: p50/p99 per flow or request and requests/s. Table transactions per step, counted at a
/// pass-through proxy in front of Azurite's Table endpoint (targets: registration ≤ 6, query = 1 point read + 1 partition read).
/// </summary>
internal sealed class LspSuite : BenchSuite
{
    private const string Parent = "bench.eth";
    private const string Domain = "app.bench.example";
    private const string Uri = "https://app.bench.example/messaging";

    private readonly Option<int> _flows = SuiteOptions.Create("--flows", "Registration flows per concurrency level.", 48);
    private readonly Option<int> _queries = SuiteOptions.Create("--queries", "Queries with escrow per concurrency level.", 200);
    private readonly Option<int> _count = SuiteOptions.Create("--count-flows", "Registrations counted at the proxy.", 20);

    public override string Name => "lsp";

    public override string Description => "Linked-profile API: nonce -> session -> register and query with escrow at 1 and 8 owners (p50/p99, req/s), Table transactions per registration and query.";

    public override int Order => 50;

    public override void AddOptions(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(_flows);
        command.Options.Add(_queries);
        command.Options.Add(_count);
    }

    public override async Task<int> RunAsync(BenchSettings settings, ParseResult parseResult, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var root = settings.RepositoryRoot;
        var flows = Math.Max(8, parseResult.ValueOrDefault(_flows, 48));
        var queries = Math.Max(8, parseResult.ValueOrDefault(_queries, 200));
        var countFlows = Math.Max(1, parseResult.ValueOrDefault(_count, 20));
        Console.WriteLine("bench lsp: /lsp/v1 nonces -> sessions -> profiles (owner proof, binding, escrow sealed with a local RSA-3072 wrapping key) and profiles/query with escrow.");
        Console.WriteLine("  " + BenchMachine.Describe());

        await using var azurite = await LocalAzurite.StartAsync(root, cancellationToken);
        await using var proxy = await CountingProxy.StartAsync(azurite.TableEndpoint, cancellationToken);
        var devKeys = Path.Combine(Directory.CreateTempSubdirectory("dm3-bench-lsp-").FullName, "dev-keys.json");
        var common = new Dictionary<string, string>(BackendProcess.TestKeys())
        {
            ["Apps__0__ParentName"] = Parent,
            ["Apps__0__Domains__0__Host"] = Domain,
            ["Apps__0__Domains__0__Scopes__0"] = "query",
            ["Apps__0__Domains__0__Scopes__1"] = "register",
            ["Apps__0__Domains__0__Scopes__2"] = "escrow",
            ["Apps__0__Domains__0__Scopes__3"] = "delete",
            // One client address drives every owner here; the per-IP and per-app nonce limits are lifted for the load.
            ["Apps__0__LspLimits__NoncesPerMinutePerIp"] = "1000000",
            ["Apps__0__LspLimits__NoncesPerMinutePerApp"] = "1000000",
            ["Gateway__SignerPrivateKey"] = Hex.Encode(BackendProcess.RandomSecp256k1Key()),
            ["DevKeys__Enabled"] = "true",
            ["DevKeys__Path"] = devKeys,
            ["Storage__TablePrefix"] = "bench",
        };
        await using var ours = await BackendProcess.StartStandaloneAsync(root, new Dictionary<string, string>(common) { ["Storage__ConnectionString"] = azurite.ConnectionString() }, cancellationToken);
        await using var counted = await BackendProcess.StartStandaloneAsync(root, new Dictionary<string, string>(common) { ["Storage__ConnectionString"] = azurite.ConnectionString(proxy.Endpoint) }, cancellationToken);
        Console.WriteLine($"  ours: {BackendProcess.HostDll(root)} (standalone, pid {ours.ProcessId}); counted twin pid {counted.ProcessId}; Azurite in memory (pid {azurite.ProcessId})");
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10), MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(60) };

        // 1. Table transactions per step (sequential, warm).
        await RegisterAsync(http, counted.Url, null, cancellationToken);
        var steps = new Dictionary<string, long> { ["nonce"] = 0, ["session"] = 0, ["register"] = 0, ["query"] = 0 };
        var queryKinds = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < countFlows; i++)
        {
            var session = await RegisterAsync(http, counted.Url, steps, cancellationToken, proxy);
            proxy.Reset();
            await QueryAsync(http, counted.Url, session, cancellationToken);
            foreach (var (kind, n) in proxy.Snapshot())
            {
                queryKinds[kind] = queryKinds.GetValueOrDefault(kind) + n;
                steps["query"] += n;
            }
        }

        // 2. Load: flows and queries at 1 and 8 concurrent owners.
        var rows = new List<IReadOnlyList<string>>();
        foreach (var concurrency in new[] { 1, 8 })
        {
            await RegisterAsync(http, ours.Url, null, cancellationToken);
            var (flowLatencies, flowSeconds, sessions) = await RunAsync(flows, concurrency, _ => RegisterAsync(http, ours.Url, null, cancellationToken), cancellationToken);
            rows.Add([$"nonce -> session -> register, {concurrency} owner(s) at a time", flows.ToString(CultureInfo.InvariantCulture),
                BenchMachine.Ms(Percentile(flowLatencies, 50)), BenchMachine.Ms(Percentile(flowLatencies, 99)),
                BenchMachine.Rate(flows / flowSeconds) + " flows/s = " + BenchMachine.Rate(3 * flows / flowSeconds) + " req/s"]);
            var (queryLatencies, querySeconds, _) = await RunAsync(queries, concurrency, i => QueryAsync(http, ours.Url, sessions[i % sessions.Count], cancellationToken), cancellationToken);
            rows.Add([$"query with escrow, {concurrency} owner(s) at a time", queries.ToString(CultureInfo.InvariantCulture),
                BenchMachine.Ms(Percentile(queryLatencies, 50)), BenchMachine.Ms(Percentile(queryLatencies, 99)), BenchMachine.Rate(queries / querySeconds) + " req/s"]);
        }

        Console.WriteLine();
        Console.WriteLine($"bench lsp ({BenchMachine.Describe()})");
        Console.Write(TextTable.Render(["/lsp/v1 (Azurite, standalone)", "operations", "p50 ms", "p99 ms", "throughput"], rows));
        Console.WriteLine();
        var perRegistration = (double)steps["register"] / countFlows;
        Console.Write(TextTable.Render(["Table transactions (counted at a proxy)", "per operation", "target"],
        [
            ["POST /lsp/v1/nonces (insert + expired-row scan + 2 rate counters)", BenchMachine.Number((double)steps["nonce"] / countFlows), "-"],
            ["POST /lsp/v1/sessions (rate counter, nonce consume, session insert)", BenchMachine.Number((double)steps["session"] / countFlows), "-"],
            ["POST /lsp/v1/profiles (register)", BenchMachine.Number(perRegistration), "<= 6"],
            ["POST /lsp/v1/profiles/query with escrow", BenchMachine.Number((double)steps["query"] / countFlows), "1 point read + 1 partition read"],
        ]));
        Console.WriteLine("  query per kind: " + string.Join(", ", queryKinds.Select(kv => $"{kv.Key} {BenchMachine.Number((double)kv.Value / countFlows)}")));
        Console.WriteLine(perRegistration <= 6 ? "  verdict: registration within the target." : "  verdict: registration ABOVE the target.");
        return 0;
    }

    private static async Task<(List<double> Latencies, double Seconds, List<(string Token, byte[] Owner)> Results)> RunAsync(int count, int concurrency,
        Func<int, Task<(string Token, byte[] Owner)>> operation, CancellationToken cancellationToken)
    {
        var latencies = new List<double>();
        var results = new List<(string, byte[])>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < count)
            {
                var started = Stopwatch.GetTimestamp();
                var result = await operation(i);
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (latencies)
                {
                    latencies.Add(ms);
                    results.Add(result);
                }
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        latencies.Sort();
        return (latencies, seconds, results);
    }

    /// <summary>One registration flow for a new owner and LSP; returns the session (which has scope escrow) for queries.</summary>
    private static async Task<(string Token, byte[] Owner)> RegisterAsync(HttpClient http, System.Uri backend, Dictionary<string, long>? steps, CancellationToken cancellationToken,
        CountingProxy? proxy = null)
    {
        long mark = proxy?.Total ?? 0;
        void Step(string name)
        {
            if (steps is not null && proxy is not null)
            {
                steps[name] += proxy.Total - mark;
                mark = proxy.Total;
            }
        }

        var ownerKey = BackendProcess.RandomSecp256k1Key();
        var owner = Ethereum.AddressFromPrivateKey(ownerKey);
        var nonceJson = await SendAsync(http, new System.Uri(backend, "/lsp/v1/nonces"), HttpMethod.Post, new JsonObject { ["app"] = Parent, ["purpose"] = "owner" }, null, HttpStatusCode.Created, cancellationToken);
        Step("nonce");
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var text = new OwnerProofMessage(Domain, Uri, 1, owner, Parent, (string)nonceJson["nonce"]!, now, now.AddMinutes(5), ["query", "register", "escrow", "delete"]).Format();
        var session = await SendAsync(http, new System.Uri(backend, "/lsp/v1/sessions"), HttpMethod.Post,
            new JsonObject { ["message"] = text, ["signature"] = Ethereum.PersonalSign(ownerKey, text) }, null, HttpStatusCode.Created, cancellationToken);
        Step("session");
        var token = (string)session["token"]!;
        var keys = LspKeyDerivation.FromNewEntropy();
        var lspName = keys.LspName(Parent);
        var profile = SignedUserProfile.Sign(new UserProfile(Base64Std.Encode(keys.EncryptionPublicKey), Base64Std.Encode(keys.SigningPublicKey), ["ds." + Parent]), keys.WalletPrivateKey);
        var body = new JsonObject
        {
            ["lspName"] = lspName,
            ["signedUserProfile"] = profile.ToJsonObject(),
            ["origin"] = "random",
            ["binding"] = new JsonObject { ["signature"] = Ethereum.PersonalSign(keys.WalletPrivateKey, new LspBinding(Parent, lspName, owner, (string)session["sessionId"]!).Format()) },
            ["escrow"] = new JsonObject { ["walletPrivateKey"] = Hex.Encode(keys.WalletPrivateKey), ["profileSeed"] = Base64Std.Encode(keys.ProfileSeed) },
        };
        await SendAsync(http, new System.Uri(backend, "/lsp/v1/profiles"), HttpMethod.Post, body, token, HttpStatusCode.Created, cancellationToken);
        Step("register");
        return (token, owner);
    }

    private static async Task<(string Token, byte[] Owner)> QueryAsync(HttpClient http, System.Uri backend, (string Token, byte[] Owner) session, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(http, new System.Uri(backend, "/lsp/v1/profiles/query"), HttpMethod.Post, new JsonObject { ["includeEscrow"] = true }, session.Token,
            HttpStatusCode.OK, cancellationToken);
        if (answer["profiles"]!.AsArray().Count != 1 || answer["profiles"]![0]!["escrow"] is null)
        {
            throw new InvalidOperationException("query with escrow did not return the escrowed LSP");
        }

        return session;
    }

    private static async Task<JsonObject> SendAsync(HttpClient http, System.Uri uri, HttpMethod method, JsonObject body, string? token, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{method} {uri.AbsolutePath}: {(int)response.StatusCode} {text}");
        }

        return JsonNode.Parse(text)!.AsObject();
    }

    private static double? Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
