using Cep.Rules.Diagnostics;
using Cep.Rules.Model;

namespace Cep.Rules.Tests;

/// <summary>Helpers to read rule text in tests and assert on the errors it yields.</summary>
internal static class RuleText
{
    public const string FileName = "test.yaml";

    public static (IReadOnlyList<BoundRule> Rules, List<RuleError> Errors) Bind(string yaml)
    {
        var errors = new List<RuleError>();
        var rules = RuleFileReader.Read(yaml, FileName, errors);
        return (rules, errors);
    }

    /// <summary>Binds text that must be valid and holds one rule.</summary>
    public static RuleDefinition Valid(string yaml)
    {
        var (rules, errors) = Bind(yaml);
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
        var rule = Assert.Single(rules);
        Assert.False(rule.HasErrors);
        return rule.Definition;
    }

    /// <summary>Binds text that must yield exactly one error, and returns it after checking code, line and column.</summary>
    public static RuleError SingleError(string yaml, string code, int line, int column)
    {
        var (_, errors) = Bind(yaml);
        Assert.True(errors.Count == 1, $"expected one error, got {errors.Count}:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
        AssertError(errors[0], code, line, column);
        return errors[0];
    }

    public static void AssertError(RuleError error, string code, int line, int column)
    {
        Assert.True(
            error.Code == code && error.Line == line && error.Column == column && error.File == FileName,
            $"expected {FileName}:{line}:{column}: error {code}, got {error}");
    }
}
