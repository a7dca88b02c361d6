using Dm3.App.Composition;
using Dm3.App.Delivery;
using Dm3.App.Diagnostics;
using Dm3.App.Functions;
using Dm3.App.Runtime;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Backend.Messaging;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dm3.App.Tests.Runtime;

/// <summary>
/// A queue function declared <c>idempotent: true</c> in the catalog runs without the runtime's processed-id record
/// (no Processed read or insert); every other queue function keeps it. The invoker is the one code path of both the
/// worker's queue functions and the standalone pump; each path is also exercised end to end (the worker's in
/// Functions/WorkerQueueFunctionTests).
/// </summary>
public sealed class IdempotentQueueFunctionTests
{
    [Fact]
    public void The_catalog_keeps_the_processed_record_unless_a_queue_function_is_declared_idempotent()
    {
        var catalog = new FunctionCatalog()
            .Queue<CountingHandler>("Plain", "PlainQueue", "plain")
            .Queue<CountingHandler>("Guarded", "GuardedQueue", "guarded", idempotent: true);

        Assert.False(((QueueFunction)catalog.Find("Plain")!).Idempotent);
        Assert.True(((QueueFunction)catalog.Find("Guarded")!).Idempotent);
        var app = Features.BuildCatalog();
        Assert.True(((QueueFunction)app.Find(DeliveryFeature.DeliverFunction)!).Idempotent);
        Assert.False(((QueueFunction)app.Find(DiagnosticsFeature.QueueFunctionName)!).Idempotent);
    }

    [Fact]
    public async Task An_idempotent_function_runs_on_every_delivery_without_touching_the_processed_record()
    {
        var (invoker, processed, handler) = NewInvoker();
        var function = new QueueFunction("Guarded", "GuardedQueue", typeof(CountingHandler)) { Idempotent = true };

        var first = await invoker.RunQueueAsync(function, Body("m-1"), Context("Guarded"), CancellationToken.None);
        var second = await invoker.RunQueueAsync(function, Body("m-1"), Context("Guarded"), CancellationToken.None);

        Assert.Equal((InvocationStatus.Completed, InvocationStatus.Completed), (first.Status, second.Status));
        Assert.Equal(2, handler.Runs);
        Assert.Empty(processed.Calls);
    }

    [Fact]
    public async Task A_plain_function_is_recorded_and_skipped_on_redelivery()
    {
        var (invoker, processed, handler) = NewInvoker();
        var function = new QueueFunction("Plain", "PlainQueue", typeof(CountingHandler));

        var first = await invoker.RunQueueAsync(function, Body("m-2"), Context("Plain"), CancellationToken.None);
        var second = await invoker.RunQueueAsync(function, Body("m-2"), Context("Plain"), CancellationToken.None);

        Assert.Equal((InvocationStatus.Completed, InvocationStatus.AlreadyProcessed), (first.Status, second.Status));
        Assert.Equal(1, handler.Runs);
        Assert.Equal(["is Plain/m-2", "mark Plain/m-2", "is Plain/m-2"], processed.Calls);
    }

    [Fact]
    public async Task A_failing_idempotent_function_reports_the_failure_and_records_nothing()
    {
        var (invoker, processed, handler) = NewInvoker();
        handler.Fail = true;
        var function = new QueueFunction("Guarded", "GuardedQueue", typeof(CountingHandler)) { Idempotent = true };

        var outcome = await invoker.RunQueueAsync(function, Body("m-3"), Context("Guarded"), CancellationToken.None);

        Assert.Equal(InvocationStatus.Failed, outcome.Status);
        Assert.Contains("counting handler failure", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(processed.Calls);
    }

    private static (FunctionInvoker Invoker, RecordingProcessed Processed, CountingHandler Handler) NewInvoker()
    {
        var handler = new CountingHandler();
        var processed = new RecordingProcessed();
        var services = new ServiceCollection().AddSingleton(handler).BuildServiceProvider();
        var readiness = new StorageReadiness();
        readiness.MarkReady();
        return (new FunctionInvoker(services.GetRequiredService<IServiceScopeFactory>(), processed, readiness, NullLogger<FunctionInvoker>.Instance), processed, handler);
    }

    private static ReadOnlyMemory<byte> Body(string id) => PipelineBodies.Json(id, "r");

    private static DeliveryContext Context(string function) => new(1, Guid.NewGuid().ToString(), function, Guid.NewGuid().ToString());

    internal sealed class CountingHandler : IQueueHandler
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public bool Fail { get; set; }

        public Task HandleAsync(PipelineMessage message, DeliveryContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            return Fail ? throw new InvalidOperationException("counting handler failure") : Task.CompletedTask;
        }
    }

    private sealed class RecordingProcessed : IProcessedMessages
    {
        private readonly HashSet<string> _done = new(StringComparer.Ordinal);

        public List<string> Calls { get; } = [];

        public Task<bool> IsCompletedAsync(string functionName, string messageId, CancellationToken cancellationToken)
        {
            Calls.Add($"is {functionName}/{messageId}");
            return Task.FromResult(_done.Contains(functionName + "/" + messageId));
        }

        public Task MarkCompletedAsync(string functionName, string messageId, CancellationToken cancellationToken)
        {
            Calls.Add($"mark {functionName}/{messageId}");
            _done.Add(functionName + "/" + messageId);
            return Task.CompletedTask;
        }
    }
}

/// <summary>The standalone pump honours the flag too (DeliveryPipelineTests checks it at volume).</summary>
public sealed class IdempotentPumpTests : IAsyncLifetime
{
    private readonly RuntimeAppFactory _app = new("idp");

    public async Task InitializeAsync()
    {
        _ = _app.Server;
        await _app.WaitForStorageAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_pump_runs_an_idempotent_function_without_a_processed_record()
    {
        var id = "idem-pump-" + Guid.NewGuid().ToString("N");
        var reference = "0x" + new string('c', 64) + "|0x" + new string('d', 40) + "|alice.eth";
        var names = _app.Services.GetRequiredService<StorageNames>();
        var queue = names.Queue(DeliveryFeature.EnvelopesQueueSetting);
        var queues = _app.Services.GetRequiredService<Dm3.Adapters.Queues.IStorageQueueClient>();
        await _app.Services.GetRequiredService<IPipelinePublisher>().PublishAsync(queue, new PipelineMessage(id, "envelope", reference), CancellationToken.None);
        var diagnosticId = "plain-pump-" + Guid.NewGuid().ToString("N");
        await _app.Services.GetRequiredService<IPipelinePublisher>().PublishAsync(names.Queue(DiagnosticsFeature.QueueSetting),
            new PipelineMessage(diagnosticId, "diagnostic", ""), CancellationToken.None);

        var processed = _app.Services.GetRequiredService<IProcessedMessages>();
        await TestStorage.EventuallyAsync(() => processed.IsCompletedAsync(DiagnosticsFeature.QueueFunctionName, diagnosticId, CancellationToken.None),
            TimeSpan.FromSeconds(20), "the plain function's processed record");
        await TestStorage.EventuallyAsync(async () => (await queues.PeekAsync(queue, 1, CancellationToken.None)).Count == 0, TimeSpan.FromSeconds(20), "the envelopes queue to drain");
        // A failed run would make the message visible again at once (Queues__RetryDelay 0) and poison it after the retries.
        for (var i = 0; i < 4; i++)
        {
            await Task.Delay(500);
            Assert.Empty(await queues.PeekAsync(queue, 1, CancellationToken.None));
        }

        Assert.False(await processed.IsCompletedAsync(DeliveryFeature.DeliverFunction, id, CancellationToken.None));
        Assert.Empty(await queues.PeekAsync(StorageNames.PoisonQueueOf(queue), 1, CancellationToken.None));
        var rows = await _app.Services.GetRequiredService<ITableStore>().QueryAsync(names.Table(TableProcessedMessages.LogicalTableName),
            new TableQuery(TableFilter.PartitionKeyEquals(DeliveryFeature.DeliverFunction)), null, CancellationToken.None);
        Assert.Empty(rows.Items);
    }
}
