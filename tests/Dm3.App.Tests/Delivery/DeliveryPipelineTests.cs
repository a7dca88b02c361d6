using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Dm3.Adapters.Queues;
using Dm3.App.Runtime;
using Dm3.App.Tests.Delivery.Support;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Backend.Messaging;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dm3.App.Tests.Delivery;

/// <summary>
/// Puts every pipeline message on the queue twice (the transport's at-least-once delivery made certain). DeliverEnvelope
/// is declared idempotent, so the runtime keeps no processed-id record for it and the second copy always reaches the
/// handler (unless it runs in the same process at the same time as the first: the runtime then waits and runs it
/// after); the handler's own idempotency (inbox key + ETag) is what keeps one entry per envelope. DeliveryRpcTests
/// also runs the handler directly, twice concurrently and once more, under different ids.
/// </summary>
internal sealed class DuplicatingPublisher(IPipelinePublisher inner) : IPipelinePublisher
{
    private int _count;

    public int Published => Volatile.Read(ref _count);

    public async Task PublishAsync(string queueName, PipelineMessage message, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _count);
        await inner.PublishAsync(queueName, message, cancellationToken);
        await inner.PublishAsync(queueName, message, cancellationToken);
    }

    public Task PublishDelayedAsync(string queueName, PipelineMessage message, TimeSpan visibilityDelay, CancellationToken cancellationToken) =>
        inner.PublishDelayedAsync(queueName, message, visibilityDelay, cancellationToken);
}

public sealed class DeliveryPipelineFixture : IAsyncLifetime
{
    public DeliveryPipelineFixture()
    {
        Host = new DeliveryHost(pump: true, new Dictionary<string, string?>
            {
                ["Queues__MaxDequeueCount"] = "2",
                ["Queues__MaxConcurrency"] = "64",
                ["Logging__LogLevel__Dm3.App.Runtime.FunctionInvoker"] = "Warning", // 2,000 completion lines otherwise
            },
            inner => Publisher = new DuplicatingPublisher(inner));
    }

    internal DeliveryHost Host { get; }

    internal DuplicatingPublisher Publisher { get; private set; } = null!;

    internal HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = Host.CreateClient();
        await Host.WaitForStorageAsync();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>The queue-driven pipeline on Azurite with the real standalone pump: volume, duplicates and poison.</summary>
public sealed class DeliveryPipelineTests(DeliveryPipelineFixture fixture, ITestOutputHelper output) : IClassFixture<DeliveryPipelineFixture>
{
    private const int Count = 1000;

    private DeliveryHost Host => fixture.Host;

    [Fact]
    public async Task A_thousand_concurrent_envelopes_each_queued_twice_make_exactly_a_thousand_inbox_entries()
    {
        var client = fixture.Client;
        var senders = Enumerable.Range(0, 10).Select(_ => new TestUser()).ToList();
        var receivers = Enumerable.Range(0, 10).Select(_ => new TestUser()).ToList();
        await Task.WhenAll(senders.Concat(receivers).Select(u => DeliveryKit.RegisterAsync(client, u)));
        var envelopes = Enumerable.Range(0, Count)
            .Select(i => DeliveryKit.Envelope(senders[i % 10], receivers[(i / 10) % 10], Host.DsEncryptionPublicKey, text: "message " + i).Json.ToJsonString())
            .ToList();
        var clock = Stopwatch.StartNew();

        using var gate = new SemaphoreSlim(100);
        var statuses = await Task.WhenAll(envelopes.Select(async json =>
        {
            await gate.WaitAsync();
            try
            {
                return (await DeliveryKit.RpcAsync(client, DeliveryKit.SubmitCall(json))).Status;
            }
            finally
            {
                gate.Release();
            }
        }));
        output.WriteLine($"submitted {Count} in {clock.ElapsedMilliseconds} ms");
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(Count, fixture.Publisher.Published);

        // Done when nothing is pending and the queue shows no message (cheap probes, so Azurite keeps its CPU for the work).
        await WaitUntilDrainedAsync(TimeSpan.FromSeconds(90));
        output.WriteLine($"delivered in {clock.ElapsedMilliseconds} ms");

        // The pump path honours the catalog's idempotent flag: no processed-id records for DeliverEnvelope.
        Assert.Empty(await Host.RowsAsync(TableProcessedMessages.LogicalTableName, "PartitionKey eq 'DeliverEnvelope'"));
        var inbox = await Host.RowsAsync("Inbox");
        Assert.Equal(Count, inbox.Count);
        Assert.All(inbox, r => Assert.Equal("delivered", r.GetString("State")));
        Assert.Equal(Count, inbox.Select(r => (r.PartitionKey, r.RowKey)).Distinct().Count());
        foreach (var receiver in receivers)
        {
            var token = await DeliveryKit.TokenAsync(client, receiver);
            var page = await DeliveryKit.IncomingAsync(client, receiver, token, "?limit=1000");
            Assert.Equal(Count / 10, page.Envelopes!.Count);
            Assert.Null(page.NextCursor);
        }

        Assert.Empty(await Host.Queues.PeekAsync(Host.EnvelopesQueue + "-poison", 32, CancellationToken.None));
    }

    private async Task WaitUntilDrainedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var quietRounds = 0;
        while (quietRounds < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the pipeline did not drain within {timeout.TotalSeconds} s");
            await Task.Delay(500);
            var pending = await Host.Tables.QueryAsync(Host.Table("Inbox"), new TableQuery("State eq 'pending'", ["PartitionKey"], 1), null, CancellationToken.None);
            var queued = await Host.Queues.PeekAsync(Host.EnvelopesQueue, 1, CancellationToken.None);
            quietRounds = pending.Items.Count == 0 && queued.Count == 0 ? quietRounds + 1 : 0;
        }

        // Copies still invisible (in flight) find the row delivered and change nothing; give them their visibility timeout.
        await Task.Delay(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_message_that_can_never_succeed_lands_in_the_poison_queue_with_its_reason()
    {
        var publisher = Host.Services.GetRequiredService<IPipelinePublisher>();
        await publisher.PublishAsync(Host.EnvelopesQueue, new PipelineMessage("poison-test", "envelope", "not-a-reference"), CancellationToken.None);
        var poisonQueue = Host.EnvelopesQueue + "-poison";

        var poisoned = await TestStorage.EventuallyAsync(async () =>
        {
            var peeked = await Host.Queues.PeekAsync(poisonQueue, 32, CancellationToken.None);
            return peeked.FirstOrDefault(p => QueueMessageText.TryDecode(p.MessageText, out var t) && t.Contains("poison-test", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(20), "the message in the poison queue");

        Assert.NotNull(poisoned);
        // The reason row is written just after the poison message is sent.
        var record = await TestStorage.EventuallyAsync(async () =>
            (await Host.RowsAsync(PoisonRecorder.LogicalTableName, $"PartitionKey eq '{poisonQueue}'")).FirstOrDefault(r => r.GetString("PipelineId") == "poison-test"),
            TimeSpan.FromSeconds(10), "the poison reason row");
        var reason = record.GetString("Reason");
        Assert.NotNull(reason);
        Assert.Contains("ref", reason, StringComparison.Ordinal);
        Assert.Contains("MalformedMessageException", reason, StringComparison.Ordinal);
        Assert.Equal("DeliverEnvelope", record.GetString("FunctionName"));
        Assert.Equal(1, record.GetInt64("DequeueCount")); // poisoned on its first attempt, not after the retries
    }
}
