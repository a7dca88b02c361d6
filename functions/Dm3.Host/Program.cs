using Dm3.Host;

// The standalone host (decisions §30): Kestrel + the queue pump + timers, serving the same endpoint code as the
// Functions worker (functions/Dm3.Functions). `./dev run`, the tests and self-hosting use it.
var started = System.Diagnostics.Stopwatch.GetTimestamp();
return await AppHost.RunAsync(args, started);

public partial class Program;
