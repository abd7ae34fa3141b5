using Cep.Rules.Diagnostics;
using Cep.Rules.Yaml;

namespace Cep.Rules.Model;

/// <summary>One rule file's text to bound rules: the safe YAML reader, then the strict binder.</summary>
internal static class RuleFileReader
{
    public static IReadOnlyList<BoundRule> Read(string text, string file, List<RuleError> errors)
    {
        var root = SafeYamlReader.Read(text, file, errors);
        return root is null ? [] : RuleBinder.Bind(root, errors);
    }
}
