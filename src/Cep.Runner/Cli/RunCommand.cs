using System.CommandLine;
using Cep.Rules.Model;
using Cep.Runner.Engine;
using Cep.Runner.Inputs;

namespace Cep.Runner.Cli;

/// <summary><c>cep run RULES... --input [NAME=]SOURCE...</c>: runs rules over inputs until they end or the process is interrupted.</summary>
internal static class RunCommand
{
    public static Command Create(CliConsole console)
    {
        var rules = new Argument<string[]>("RULES")
        {
            Description = "Rule files (*.yaml, *.yml) or folders of them.",
            Arity = ArgumentArity.OneOrMore,
        };
        var input = new Option<string[]>("--input", "-i")
        {
            Description = "An input: [NAME=]SOURCE, where SOURCE is a .jsonl or .csv file, '-' (standard input, JSON Lines), "
                + "tcp://HOST:PORT (connect and read lines until the server closes) or tcp-listen://HOST:PORT (accept clients that send lines). "
                + "NAME is the stream name; by default the file name without extension ('stdin' for '-', 'tcp' for sockets).",
            HelpName = "[NAME=]SOURCE",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string?>("--output", "-o") { HelpName = "PATH", Description = "Where matches (and side outputs without a path) go, as JSON Lines. Default: standard output." };
        var sideOutput = new Option<string[]>("--side-output")
        {
            HelpName = "NAME=PATH",
            Description = "NAME=PATH: write the side output NAME (a rule's onTimeout or onLate) to PATH instead of the main output.",
            AllowMultipleArgumentsPerToken = false,
        };
        var deadLetter = new Option<string?>("--dead-letter") { HelpName = "PATH", Description = "Write bad input lines with their reason to PATH (JSON Lines: source, line, reason, text)." };
        var stats = new Option<bool>("--stats") { Description = "Print a summary (events, matches, timeouts, late events, dead letters, time) to standard error at the end." };
        var maxLine = new Option<int>("--max-line-bytes")
        {
            HelpName = "BYTES",
            Description = "Longest accepted input line in bytes; longer lines are dead letters.",
            DefaultValueFactory = _ => RunSettings.DefaultMaxLineBytes,
        };
        var allowRemote = new Option<bool>("--allow-remote") { Description = "Let tcp-listen:// bind an address other than loopback." };
        var maxConnections = new Option<int>("--max-connections")
        {
            HelpName = "N",
            Description = "Most clients a tcp-listen:// input serves at once; more are refused.",
            DefaultValueFactory = _ => 64,
        };
        var idleTimeout = new Option<string>("--idle-timeout")
        {
            HelpName = "DURATION",
            Description = "Close a tcp-listen:// client that sends nothing for this long (250ms, 5s, 10m, 2h, 1d).",
            DefaultValueFactory = _ => "5m",
        };
        var progress = new Option<bool>("--no-progress") { Description = "Never show live progress, even on a terminal." };
        var stateOptions = new Checkpointing.StateOptions();

        var command = new Command("run", "Run rules over inputs and write matches, timeouts and late events as JSON Lines.")
        {
            rules, input, output, sideOutput, deadLetter, stats, maxLine, allowRemote, maxConnections, idleTimeout, progress,
        };
        foreach (var option in stateOptions.All)
        {
            command.Options.Add(option);
        }
        command.SetAction(parse =>
        {
            var errors = new List<string>();
            var inputs = new List<InputSpec>();
            foreach (var text in parse.GetValue(input) ?? [])
            {
                if (InputSpec.TryParse(text, out var spec, out var error))
                {
                    inputs.Add(spec!);
                }
                else
                {
                    errors.Add(error!);
                }
            }
            var sides = new List<KeyValuePair<string, string>>();
            foreach (var text in parse.GetValue(sideOutput) ?? [])
            {
                var eq = text.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || eq == text.Length - 1)
                {
                    errors.Add($"--side-output '{text}': expected NAME=PATH");
                    continue;
                }
                sides.Add(new(text[..eq], text[(eq + 1)..]));
            }
            var maxLineBytes = parse.GetValue(maxLine);
            if (maxLineBytes < 1)
            {
                errors.Add("--max-line-bytes must be at least 1");
            }
            var connections = parse.GetValue(maxConnections);
            if (connections < 1)
            {
                errors.Add("--max-connections must be at least 1");
            }
            if (!Durations.TryParse(parse.GetValue(idleTimeout) ?? "", out var idleMs, out var durationError) || idleMs <= 0)
            {
                errors.Add($"--idle-timeout: {durationError ?? "must be more than 0"}");
            }
            var state = stateOptions.Parse(parse, errors);
            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    console.Error.WriteLine($"error: {error}");
                }
                return ExitCodes.Usage;
            }
            var settings = new RunSettings
            {
                RulePaths = parse.GetValue(rules) ?? [],
                Inputs = inputs,
                OutputPath = parse.GetValue(output),
                SideOutputs = sides,
                DeadLetterPath = parse.GetValue(deadLetter),
                Stats = parse.GetValue(stats),
                MaxLineBytes = maxLineBytes,
                Sockets = new SocketLimits(connections, TimeSpan.FromMilliseconds(idleMs), parse.GetValue(allowRemote)),
                Progress = !parse.GetValue(progress),
                State = state,
            };
            return new RunHost(settings, console).Execute();
        });
        return command;
    }
}
