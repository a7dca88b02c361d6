using System.CommandLine;
using Dm3.Bench;
using Dm3.Protocol.Sodium;

// `bench [suite] [--seconds N] [--no-node]`. Without a suite, every suite (except diagnostic ones) runs in order.
// A suite is a class deriving from BenchSuite anywhere in this assembly: adding `bench gateway` is one new file.
SodiumCryptoProvider.Install(); // what the backend and the CLI run on
var suites = BenchSuite.Discover();
var seconds = new Option<double>("--seconds")
{
    Description = "Measured seconds per operation, per round and side (after warm-up).",
    DefaultValueFactory = _ => 1.0,
    Recursive = true,
};
var rounds = new Option<int>("--rounds")
{
    Description = "Interleaved rounds (ours, then the reference) per operation; the best round of each side is reported.",
    DefaultValueFactory = _ => 3,
    Recursive = true,
};
var noNode = new Option<bool>("--no-node")
{
    Description = "Skip the dm3 npm library column (node).",
    Recursive = true,
};

var root = new RootCommand("Dm3.Serverless benchmarks: ops/s of our code and, in the same run, of the dm3 npm libraries.");
root.Options.Add(seconds);
root.Options.Add(rounds);
root.Options.Add(noNode);
foreach (var suite in suites)
{
    var command = new Command(suite.Name, suite.Description);
    suite.AddOptions(command);
    command.SetAction((parseResult, cancellationToken) => suite.RunAsync(BenchSettings.From(parseResult, seconds, rounds, noNode), parseResult, cancellationToken));
    root.Subcommands.Add(command);
}

root.SetAction(async (parseResult, cancellationToken) =>
{
    var settings = BenchSettings.From(parseResult, seconds, rounds, noNode);
    var exitCode = 0;
    foreach (var suite in suites.Where(s => s.InDefaultRun))
    {
        var code = await suite.RunAsync(settings, parseResult, cancellationToken);
        exitCode = exitCode == 0 ? code : exitCode;
    }

    return exitCode;
});

return await root.Parse(args).InvokeAsync();
