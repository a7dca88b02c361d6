using Dm3.App.Composition;

namespace Dm3.App.Functions;

/// <summary>
/// <c>Dm3.App functions-json --out &lt;dir&gt; --transport serviceBus|storageQueues [--include-diagnostics]</c>:
/// writes every function's function.json from the catalog (used by scripts/publish.sh).
/// </summary>
internal static class FunctionsJsonCommand
{
    public const string Name = "functions-json";

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        string? output = null;
        FunctionTransport? transport = null;
        var includeDiagnostics = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Count:
                    output = args[++i];
                    break;
                case "--transport" when i + 1 < args.Count:
                    transport = args[++i].ToLowerInvariant() switch
                    {
                        "servicebus" => FunctionTransport.ServiceBus,
                        "storagequeues" => FunctionTransport.StorageQueues,
                        _ => null,
                    };
                    if (transport is null)
                    {
                        stderr.WriteLine($"functions-json: --transport must be serviceBus or storageQueues (got '{args[i]}').");
                        return 2;
                    }
                    break;
                case "--include-diagnostics":
                    includeDiagnostics = true;
                    break;
                default:
                    stderr.WriteLine($"functions-json: unknown or incomplete argument '{args[i]}'. Usage: {Name} --out <dir> --transport serviceBus|storageQueues [--include-diagnostics]");
                    return 2;
            }
        }
        if (output is null || transport is null)
        {
            stderr.WriteLine($"functions-json: --out and --transport are required. Usage: {Name} --out <dir> --transport serviceBus|storageQueues [--include-diagnostics]");
            return 2;
        }
        var catalog = Features.BuildCatalog();
        var functions = catalog.Active(_ => includeDiagnostics);
        var written = FunctionJsonWriter.WriteAll(functions, transport.Value, output);
        stdout.WriteLine($"functions-json: wrote {written.Count} function.json files for {transport} to {Path.GetFullPath(output)}");
        return 0;
    }
}
