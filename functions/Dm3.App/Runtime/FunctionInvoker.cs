using Dm3.App.Functions;
using Dm3.App.Logging;
using Dm3.Backend.Messaging;
using Dm3.Backend.Runtime;

namespace Dm3.App.Runtime;

public enum InvocationStatus
{
    /// <summary>The handler ran and completed; the id is recorded as processed (unless the function is <see cref="QueueFunction.Idempotent"/>).</summary>
    Completed,

    /// <summary>The id was already processed by this function; the handler was not run.</summary>
    AlreadyProcessed,

    /// <summary>The message body is not a valid pipeline message, or the handler found it can never succeed (<see cref="MalformedMessageException"/>); retrying cannot help.</summary>
    Malformed,

    /// <summary>The handler threw; the transport should retry.</summary>
    Failed,
}

public sealed record InvocationOutcome(InvocationStatus Status, string? PipelineId, string? Reason)
{
    public bool Succeeded => Status is InvocationStatus.Completed or InvocationStatus.AlreadyProcessed;
}

/// <summary>
/// Runs queue and timer handlers for both hosts (the worker's trigger functions and the standalone pump / timers),
/// with the processed-id check that makes a completed message a no-op when it is delivered again. Functions declared
/// <see cref="QueueFunction.Idempotent"/> skip that check and record (they guard their effects themselves); the
/// in-process wait for a running duplicate applies to every function.
/// </summary>
public sealed class FunctionInvoker(
    IServiceScopeFactory scopes,
    IProcessedMessages processed,
    StorageReadiness readiness,
    ILogger<FunctionInvoker> logger)
{
    // (function, id) pairs running in this process: a second delivery of the same id (a lease that expired under
    // load, a duplicate publish) waits for the first and then sees it as processed instead of running alongside it.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);

    /// <summary>Cancellation (shutdown, aborted request) propagates as <see cref="OperationCanceledException"/>.</summary>
    public async Task<InvocationOutcome> RunQueueAsync(QueueFunction function, ReadOnlyMemory<byte> body, DeliveryContext context, CancellationToken cancellationToken)
    {
        if (!PipelineMessageReader.TryRead(body.Span, out var message, out var parseError))
        {
            Log.MessageFailed(logger, function.Name, null, context.DequeueCount, context.MessageId, context.InvocationId, "malformed message: " + parseError);
            return new InvocationOutcome(InvocationStatus.Malformed, null, "malformed message: " + parseError);
        }
        var key = function.Name + "\n" + message.Id;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        while (!_running.TryAdd(key, done.Task))
        {
            if (_running.TryGetValue(key, out var other))
            {
                await other.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        try
        {
            return await RunOnceAsync(function, message, context, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _running.TryRemove(key, out _);
            done.SetResult();
        }
    }

    private async Task<InvocationOutcome> RunOnceAsync(QueueFunction function, PipelineMessage message, DeliveryContext context, CancellationToken cancellationToken)
    {
        try
        {
            await readiness.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!function.Idempotent && await processed.IsCompletedAsync(function.Name, message.Id, cancellationToken).ConfigureAwait(false))
            {
                Log.MessageDuplicate(logger, function.Name, message.Id, context.InvocationId);
                return new InvocationOutcome(InvocationStatus.AlreadyProcessed, message.Id, null);
            }
            await using (var scope = scopes.CreateAsyncScope())
            {
                var handler = (IQueueHandler)scope.ServiceProvider.GetRequiredService(function.HandlerType);
                await handler.HandleAsync(message, context, cancellationToken).ConfigureAwait(false);
            }
            if (!function.Idempotent)
            {
                await processed.MarkCompletedAsync(function.Name, message.Id, cancellationToken).ConfigureAwait(false);
            }
            Log.MessageCompleted(logger, function.Name, message.Id, context.DequeueCount, context.InvocationId);
            return new InvocationOutcome(InvocationStatus.Completed, message.Id, null);
        }
        catch (MalformedMessageException ex)
        {
            // Retrying cannot help: the transport poisons it on this attempt, with this reason.
            var reason = "malformed message: " + Describe(ex);
            Log.MessageFailed(logger, function.Name, message.Id, context.DequeueCount, context.MessageId, context.InvocationId, reason);
            return new InvocationOutcome(InvocationStatus.Malformed, message.Id, reason);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            var reason = Describe(ex);
            Log.MessageFailed(logger, function.Name, message.Id, context.DequeueCount, context.MessageId, context.InvocationId, reason);
            return new InvocationOutcome(InvocationStatus.Failed, message.Id, reason);
        }
    }

    public async Task<InvocationOutcome> RunTimerAsync(TimerFunction function, TimerContext context, CancellationToken cancellationToken)
    {
        try
        {
            await readiness.WaitAsync(cancellationToken).ConfigureAwait(false);
            await using (var scope = scopes.CreateAsyncScope())
            {
                var handler = (ITimerHandler)scope.ServiceProvider.GetRequiredService(function.HandlerType);
                await handler.RunAsync(context, cancellationToken).ConfigureAwait(false);
            }
            Log.TimerCompleted(logger, function.Name, context.ScheduledTime, context.InvocationId);
            return new InvocationOutcome(InvocationStatus.Completed, null, null);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            var reason = Describe(ex);
            Log.TimerFailed(logger, function.Name, context.ScheduledTime, context.InvocationId, reason);
            return new InvocationOutcome(InvocationStatus.Failed, null, reason);
        }
    }

    /// <summary>One line: exception type and message (handlers must not put secrets in exception messages).</summary>
    internal static string Describe(Exception ex)
    {
        var text = ex.GetType().Name + ": " + ex.Message.ReplaceLineEndings(" ");
        return text.Length <= 1000 ? text : text[..1000] + "…";
    }
}
