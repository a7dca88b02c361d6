using System.Diagnostics;

namespace Dm3.Bench;

/// <summary>Runs one operation on the calling thread for a fixed time after a warm-up and reports operations per second.</summary>
internal static class Measure
{
    public static double OpsPerSecond(Action operation, TimeSpan warmUp, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(operation);
        Run(operation, warmUp); // JIT tiering, caches
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var (count, elapsed) = Run(operation, duration);
        return count / elapsed.TotalSeconds;
    }

    // Batches grow until one batch takes about 5 ms, so reading the clock costs nothing measurable.
    private static (long Count, TimeSpan Elapsed) Run(Action operation, TimeSpan duration)
    {
        var stopwatch = Stopwatch.StartNew();
        long count = 0;
        var batch = 1;
        while (stopwatch.Elapsed < duration)
        {
            var before = stopwatch.Elapsed;
            for (var i = 0; i < batch; i++)
            {
                operation();
            }

            count += batch;
            if (stopwatch.Elapsed - before < TimeSpan.FromMilliseconds(5) && batch < 1 << 20)
            {
                batch *= 2;
            }
        }

        return (count, stopwatch.Elapsed);
    }
}
