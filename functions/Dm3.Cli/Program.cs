using System.CommandLine;
using Dm3.Cli.Interop;
using Dm3.Protocol.Sodium;
using Dm3.Cli.Lsp;
using Dm3.Cli.Resolution;

SodiumCryptoProvider.Install();
var root = new RootCommand("dm3: the command-line tool of Dm3.Serverless.");
root.Subcommands.Add(InteropCommand.Create());
root.Subcommands.Add(ResolveCommand.Create());
foreach (var command in ClientCommands.Create())
{
    root.Subcommands.Add(command);
}

root.Subcommands.Add(DemoCommand.Create());
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine("dm3: " + error.Message);
    }

    return 2; // usage error (lsp-cli.md §1)
}

return await parse.InvokeAsync();
