using System.CommandLine;
using System.Text.Json;
using Cep.Rules;
using Cep.Rules.Events;

namespace Cep.Runner.Cli;

/// <summary><c>cep validate RULES...</c>: every error of every file, compiler-style or as JSON for editors.</summary>
internal static class ValidateCommand
{
    public static Command Create(CliConsole console)
    {
        var rules = new Argument<string[]>("RULES")
        {
            Description = "Rule files (*.yaml, *.yml) or folders of them.",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = new Option<string>("--format")
        {
            Description = "text: FILE:LINE:COL: error CEPnnnn: MESSAGE on standard error; json: an array of {file,line,column,code,severity,message} on standard output.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("validate", "Check rule files without running them; exit 2 when any has an error.") { rules, format };
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(rules) ?? [];
            var set = RuleLoader.Load(paths, new FieldTable());
            var errors = RuleFiles.Sorted(set.Errors).ToList();
            if (parse.GetValue(format) == "json")
            {
                WriteJson(errors, console.Out);
            }
            else
            {
                RuleFiles.Print(errors, console.Error);
                if (errors.Count == 0)
                {
                    console.Out.WriteLine(set.Rules.Count == 1 ? "1 rule OK" : $"{set.Rules.Count} rules OK");
                }
                else
                {
                    console.Error.WriteLine(errors.Count == 1 ? "1 error" : $"{errors.Count} errors");
                }
            }
            if (errors.Count == 0 && set.Rules.Count == 0)
            {
                console.Error.WriteLine($"error: no rules found in {string.Join(", ", paths)}");
                return ExitCodes.Usage;
            }
            return errors.Count == 0 ? ExitCodes.Ok : ExitCodes.Usage;
        });
        return command;
    }

    private static void WriteJson(IReadOnlyList<Rules.Diagnostics.RuleError> errors, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartArray();
            foreach (var e in errors)
            {
                w.WriteStartObject();
                w.WriteString("file", e.File);
                w.WriteNumber("line", e.Line);
                w.WriteNumber("column", e.Column);
                w.WriteString("code", e.Code);
                w.WriteString("severity", "error");
                w.WriteString("message", e.Message);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
