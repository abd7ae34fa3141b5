using Cep.Rules.Diagnostics;
using YamlDotNet.Core;

namespace Cep.Rules.Yaml;

/// <summary>
/// A YAML node that keeps where it was written (STYLE 12). The tree is built by
/// <see cref="SafeYamlReader"/> from parser events, never through YamlDotNet's own model, so aliases
/// and tags are refused before anything could expand or interpret them.
/// </summary>
internal abstract class YamlNode(SourceLocation location)
{
    /// <summary>Where the node starts (for a quoted scalar: its opening quote).</summary>
    public SourceLocation Location { get; } = location;

    /// <summary>The node's kind as an error message names it: "a mapping", "a list", "a text", ...</summary>
    public abstract string Describe();
}

internal sealed class YamlScalar(SourceLocation location, SourceLocation textLocation, string value, ScalarStyle style)
    : YamlNode(location)
{
    public string Value { get; } = value;

    public ScalarStyle Style { get; } = style;

    /// <summary>Where the text itself starts: after the opening quote, or on the first line of a block scalar.</summary>
    public SourceLocation TextLocation { get; } = textLocation;

    public bool IsPlain => Style == ScalarStyle.Plain;

    /// <summary>A plain empty value, <c>~</c> or <c>null</c> (YAML 1.2 core schema); a quoted <c>'null'</c> is text.</summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe()
    {
        if (IsNull)
        {
            return "null";
        }
        if (IsPlain && Value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return $"the boolean {Value}";
        }
        return IsPlain && long.TryParse(Value, out _) ? $"the number {Value}" : $"the text '{Value}'";
    }
}

internal sealed class YamlMapping(SourceLocation location, IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> entries)
    : YamlNode(location)
{
    /// <summary>Entries in document order; keys are unique (duplicates were reported and dropped).</summary>
    public IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = entries;

    public override string Describe() => "a mapping";
}

internal sealed class YamlSequence(SourceLocation location, IReadOnlyList<YamlNode> items) : YamlNode(location)
{
    public IReadOnlyList<YamlNode> Items { get; } = items;

    public override string Describe() => "a list";
}
