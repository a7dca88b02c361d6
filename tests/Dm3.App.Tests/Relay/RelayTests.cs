using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Delivery.Support;
using Dm3.Backend.Apps;
using Dm3.Backend.Names;
using Dm3.Backend.Relay;
using Dm3.Backend.Resolution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dm3.App.Tests.Relay;

/// <summary>
/// A's outbound requests, with "the peer is down" on demand: the next N requests (or all, while <see cref="Down"/>)
/// fail as a refused connection would, before reaching the real <see cref="Dm3.Adapters.Outbound.PolicyHttpClient"/>.
/// </summary>
internal sealed class SwitchableOutbound(IOutboundHttp inner) : IOutboundHttp
{
    private int _failNext;

    public bool Down { get; set; }

    public int Sent;

    public void FailNext(int count) => Volatile.Write(ref _failNext, count);

    public Task<OutboundResponse> SendAsync(OutboundRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Sent);
        return Down || Interlocked.Decrement(ref _failNext) >= 0
            ? Task.FromResult(OutboundResponse.Failed("connection refused (test: peer down)"))
            : inner.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// Two backends in one test process, each the real program on its own Kestrel port, with its own table and queue prefix
/// on the same Azurite and its own queue pump: A serves <c>myapp.eth</c>, B serves <c>main.eth</c>. Requests between them
/// are real HTTP over loopback through the outbound policy (<c>Outbound__AllowHttp</c> / <c>__AllowPrivateAddresses</c>).
/// Test seam for resolution (no anvil here): each backend's <see cref="NameResolver"/> reads the OTHER backend's hosted
/// records (its <see cref="HostedRecordSource"/>: app catalog, Names table, DS profile), i.e. the records B's CCIP gateway
/// would serve through ENS; the anvil/ENS path of the resolver is covered by the resolution tests.
/// </summary>
public sealed class RelayPairFixture : IAsyncLifetime
{
    public RelayPairFixture()
    {
        PortA = FreePort();
        PortB = FreePort();
        A = Create("myapp.eth", PortA, () => B!, services =>
        {
            services.AddSingleton(sp => OutboundA = new SwitchableOutbound(new Dm3.Adapters.Outbound.PolicyHttpClient(sp.GetRequiredService<OutboundPolicyOptions>())));
            services.AddSingleton<IOutboundHttp>(sp => sp.GetRequiredService<SwitchableOutbound>());
        });
        B = Create("main.eth", PortB, () => A, _ => { });
    }

    internal DeliveryHost A { get; }

    internal DeliveryHost B { get; }

    internal SwitchableOutbound OutboundA { get; private set; } = null!;

    public int PortA { get; }

    public int PortB { get; }

    internal HttpClient ClientA { get; private set; } = null!;

    internal HttpClient ClientB { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        A.UseKestrel(PortA);
        B.UseKestrel(PortB);
        A.StartServer();
        B.StartServer();
        ClientA = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{PortA}") };
        ClientB = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{PortB}") };
        await A.WaitForStorageAsync();
        await B.WaitForStorageAsync();
        _ = A.Services.GetRequiredService<SwitchableOutbound>();
    }

    public async Task DisposeAsync()
    {
        ClientA.Dispose();
        ClientB.Dispose();
        await A.DisposeAsync();
        await B.DisposeAsync();
    }

    private static DeliveryHost Create(string parent, int port, Func<DeliveryHost> peer, Action<IServiceCollection> more) => new(
        pump: true,
        new Dictionary<string, string?>
        {
            ["Apps__0__ParentName"] = parent,
            ["DeliveryService__Url"] = $"http://127.0.0.1:{port}",
            ["PublicBaseUrl"] = $"http://127.0.0.1:{port}",
            ["Outbound__AllowHttp"] = "true",
            ["Outbound__AllowPrivateAddresses"] = "true",
            ["Relay__MaxAttempts"] = "4",
            ["Relay__BaseDelayMs"] = "200",
            ["Relay__MaxDelayMs"] = "1000",
        },
        configureServices: services =>
        {
            more(services);
            services.RemoveAll<NameResolver>();
            services.AddSingleton(sp => new NameResolver(
                sp.GetRequiredService<ResolutionOptions>(),
                sp.GetRequiredService<IOutboundHttp>(),
                new HostedRecordSource(
                    peer().Services.GetRequiredService<AppCatalog>(),
                    peer().Services.GetRequiredService<NameStore>(),
                    peer().Services.GetRequiredService<DeliveryServiceOptions>(),
                    TimeProvider.System,
                    TimeSpan.FromSeconds(300)),
                TimeProvider.System));
        });

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// The outbox relay between two backends (issue 11): A → B and back, B down for the first attempts, B refusing for good,
/// the retry budget ending in the poison queue, the local short-circuit, and foreign-sender verification at B.
/// </summary>
public sealed class RelayTests(RelayPairFixture pair) : IClassFixture<RelayPairFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_envelope_from_A_arrives_once_in_B_inbox_and_the_reply_comes_back_the_same_way()
    {
        var (alice, aliceToken) = await RegisterAsync(pair.ClientA, "myapp.eth");
        var (bob, bobToken) = await RegisterAsync(pair.ClientB, "main.eth");

        var id = await PostOutboxAsync(pair.ClientA, aliceToken, bob, DeliveryKit.Envelope(alice, bob, pair.B.DsEncryptionPublicKey, "hi bob").Json);
        var report = await WaitForFinalAsync(pair.ClientA, aliceToken, id);
        Assert.Equal("delivered", (string?)report["status"]);
        Assert.Equal($"http://127.0.0.1:{pair.PortB}/rpc", (string?)report["deliveredTo"]);
        var inbox = await IncomingAsync(pair.ClientB, bob, bobToken, expected: 1);
        Assert.Equal(alice.Name, (string?)inbox.Single()!["metadata"]!["deliveryInformation"]!["from"]);

        var replyId = await PostOutboxAsync(pair.ClientB, bobToken, alice, DeliveryKit.Envelope(bob, alice, pair.A.DsEncryptionPublicKey, "hi alice").Json);
        var reply = await WaitForFinalAsync(pair.ClientB, bobToken, replyId);
        Assert.Equal("delivered", (string?)reply["status"]);
        Assert.Equal($"http://127.0.0.1:{pair.PortA}/rpc", (string?)reply["deliveredTo"]);
        Assert.Single(await IncomingAsync(pair.ClientA, alice, aliceToken, expected: 1));

        // Only the sender sees its entry.
        using var other = await pair.ClientA.SendAsync(DeliveryKit.Authorized(HttpMethod.Get, $"/outbox/{id}", (await RegisterAsync(pair.ClientA, "myapp.eth")).Token));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task B_down_for_the_first_attempts_is_retried_and_the_envelope_delivered_once()
    {
        var (alice, aliceToken) = await RegisterAsync(pair.ClientA, "myapp.eth");
        var (bob, bobToken) = await RegisterAsync(pair.ClientB, "main.eth");

        pair.OutboundA.FailNext(2);
        var id = await PostOutboxAsync(pair.ClientA, aliceToken, bob, DeliveryKit.Envelope(alice, bob, pair.B.DsEncryptionPublicKey, "after retries").Json);
        var report = await WaitForFinalAsync(pair.ClientA, aliceToken, id);
        Assert.Equal("delivered", (string?)report["status"]);
        Assert.Equal(3, (int?)report["attempts"]);
        Assert.Single(await IncomingAsync(pair.ClientB, bob, bobToken, expected: 1));
    }

    [Fact]
    public async Task B_refusing_for_good_fails_the_entry_with_B_reason_without_retrying()
    {
        var (alice, aliceToken) = await RegisterAsync(pair.ClientA, "myapp.eth");
        var (bob, _) = await RegisterAsync(pair.ClientB, "main.eth");

        // deliveryInformation encrypted for A's delivery service: B cannot decrypt it (-32013), a permanent JSON-RPC error.
        var id = await PostOutboxAsync(pair.ClientA, aliceToken, bob, DeliveryKit.Envelope(alice, bob, pair.A.DsEncryptionPublicKey).Json);
        var report = await WaitForFinalAsync(pair.ClientA, aliceToken, id);
        Assert.Equal("failed", (string?)report["status"]);
        Assert.Equal(1, (int?)report["attempts"]);
        Assert.Contains("-32013", (string?)report["reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_retry_budget_ends_failed_and_in_the_poison_queue_with_the_reason()
    {
        var (alice, aliceToken) = await RegisterAsync(pair.ClientA, "myapp.eth");
        var (bob, _) = await RegisterAsync(pair.ClientB, "main.eth");

        pair.OutboundA.FailNext(4);
        var id = await PostOutboxAsync(pair.ClientA, aliceToken, bob, DeliveryKit.Envelope(alice, bob, pair.B.DsEncryptionPublicKey, "never").Json);
        var report = await WaitForFinalAsync(pair.ClientA, aliceToken, id);
        Assert.Equal("failed", (string?)report["status"]);
        Assert.Equal(4, (int?)report["attempts"]);
        Assert.Contains("retry budget", (string?)report["reason"], StringComparison.Ordinal);
        Assert.Contains("relay.network", (string?)report["reason"], StringComparison.Ordinal);

        var poisonQueue = Dm3.Backend.Runtime.StorageNames.PoisonQueueOf(pair.A.QueuePrefix + "outbox");
        var row = await WaitForAsync(async () => (await pair.A.RowsAsync("PoisonReasons")).FirstOrDefault(r => r.PartitionKey == poisonQueue));
        Assert.Contains("relay.retry_budget_exhausted after 4 attempts: relay.network", row.GetString("Reason"), StringComparison.Ordinal);
        Assert.NotEmpty(await pair.A.Queues.PeekAsync(poisonQueue, 32, CancellationToken.None));
    }

    [Fact]
    public async Task A_crash_after_B_accepted_but_before_the_row_was_marked_is_redelivered_and_B_keeps_one_entry()
    {
        var (alice, aliceToken) = await RegisterAsync(pair.ClientA, "myapp.eth");
        var (bob, bobToken) = await RegisterAsync(pair.ClientB, "main.eth");
        var envelope = DeliveryKit.Envelope(alice, bob, pair.B.DsEncryptionPublicKey, "crash");

        // The state a crash of A leaves: B holds the envelope (the first attempt's dm3_submitMessage went through), A's
        // row still says queued, and the queue message comes back after its visibility timeout.
        var (status, _) = await DeliveryKit.RpcAsync(pair.ClientB, DeliveryKit.SubmitCall(envelope.Json.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, status);
        var id = Guid.NewGuid().ToString("N");
        await pair.A.Services.GetRequiredService<OutboxStore>().InsertAsync(
            new OutboxEntry(id, alice.Name, bob.Name, OutboxState.Queued, 0, DateTimeOffset.UtcNow, null, null, null, envelope.CanonicalJson, null), CancellationToken.None);
        await pair.A.Services.GetRequiredService<Dm3.Backend.Messaging.IPipelinePublisher>().PublishAsync(
            pair.A.Services.GetRequiredService<OutboxQueue>().Name, new Dm3.Backend.Messaging.PipelineMessage(Guid.NewGuid().ToString("N"), OutboxSubmission.Kind, id), CancellationToken.None);

        var report = await WaitForFinalAsync(pair.ClientA, aliceToken, id);
        Assert.Equal("delivered", (string?)report["status"]);
        Assert.Single(await IncomingAsync(pair.ClientB, bob, bobToken, expected: 1));
    }

    [Fact]
    public async Task A_receiver_hosted_here_skips_the_network()
    {
        var (alice, aliceToken) = await RegisterAsync(pair.ClientA, "myapp.eth");
        var (carol, carolToken) = await RegisterAsync(pair.ClientA, "myapp.eth");
        var sentBefore = Volatile.Read(ref pair.OutboundA.Sent);

        var id = await PostOutboxAsync(pair.ClientA, aliceToken, carol, DeliveryKit.Envelope(alice, carol, pair.A.DsEncryptionPublicKey, "next door").Json);
        var report = await WaitForFinalAsync(pair.ClientA, aliceToken, id);
        Assert.Equal("delivered", (string?)report["status"]);
        Assert.Equal(OutboxStore.LocalDelivery, (string?)report["deliveredTo"]);
        Assert.Single(await IncomingAsync(pair.ClientA, carol, carolToken, expected: 1));
        Assert.Equal(sentBefore, Volatile.Read(ref pair.OutboundA.Sent));
    }

    [Fact]
    public async Task A_foreign_sender_is_verified_against_its_resolved_profile()
    {
        var (alice, _) = await RegisterAsync(pair.ClientA, "myapp.eth");
        var (bob, bobToken) = await RegisterAsync(pair.ClientB, "main.eth");

        // "From alice" (hosted on A) but signed by someone else: B resolves alice's profile and refuses (-32602, bad signature).
        var forged = DeliveryKit.Envelope(alice, bob, pair.B.DsEncryptionPublicKey, "forged", senderSigningKey: Dm3.Protocol.Profiles.ProfileKeys.Generate().SigningPrivateKey);
        var (status, body) = await DeliveryKit.RpcAsync(pair.ClientB, DeliveryKit.SubmitCall(forged.Json.ToJsonString()));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32602, DeliveryKit.ErrorCode(body));
        Assert.Equal("envelope.bad_signature", (string?)body["error"]!["data"]!["reason"]);

        // A sender name that resolves nowhere is refused the same way; nothing was queued for bob.
        var stranger = new TestUser("nowhere.eth");
        var unresolvable = DeliveryKit.Envelope(stranger, bob, pair.B.DsEncryptionPublicKey, "who?");
        (status, body) = await DeliveryKit.RpcAsync(pair.ClientB, DeliveryKit.SubmitCall(unresolvable.Json.ToJsonString()));
        Assert.Equal(-32602, DeliveryKit.ErrorCode(body));
        Assert.Equal("envelope.sender_not_resolved", (string?)body["error"]!["data"]!["reason"]);

        // The genuine envelope, submitted directly, is accepted.
        var genuine = DeliveryKit.Envelope(alice, bob, pair.B.DsEncryptionPublicKey, "genuine");
        (status, _) = await DeliveryKit.RpcAsync(pair.ClientB, DeliveryKit.SubmitCall(genuine.Json.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Single(await IncomingAsync(pair.ClientB, bob, bobToken, expected: 1));
    }

    [Fact]
    public async Task Outbox_routes_need_the_bearer_token_and_a_signed_envelope()
    {
        var (alice, aliceToken) = await RegisterAsync(pair.ClientA, "myapp.eth");
        var (bob, _) = await RegisterAsync(pair.ClientB, "main.eth");
        var envelope = DeliveryKit.Envelope(alice, bob, pair.B.DsEncryptionPublicKey).Json;

        using var anonymous = await pair.ClientA.PostAsync("/outbox", DeliveryKit.Json(new JsonObject { ["to"] = bob.Name, ["envelope"] = envelope.DeepClone() }));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var forged = DeliveryKit.Envelope(alice, bob, pair.B.DsEncryptionPublicKey, senderSigningKey: Dm3.Protocol.Profiles.ProfileKeys.Generate().SigningPrivateKey).Json;
        using var refused = await pair.ClientA.SendAsync(DeliveryKit.Authorized(HttpMethod.Post, "/outbox", aliceToken,
            DeliveryKit.Json(new JsonObject { ["to"] = bob.Name, ["envelope"] = forged })));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("envelope.bad_signature", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<(TestUser User, string Token)> RegisterAsync(HttpClient client, string parent)
    {
        var user = new TestUser(parent);
        return (user, await DeliveryKit.RegisterAsync(client, user));
    }

    private static async Task<string> PostOutboxAsync(HttpClient client, string token, TestUser to, JsonObject envelope)
    {
        using var response = await client.SendAsync(DeliveryKit.Authorized(HttpMethod.Post, "/outbox", token,
            DeliveryKit.Json(new JsonObject { ["to"] = to.Name, ["envelope"] = envelope.DeepClone() })));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /outbox: {response.StatusCode} {text}");
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("queued", (string?)body["status"]);
        return (string)body["id"]!;
    }

    private static async Task<JsonObject> WaitForFinalAsync(HttpClient client, string token, string id) =>
        await WaitForAsync(async () =>
        {
            using var response = await client.SendAsync(DeliveryKit.Authorized(HttpMethod.Get, $"/outbox/{id}", token));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var report = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            return (string?)report["status"] is "delivered" or "failed" ? report : null;
        });

    /// <summary>The receiver's inbox once it holds <paramref name="expected"/> envelopes, then once more after a pause (no late duplicate).</summary>
    private static async Task<JsonArray> IncomingAsync(HttpClient client, TestUser user, string token, int expected)
    {
        async Task<JsonArray> ReadAsync()
        {
            using var response = await client.SendAsync(DeliveryKit.Authorized(HttpMethod.Get, $"/delivery/messages/incoming/{user.Name}", token));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
        }

        await WaitForAsync(async () => (await ReadAsync()).Count >= expected ? new object() : null);
        await Task.Delay(500);
        var final = await ReadAsync();
        Assert.Equal(expected, final.Count);
        return final;
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the relay");
            await Task.Delay(100);
        }
    }
}
