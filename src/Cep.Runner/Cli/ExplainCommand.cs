using System.CommandLine;
using Cep.Rules.Events;
using Cep.Runner.Explain;

namespace Cep.Runner.Cli;

/// <summary><c>cep explain RULE</c>: the compiled state machine of each rule in the file, as text, DOT or Mermaid.</summary>
internal static class ExplainCommand
{
    public static Command Create(CliConsole console)
    {
        var rules = new Argument<string[]>("RULE")
        {
            Description = "A rule file (or several, or folders); every rule in them is explained.",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = new Option<string>("--format")
        {
            Description = "text (states, transitions with their conditions, windows, skip strategy), dot (Graphviz) or mermaid.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "dot", "mermaid");
        var name = new Option<string?>("--rule") { Description = "Explain only the rule with this name." };
        var command = new Command("explain", "Show the compiled state machine (NFA) of rules.") { rules, format, name };
        command.SetAction(parse =>
        {
            if (!RuleFiles.TryLoad(parse.GetValue(rules) ?? [], new FieldTable(), console.Error, out var set))
            {
                return ExitCodes.Usage;
            }
            var selected = set.Rules.Where(r => parse.GetValue(name) is not { } n || r.Name == n).ToList();
            if (selected.Count == 0)
            {
                console.Error.WriteLine($"error: no rule named '{parse.GetValue(name)}'; the files hold {string.Join(", ", set.Rules.Select(r => r.Name))}");
                return ExitCodes.Usage;
            }
            var first = true;
            foreach (var rule in selected)
            {
                if (!first)
                {
                    console.Out.WriteLine();
                }
                first = false;
                console.Out.Write(parse.GetValue(format) switch
                {
                    "dot" => PatternExplainer.Dot(rule),
                    "mermaid" => PatternExplainer.Mermaid(rule),
                    _ => PatternExplainer.Text(rule),
                });
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
