using System.CommandLine;
using Dm3.Cli.Interop;
using Dm3.Cli.Resolution;

var root = new RootCommand("dm3: the command-line tool of Dm3.Serverless.");
root.Subcommands.Add(InteropCommand.Create());
root.Subcommands.Add(ResolveCommand.Create());
return root.Parse(args).Invoke();
