namespace Dm3.Host;

/// <summary>
/// The standalone host (decisions §30): Kestrel + the queue pump + timers, serving the same endpoint code as the
/// Functions worker (functions/Dm3.Functions). `./dev run`, the tests (WebApplicationFactory&lt;Dm3.Host.Program&gt;) and
/// self-hosting use it. A named class rather than top-level statements: the worker's top-level <c>Program</c> is global.
/// </summary>
public sealed class Program
{
    private Program()
    {
    }

    public static Task<int> Main(string[] args) => AppHost.RunAsync(args, System.Diagnostics.Stopwatch.GetTimestamp());
}
