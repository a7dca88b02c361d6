using System.Globalization;
using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Runtime;
using Dm3.Backend.Messaging;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;

namespace Dm3.App.Diagnostics;

/// <summary>
/// Test-only functions, present only with <c>Diagnostics__EnableTestFunctions=true</c>: a queue function whose
/// effect is a counter row per message id (so exactly-once effects can be checked) and which can be told to fail or
/// sleep, a timer that records ticks, and an HTTP endpoint that publishes to the diagnostic queue.
/// </summary>
public sealed class DiagnosticsFeature : IAppFeature
{
    public const string EnabledSetting = "Diagnostics__EnableTestFunctions";
    public const string QueueFunctionName = "DiagnosticsQueue";
    public const string TimerFunctionName = "DiagnosticsTimer";
    public const string EnqueueFunctionName = "DiagnosticsEnqueue";
    public const string EnqueueRoute = "diagnostics/enqueue";
    public const string QueueSetting = "DiagnosticsQueue";
    public const string ScheduleSetting = "Diagnostics__TimerSchedule";
    public const string EffectsTable = "DiagEffects";
    public const string AttemptsTable = "DiagAttempts";
    public const string TicksTable = "DiagTicks";

    public void Describe(FunctionCatalog catalog) => catalog
        .Queue<DiagnosticQueueHandler>(QueueFunctionName, QueueSetting, "diagnostics", EnabledSetting)
        .Timer<DiagnosticTimerHandler>(TimerFunctionName, ScheduleSetting, "0 0 0 1 1 *", EnabledSetting)
        .Http(EnqueueFunctionName, Web.Verb.Post, EnqueueRoute, cors: null, EnabledSetting)
        .Table(EffectsTable, EnabledSetting)
        .Table(AttemptsTable, EnabledSetting)
        .Table(TicksTable, EnabledSetting);

    public void AddServices(IServiceCollection services)
    {
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints, RuntimeSettings runtime)
    {
        if (!runtime.Diagnostics.EnableTestFunctions)
        {
            return;
        }
        endpoints.MapPost(EnqueueRoute, async (EnqueueRequest request, IPipelinePublisher publisher, StorageNames names, CancellationToken ct) =>
        {
            if (string.IsNullOrEmpty(request.Id) || !PipelineMessageReader.IsValidId(request.Id))
            {
                return Results.BadRequest(new { error = "id must be 1-256 characters without control characters or / \\ # ?" });
            }
            var queue = names.Queue(QueueSetting);
            await publisher.PublishAsync(queue, new PipelineMessage(request.Id, "diagnostic", request.Ref ?? ""), ct).ConfigureAwait(false);
            return Results.Accepted(value: new { queue, id = request.Id });
        }).WithName(EnqueueFunctionName).WithTags("Diagnostics");
    }

    public sealed record EnqueueRequest(string? Id, string? Ref);
}

/// <summary>
/// Instructions travel in <see cref="PipelineMessage.Ref"/> as <c>fail=N;sleep=MS</c>: fail while the attempt number is
/// at most N, sleep MS milliseconds before the effect. Every attempt is recorded (DiagAttempts: PK = id), the effect
/// increments DiagEffects(PK "effect", RK = id).Count.
/// </summary>
internal sealed class DiagnosticQueueHandler(ITableStore tables, StorageNames names) : IQueueHandler
{
    public async Task HandleAsync(PipelineMessage message, DeliveryContext context, CancellationToken cancellationToken)
    {
        var (fail, sleep) = ParseInstructions(message.Ref);
        await tables.InsertAsync(names.Table(DiagnosticsFeature.AttemptsTable), new TableEntity(
            message.Id,
            context.DequeueCount.ToString("D4", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N"),
            new Dictionary<string, object?>
            {
                ["DequeueCount"] = context.DequeueCount,
                ["InvocationId"] = context.InvocationId,
                ["ProcessId"] = Environment.ProcessId,
            }), cancellationToken).ConfigureAwait(false);
        if (sleep > 0)
        {
            await Task.Delay(sleep, cancellationToken).ConfigureAwait(false);
        }
        if (context.DequeueCount <= fail)
        {
            throw new InvalidOperationException($"diagnostic failure on attempt {context.DequeueCount} of {fail} for {message.Id}");
        }
        await IncrementEffectAsync(message.Id, cancellationToken).ConfigureAwait(false);
    }

    private async Task IncrementEffectAsync(string id, CancellationToken cancellationToken)
    {
        var table = names.Table(DiagnosticsFeature.EffectsTable);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var existing = await tables.GetAsync(table, "effect", id, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                var inserted = await tables.InsertAsync(table, new TableEntity("effect", id, new Dictionary<string, object?> { ["Count"] = 1L }), cancellationToken).ConfigureAwait(false);
                if (inserted.IsOk)
                {
                    return;
                }
                continue;
            }
            var count = (existing.GetInt64("Count") ?? 0) + 1;
            var updated = await tables.UpdateAsync(table, new TableEntity("effect", id, new Dictionary<string, object?> { ["Count"] = count }), existing.ETag ?? "*", TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            if (updated.IsOk)
            {
                return;
            }
        }
        throw new InvalidOperationException("diagnostic effect update kept conflicting");
    }

    internal static (int Fail, int SleepMs) ParseInstructions(string reference)
    {
        int fail = 0, sleep = 0;
        foreach (var part in reference.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !int.TryParse(part[(eq + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }
            switch (part[..eq])
            {
                case "fail":
                    fail = value;
                    break;
                case "sleep":
                    sleep = Math.Min(value, 600_000);
                    break;
            }
        }
        return (fail, sleep);
    }
}

/// <summary>Records one row per run in DiagTicks (PK "tick", RK = scheduled time ticks + invocation).</summary>
internal sealed class DiagnosticTimerHandler(ITableStore tables, StorageNames names) : ITimerHandler
{
    public async Task RunAsync(TimerContext context, CancellationToken cancellationToken) =>
        await tables.InsertAsync(names.Table(DiagnosticsFeature.TicksTable), new TableEntity(
            "tick",
            context.ScheduledTime.UtcTicks.ToString("D20", CultureInfo.InvariantCulture) + "-" + context.InvocationId,
            new Dictionary<string, object?>
            {
                ["ScheduledTime"] = context.ScheduledTime,
                ["IsPastDue"] = context.IsPastDue,
            }), cancellationToken).ConfigureAwait(false);
}
