using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Logging;
using Dm3.Backend.Runtime;

namespace Dm3.App.Runtime;

/// <summary>
/// Standalone replacement for the host's timer trigger: runs each active timer function at the occurrences of its
/// NCRONTAB schedule (UTC), one run at a time per function (like the host's singleton lock, but per process: several
/// standalone instances each fire). Failures are logged; the next occurrence runs as scheduled.
/// </summary>
internal sealed class TimerPump(RuntimeSettings settings, FunctionInvoker invoker, TimeProvider time, ILogger<TimerPump> logger) : BackgroundService
{
    private static readonly TimeSpan PastDueTolerance = TimeSpan.FromSeconds(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.TimersEnabled)
        {
            return Task.CompletedTask;
        }
        var loops = settings.ActiveFunctions.OfType<TimerFunction>()
            .Select(function => Task.Run(() => RunLoopAsync(function, CronSchedule.Parse(settings.Schedules[function.ScheduleSetting]), stoppingToken), CancellationToken.None))
            .ToArray();
        return Task.WhenAll(loops);
    }

    private async Task RunLoopAsync(TimerFunction function, CronSchedule schedule, CancellationToken stoppingToken)
    {
        var next = schedule.GetNextOccurrence(time.GetUtcNow());
        Log.TimerScheduled(logger, function.Name, schedule.Text, next);
        while (next is { } due && !stoppingToken.IsCancellationRequested)
        {
            var wait = due - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            var started = time.GetUtcNow();
            var context = new TimerContext(function.Name, due, started - due > PastDueTolerance, Guid.NewGuid().ToString());
            try
            {
                await invoker.RunTimerAsync(function, context, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            next = schedule.GetNextOccurrence(time.GetUtcNow() > due ? time.GetUtcNow() : due);
        }
    }
}
