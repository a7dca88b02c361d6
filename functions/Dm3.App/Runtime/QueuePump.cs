using System.Collections.Concurrent;
using Dm3.Adapters.Queues;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Logging;
using Dm3.Backend.Runtime;

namespace Dm3.App.Runtime;

/// <summary>
/// Standalone replacement for the host's Storage Queue trigger. Per queue function: receive up to BatchSize messages
/// with a visibility timeout (renewed while the handler runs), run at most MaxConcurrency handlers at once, delete on
/// success, make a failed message visible again after RetryDelay, and move it to <c>&lt;queue&gt;-poison</c> once its
/// DequeueCount reaches MaxDequeueCount (malformed or non-base64 messages at once). Delivery is at-least-once: a crash
/// leaves the message invisible until the visibility timeout ends, then it is received again.
/// On shutdown it stops receiving, waits up to ShutdownGrace for in-flight handlers, then cancels them and releases
/// their messages (visibility 0).
/// </summary>
internal sealed class QueuePump(
    RuntimeSettings settings,
    StorageNames names,
    IStorageQueueClient queues,
    FunctionInvoker invoker,
    PoisonRecorder poison,
    StorageReadiness readiness,
    ILogger<QueuePump> logger) : IHostedService
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinIdleDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxFailureDelay = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _receiving = new();
    private readonly CancellationTokenSource _handlers = new();
    private readonly List<Task> _loops = [];
    private readonly ConcurrentDictionary<long, Task> _inFlight = new();
    private long _nextKey;
    private readonly Lock _stopLock = new();
    private Task? _stopTask;

    private QueuePumpSettings Options => settings.Queues;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Options.Enabled)
        {
            return Task.CompletedTask;
        }
        foreach (var function in settings.ActiveFunctions.OfType<QueueFunction>())
        {
            var queue = names.Queue(function.QueueSetting);
            _loops.Add(Task.Run(() => ReceiveLoopAsync(function, queue), CancellationToken.None));
        }
        return Task.CompletedTask;
    }

    /// <summary>Hosts may call this twice (RunAsync's own stop after an external StopAsync): both wait for one stop.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopLock)
        {
            return _stopTask ??= StopCoreAsync(cancellationToken);
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        await _receiving.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        var pending = _inFlight.Values.Where(t => !t.IsCompleted).ToArray();
        if (pending.Length == 0)
        {
            return;
        }
        Log.PumpStopping(logger, (long)Options.ShutdownGrace.TotalMilliseconds, pending.Length);
        var all = Task.WhenAll(pending);
        await Task.WhenAny(all, Task.Delay(Options.ShutdownGrace, cancellationToken)).ConfigureAwait(false);
        if (!all.IsCompleted)
        {
            await _handlers.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None)).ConfigureAwait(false);
        }
    }

    private async Task ReceiveLoopAsync(QueueFunction function, string queue)
    {
        var stop = _receiving.Token;
        try
        {
            await readiness.WaitAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        Log.PumpStarted(logger, function.Name, queue, Options.MaxConcurrency, Options.MaxDequeueCount);
        // Not disposed: in-flight handlers may release after this loop ends (StopAsync waits for them).
        var slots = new SemaphoreSlim(Options.MaxConcurrency, Options.MaxConcurrency);
        var idleDelay = MinIdleDelay;
        var failureDelay = TimeSpan.FromMilliseconds(200);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await slots.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var taken = 1;
            while (taken < Options.BatchSize && slots.Wait(0))
            {
                taken++;
            }

            IReadOnlyList<ReceivedQueueMessage> batch;
            try
            {
                batch = await queues.ReceiveAsync(queue, taken, Options.VisibilityTimeout, stop).ConfigureAwait(false);
                failureDelay = TimeSpan.FromMilliseconds(200);
            }
            catch (Exception ex)
            {
                slots.Release(taken);
                if (stop.IsCancellationRequested)
                {
                    break;
                }
                Log.PumpReceiveFailed(logger, queue, (long)failureDelay.TotalMilliseconds, ex.Message);
                if (!await DelayAsync(failureDelay, stop).ConfigureAwait(false))
                {
                    break;
                }
                failureDelay = Min(failureDelay * 2, MaxFailureDelay);
                continue;
            }

            if (batch.Count < taken)
            {
                slots.Release(taken - batch.Count);
            }
            if (batch.Count == 0)
            {
                if (!await DelayAsync(idleDelay, stop).ConfigureAwait(false))
                {
                    break;
                }
                idleDelay = Min(idleDelay * 2, Options.MaxPollingInterval);
                continue;
            }
            idleDelay = MinIdleDelay;

            foreach (var message in batch)
            {
                var key = Interlocked.Increment(ref _nextKey);
                var task = Task.Run(async () =>
                {
                    try
                    {
                        await ProcessAsync(function, queue, message).ConfigureAwait(false);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None);
                _inFlight[key] = task;
                _ = task.ContinueWith(_ => _inFlight.TryRemove(key, out Task? _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private async Task ProcessAsync(QueueFunction function, string queue, ReceivedQueueMessage message)
    {
        var handlerToken = _handlers.Token;
        try
        {
            using var precheck = new CancellationTokenSource(SettleTimeout);
            if (message.DequeueCount > Options.MaxDequeueCount)
            {
                await poison.MoveToPoisonAsync(queue, message, function.Name, null,
                    $"exceeded MaxDequeueCount {Options.MaxDequeueCount} without completing (process crash or lost lease)", precheck.Token).ConfigureAwait(false);
                return;
            }
            var body = new byte[message.MessageText.Length];
            if (!Convert.TryFromBase64String(message.MessageText, body, out var length))
            {
                await poison.MoveToPoisonAsync(queue, message, function.Name, null, "message text is not valid base64", precheck.Token).ConfigureAwait(false);
                return;
            }

            var lease = new Lease(message.PopReceipt);
            using var renewal = new CancellationTokenSource();
            var renewTask = RenewAsync(queue, message.MessageId, lease, renewal.Token);
            InvocationOutcome outcome;
            try
            {
                var context = new DeliveryContext(message.DequeueCount, message.MessageId, function.Name, Guid.NewGuid().ToString());
                outcome = await invoker.RunQueueAsync(function, body.AsMemory(0, length), context, handlerToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (handlerToken.IsCancellationRequested)
            {
                await StopRenewalAsync(renewal, renewTask).ConfigureAwait(false);
                using var release = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await queues.UpdateVisibilityAsync(queue, message.MessageId, lease.PopReceipt, TimeSpan.Zero, release.Token).ConfigureAwait(false);
                Log.MessageReleased(logger, message.MessageId, queue);
                return;
            }
            await StopRenewalAsync(renewal, renewTask).ConfigureAwait(false);
            using var settle = new CancellationTokenSource(SettleTimeout);

            var current = message with { PopReceipt = lease.PopReceipt };
            switch (outcome.Status)
            {
                case InvocationStatus.Completed or InvocationStatus.AlreadyProcessed:
                    await queues.DeleteAsync(queue, message.MessageId, lease.PopReceipt, settle.Token).ConfigureAwait(false);
                    break;
                case InvocationStatus.Malformed:
                    await poison.MoveToPoisonAsync(queue, current, function.Name, outcome.PipelineId, outcome.Reason ?? "malformed", settle.Token).ConfigureAwait(false);
                    break;
                default:
                    if (message.DequeueCount >= Options.MaxDequeueCount)
                    {
                        await poison.MoveToPoisonAsync(queue, current, function.Name, outcome.PipelineId, outcome.Reason ?? "failed", settle.Token).ConfigureAwait(false);
                    }
                    else
                    {
                        await queues.UpdateVisibilityAsync(queue, message.MessageId, lease.PopReceipt, Options.RetryDelay, settle.Token).ConfigureAwait(false);
                    }
                    break;
            }
        }
        catch (Exception ex)
        {
            // Settling failed (storage unreachable, lease lost): the message reappears after its visibility timeout.
            Log.PumpSettleFailed(logger, message.MessageId, queue, ex.Message);
        }
    }

    private async Task RenewAsync(string queue, string messageId, Lease lease, CancellationToken cancellationToken)
    {
        var interval = Options.VisibilityTimeout / 3;
        while (await DelayAsync(interval, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var receipt = await queues.UpdateVisibilityAsync(queue, messageId, lease.PopReceipt, Options.VisibilityTimeout, cancellationToken).ConfigureAwait(false);
                if (receipt is null)
                {
                    return; // the message is gone or another receiver owns it now
                }
                lease.PopReceipt = receipt;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Log.PumpSettleFailed(logger, messageId, queue, "lease renewal failed: " + ex.Message);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task StopRenewalAsync(CancellationTokenSource renewal, Task renewTask)
    {
        await renewal.CancelAsync().ConfigureAwait(false);
        try
        {
            await renewTask.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private sealed class Lease(string popReceipt)
    {
        private volatile string _popReceipt = popReceipt;

        public string PopReceipt
        {
            get => _popReceipt;
            set => _popReceipt = value;
        }
    }
}
