using System.Net.Http.Json;
using System.Text;
using Dm3.Adapters.Queues;
using Dm3.Adapters.Tables;
using Dm3.App.Diagnostics;
using Dm3.App.Runtime;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.Runtime;

/// <summary>The standalone queue pump and timers against Azurite, through the real program.</summary>
public sealed class QueuePumpTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly RuntimeAppFactory _app = new("pump", new Dictionary<string, string?>
    {
        ["Queues__MaxDequeueCount"] = "3",
        ["Diagnostics__TimerSchedule"] = "*/1 * * * * *",
    });
    private readonly HttpClient _http = new();
    private TableServiceStore _tables = null!;
    private StorageQueueService _queues = null!;
    private string _queue = null!;

    public async Task InitializeAsync()
    {
        _ = _app.Server;
        await _app.WaitForStorageAsync();
        _tables = TestStorage.Tables(_http);
        _queues = TestStorage.Queues(_http);
        _queue = _app.Services.GetRequiredService<StorageNames>().Queue(DiagnosticsFeature.QueueSetting);
        Assert.StartsWith(_app.QueuePrefix, _queue, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task A_published_message_is_processed_once_and_deleted()
    {
        var id = "ok-" + Guid.NewGuid().ToString("N");
        await EnqueueViaProgramAsync(id, "");

        await TestStorage.EventuallyAsync(() => EffectCountAsync(id), Patience, "the effect row");
        await TestStorage.EventuallyAsync(async () => (await _queues.PeekAsync(_queue, 32, default)).Count == 0, Patience, "the queue to drain");
        Assert.Equal(1, await EffectCountAsync(id));
        Assert.True(await _app.Services.GetRequiredService<IProcessedMessages>().IsCompletedAsync(DiagnosticsFeature.QueueFunctionName, id, default));
    }

    [Fact]
    public async Task Two_messages_with_the_same_pipeline_id_have_one_effect()
    {
        var id = "twice-" + Guid.NewGuid().ToString("N");
        await EnqueueViaProgramAsync(id, "");
        await TestStorage.EventuallyAsync(() => EffectCountAsync(id), Patience, "the first effect");
        await EnqueueViaProgramAsync(id, "");
        await TestStorage.EventuallyAsync(async () => (await _queues.PeekAsync(_queue, 32, default)).Count == 0, Patience, "the duplicate to be consumed");

        Assert.Equal(1, await EffectCountAsync(id));
        Assert.Single(await AttemptsAsync(id));
    }

    [Fact]
    public async Task A_handler_failing_twice_succeeds_on_the_third_delivery()
    {
        var id = "retry-" + Guid.NewGuid().ToString("N");
        await EnqueueViaProgramAsync(id, "fail=2");

        await TestStorage.EventuallyAsync(() => EffectCountAsync(id), Patience, "the effect after two failures");
        Assert.Equal([1L, 2L, 3L], (await AttemptsAsync(id)).Select(a => a.GetInt64("DequeueCount")!.Value).Order());
        Assert.Equal(1, await EffectCountAsync(id));
    }

    [Fact]
    public async Task A_handler_failing_every_time_lands_in_the_poison_queue_with_its_reason()
    {
        var id = "poison-" + Guid.NewGuid().ToString("N");
        await EnqueueViaProgramAsync(id, "fail=99");

        var poisoned = await TestStorage.EventuallyAsync(() => PoisonedAsync(id), Patience, "the poison message");
        Assert.Equal(3, (await AttemptsAsync(id)).Count);
        Assert.Null(await EffectCountAsync(id));
        var reason = await PoisonReasonAsync(poisoned.MessageId, id);
        Assert.Contains("diagnostic failure on attempt 3", reason.GetString("Reason"), StringComparison.Ordinal);
        Assert.Equal(3, reason.GetInt64("DequeueCount"));
        Assert.Equal(DiagnosticsFeature.QueueFunctionName, reason.GetString("FunctionName"));
    }

    [Fact]
    public async Task A_malformed_message_goes_to_the_poison_queue_at_once()
    {
        var marker = Guid.NewGuid().ToString("N");
        var json = "{\"id\":\"" + marker + "\",\"kind\":7}";
        await _queues.SendAsync(_queue, Convert.ToBase64String(Encoding.UTF8.GetBytes(json)), null, default);

        var poisoned = await TestStorage.EventuallyAsync(async () =>
            (await _queues.PeekAsync(StorageNames.PoisonQueueOf(_queue), 32, default)).FirstOrDefault(m => Decode(m.MessageText) == json), Patience, "the malformed message in poison");
        var reason = await PoisonReasonAsync(poisoned.MessageId, null, Encoding.UTF8.GetBytes(json));
        Assert.Contains("'kind' is not a string", reason.GetString("Reason"), StringComparison.Ordinal);
        Assert.Equal(1, reason.GetInt64("DequeueCount"));
    }

    [Fact]
    public async Task A_message_that_is_not_base64_goes_to_the_poison_queue_without_an_invocation()
    {
        var text = "not base64 " + Guid.NewGuid().ToString("N");
        await _queues.SendAsync(_queue, text, null, default);

        await TestStorage.EventuallyAsync(async () =>
            (await _queues.PeekAsync(StorageNames.PoisonQueueOf(_queue), 32, default)).FirstOrDefault(m => m.MessageText == text), Patience, "the non-base64 message in poison");
    }

    [Fact]
    public async Task The_timer_runs_on_its_ncrontab_schedule()
    {
        var table = _app.Table(DiagnosticsFeature.TicksTable);
        var ticks = await TestStorage.EventuallyAsync(async () =>
        {
            var page = await _tables.QueryAsync(table, new TableQuery(), null, default);
            return page.Items.Count >= 2 ? page.Items : null;
        }, TimeSpan.FromSeconds(10), "two timer ticks");

        var times = ticks.Select(t => t.GetDateTime("ScheduledTime")!.Value).Order().ToList();
        Assert.All(times, t => Assert.Equal(0, t.Millisecond));
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(1));
    }

    private async Task EnqueueViaProgramAsync(string id, string reference)
    {
        using var client = _app.CreateClient();
        var response = await client.PostAsJsonAsync("/diagnostics/enqueue", new { id, @ref = reference });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task<long?> EffectCountAsync(string id) =>
        (await _tables.GetAsync(_app.Table(DiagnosticsFeature.EffectsTable), "effect", id, default))?.GetInt64("Count");

    private async Task<IReadOnlyList<TableEntity>> AttemptsAsync(string id) =>
        (await _tables.QueryAsync(_app.Table(DiagnosticsFeature.AttemptsTable), new TableQuery(TableFilter.PartitionKeyEquals(id)), null, default)).Items;

    private async Task<PeekedQueueMessage?> PoisonedAsync(string id) =>
        (await _queues.PeekAsync(StorageNames.PoisonQueueOf(_queue), 32, default))
            .FirstOrDefault(m => Decode(m.MessageText)?.Contains(id, StringComparison.Ordinal) == true);

    private async Task<TableEntity> PoisonReasonAsync(string poisonMessageId, string? pipelineId, byte[]? body = null)
    {
        _ = poisonMessageId; // the row is keyed by the original message id; find it by pipeline id / queue
        var rows = (await _tables.QueryAsync(_app.Table(PoisonRecorder.LogicalTableName),
            new TableQuery(TableFilter.PartitionKeyEquals(StorageNames.PoisonQueueOf(_queue))), null, default)).Items;
        _ = body;
        return pipelineId is null
            ? Assert.Single(rows, r => r.GetString("PipelineId") is null && r.GetString("Reason")!.StartsWith("malformed", StringComparison.Ordinal))
            : Assert.Single(rows, r => r.GetString("PipelineId") == pipelineId);
    }

    private static string? Decode(string text) => QueueMessageText.TryDecode(text, out var utf8) ? utf8 : null;
}
