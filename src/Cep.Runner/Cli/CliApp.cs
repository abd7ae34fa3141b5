using System.CommandLine;
using System.CommandLine.Help;

namespace Cep.Runner.Cli;

/// <summary>The <c>cep</c> command line: one verb per file, each action returns an exit code.</summary>
internal static class CliApp
{
    public static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand("cep: complex event processing over JSON Lines, CSV and sockets, with rules written in YAML.");
        root.Subcommands.Add(RunCommand.Create(console));
        root.Subcommands.Add(ValidateCommand.Create(console));
        root.Subcommands.Add(TestCommand.Create(console));
        root.Subcommands.Add(ExplainCommand.Create(console));
        return root;
    }

    /// <summary>Parses and runs; parse errors are bad usage (exit 2), not the library's default 1.</summary>
    public static int Run(string[] args, CliConsole console)
    {
        var root = Build(console);
        var parse = root.Parse(args);
        var config = new InvocationConfiguration { Output = console.Out, Error = console.Error };
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            foreach (var error in parse.Errors)
            {
                console.Error.WriteLine($"error: {error.Message}");
            }
            var verb = parse.CommandResult.Command == root ? "cep" : $"cep {parse.CommandResult.Command.Name}";
            console.Error.WriteLine($"Run '{verb} --help' for usage.");
            return ExitCodes.Usage;
        }
        return parse.Invoke(config);
    }
}
