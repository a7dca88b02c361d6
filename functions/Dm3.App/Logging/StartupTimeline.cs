using System.Diagnostics;

namespace Dm3.App.Logging;

/// <summary>
/// Stopwatch marks of one start of the program (Main, configuration read, services built, endpoints mapped,
/// listening), logged once by the start-up warm-up (<c>Start-up: listening … ms after Main</c>).
/// </summary>
internal sealed class StartupTimeline(long mainTimestamp)
{
    public long Main { get; } = mainTimestamp;

    public DateTime MainUtc { get; } = DateTime.UtcNow - Stopwatch.GetElapsedTime(mainTimestamp);

    public long Configured { get; set; }

    public long Built { get; set; }

    public long Mapped { get; set; }

    public long Listening { get; set; }

    public static long Now() => Stopwatch.GetTimestamp();

    /// <summary>Milliseconds between two marks (0 when a mark is missing).</summary>
    public static long Ms(long from, long to) => from == 0 || to == 0 || to < from ? 0 : (long)Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    /// <summary>How long the process ran before Main (runtime start-up), or -1 when unknown.</summary>
    public long ProcessMsBeforeMain()
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            return Math.Max(0, (long)(MainUtc - process.StartTime.ToUniversalTime()).TotalMilliseconds);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
