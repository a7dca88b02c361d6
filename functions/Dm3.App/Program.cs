using Dm3.App;
using Dm3.App.Functions;

// Two ways to run the same program (functions-custom-handler.md): behind the Functions host as a custom handler
// (FUNCTIONS_CUSTOMHANDLER_PORT set), or standalone with a built-in queue pump and timers. One extra command writes
// the function.json files for the package: `Dm3.App functions-json --out <dir> --transport serviceBus|storageQueues`.
var started = System.Diagnostics.Stopwatch.GetTimestamp();
Dm3.Protocol.Sodium.SodiumCryptoProvider.Install(); // crypto on libsodium wherever native code runs
if (args.Length > 0 && args[0] == FunctionsJsonCommand.Name)
{
    return FunctionsJsonCommand.Run(args[1..], Console.Out, Console.Error);
}
return await AppHost.RunAsync(args, started);

public partial class Program;
