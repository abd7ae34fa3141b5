using Cep.Rules;
using Cep.Rules.Diagnostics;
using Cep.Rules.Events;

namespace Cep.Runner.Cli;

/// <summary>Loads rule files for a command and prints their errors compiler-style.</summary>
internal static class RuleFiles
{
    /// <summary>Loads every rule of <paramref name="paths"/>; false (errors printed) when any is invalid or none was found.</summary>
    public static bool TryLoad(IReadOnlyList<string> paths, FieldTable fields, TextWriter error, out RuleSet rules)
    {
        rules = RuleLoader.Load(paths, fields);
        if (rules.Errors.Count > 0)
        {
            Print(rules.Errors, error);
            return false;
        }
        if (rules.Rules.Count == 0)
        {
            error.WriteLine($"error: no rules found in {string.Join(", ", paths)}");
            return false;
        }
        return true;
    }

    public static void Print(IEnumerable<RuleError> errors, TextWriter error)
    {
        foreach (var e in Sorted(errors))
        {
            error.WriteLine(e.ToString());
        }
    }

    public static IEnumerable<RuleError> Sorted(IEnumerable<RuleError> errors) =>
        errors.OrderBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.Line).ThenBy(e => e.Column);
}
