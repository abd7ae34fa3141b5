using System.Globalization;
using System.Text;
using Cep.Nfa;
using Cep.Rules;
using Cep.Rules.Events;

namespace Cep.Runner.Explain;

/// <summary>Renders a rule's compiled NFA (<see cref="CompiledPattern{T}.States"/>) as text, Graphviz DOT or Mermaid.</summary>
internal static class PatternExplainer
{
    public static string Text(CompiledRule rule)
    {
        var pattern = rule.Compiled;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"rule {rule.Name} ({rule.Location})\n");
        if (rule.Description is { Length: > 0 } description)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {description}\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"  steps: {string.Join(", ", pattern.StepNames)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  order: {(pattern.AnyOrder ? "any" : "sequence")}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  within: {(pattern.WithinMs is { } w ? Duration(w) : "none")}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  after match: {pattern.AfterMatch}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  time: {(rule.TimestampOf is null ? "processing time" : $"event time, out of orderness {Duration(rule.OutOfOrdernessMs)}{(rule.IdlenessMs is { } i ? $", idleness {Duration(i)}" : "")}")}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  streams: {(rule.Streams is null ? "all" : string.Join(", ", rule.Streams.Order(StringComparer.Ordinal)))}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  states ({pattern.States.Count}):\n");
        foreach (var state in pattern.States)
        {
            sb.Append(CultureInfo.InvariantCulture, $"    {state.Id} {state.Name} [{state.Kind}]");
            if (state.Step.Length > 0 && state.Step != state.Name)
            {
                sb.Append(CultureInfo.InvariantCulture, $" step {state.Step}");
            }
            if (state.WindowMs is { } window)
            {
                sb.Append(CultureInfo.InvariantCulture, $" window {Duration(window)}");
            }
            sb.Append('\n');
            foreach (var t in state.Transitions)
            {
                sb.Append(CultureInfo.InvariantCulture, $"      {Action(t.Action)} -> {t.Target} {Target(pattern, t.Target)}");
                if (t.Condition.Length > 0)
                {
                    sb.Append(CultureInfo.InvariantCulture, $" when {t.Condition}");
                }
                sb.Append('\n');
            }
        }
        return sb.ToString();
    }

    public static string Dot(CompiledRule rule)
    {
        var pattern = rule.Compiled;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"digraph {DotString(rule.Name)} {{\n");
        sb.Append("  rankdir=LR;\n  node [shape=circle, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\"];\n");
        sb.Append(CultureInfo.InvariantCulture, $"  label={DotString($"{rule.Name}  within {(pattern.WithinMs is { } w ? Duration(w) : "none")}  {pattern.AfterMatch}")};\n");
        foreach (var state in pattern.States)
        {
            var shape = state.Kind switch
            {
                NfaStateKind.Final => "doublecircle",
                NfaStateKind.Stop => "octagon",
                NfaStateKind.Pending => "doubleoctagon",
                _ => "circle",
            };
            var label = state.WindowMs is { } window ? $"{state.Name}\n{Duration(window)}" : state.Name;
            sb.Append(CultureInfo.InvariantCulture, $"  s{state.Id} [label={DotString(label)}, shape={shape}{(state.Kind == NfaStateKind.Start ? ", style=bold" : "")}];\n");
        }
        foreach (var state in pattern.States)
        {
            foreach (var t in state.Transitions)
            {
                var label = t.Condition.Length > 0 ? $"{Action(t.Action)}: {t.Condition}" : Action(t.Action);
                var style = t.Action switch
                {
                    NfaAction.Take => "solid",
                    NfaAction.Ignore => "dashed",
                    _ => "dotted",
                };
                sb.Append(CultureInfo.InvariantCulture, $"  s{state.Id} -> s{t.Target} [label={DotString(label)}, style={style}];\n");
            }
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    public static string Mermaid(CompiledRule rule)
    {
        var pattern = rule.Compiled;
        var sb = new StringBuilder();
        sb.Append("stateDiagram-v2\n");
        sb.Append(CultureInfo.InvariantCulture, $"  %% rule {rule.Name}, within {(pattern.WithinMs is { } w ? Duration(w) : "none")}, {pattern.AfterMatch}\n");
        foreach (var state in pattern.States)
        {
            var label = state.WindowMs is { } window ? $"{state.Name} ({Duration(window)})" : state.Name;
            sb.Append(CultureInfo.InvariantCulture, $"  s{state.Id}: {MermaidText(label)}\n");
            if (state.Kind == NfaStateKind.Start)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  [*] --> s{state.Id}\n");
            }
            if (state.Kind == NfaStateKind.Final)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  s{state.Id} --> [*]\n");
            }
        }
        foreach (var state in pattern.States)
        {
            foreach (var t in state.Transitions)
            {
                var label = t.Condition.Length > 0 ? $"{Action(t.Action)} / {t.Condition}" : Action(t.Action);
                sb.Append(CultureInfo.InvariantCulture, $"  s{state.Id} --> s{t.Target}: {MermaidText(label)}\n");
            }
        }
        return sb.ToString();
    }

    /// <summary>Milliseconds as the rule language writes durations, when they divide evenly.</summary>
    public static string Duration(long ms) => ms switch
    {
        0 => "0ms",
        _ when ms % 86_400_000 == 0 => $"{ms / 86_400_000}d",
        _ when ms % 3_600_000 == 0 => $"{ms / 3_600_000}h",
        _ when ms % 60_000 == 0 => $"{ms / 60_000}m",
        _ when ms % 1000 == 0 => $"{ms / 1000}s",
        _ => $"{ms}ms",
    };

    private static string Target(CompiledPattern<JsonEvent> pattern, int target) =>
        (uint)target < (uint)pattern.States.Count ? $"({pattern.States[target].Name})" : "";

    private static string Action(NfaAction action) => action switch
    {
        NfaAction.Take => "take",
        NfaAction.Ignore => "ignore",
        NfaAction.Proceed => "proceed",
        _ => action.ToString().ToLowerInvariant(),
    };

    private static string DotString(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    /// <summary>Mermaid has no quoting inside state labels and transitions: characters it reads as syntax become entity codes.</summary>
    private static string MermaidText(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            switch (c)
            {
                case ':':
                    sb.Append("#58;");
                    break;
                case ';':
                    sb.Append("#59;");
                    break;
                case '#':
                    sb.Append("#35;");
                    break;
                case '\n':
                case '\r':
                    sb.Append(' ');
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }
}
