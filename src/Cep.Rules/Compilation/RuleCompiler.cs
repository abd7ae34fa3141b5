using System.Collections.Frozen;
using Cep.Nfa;
using Cep.Rules.Diagnostics;
using Cep.Rules.Events;
using Cep.Rules.Expressions;
using Cep.Rules.Model;
using Codes = Cep.Rules.Diagnostics.ErrorCodes;

namespace Cep.Rules.Compilation;

/// <summary>
/// Compiles a bound <see cref="RuleDefinition"/>: expressions through <see cref="ExpressionCompiler"/>, each
/// step into a <see cref="StepSpec{T}"/>, the pattern through <see cref="PatternCompiler"/>, and the key and
/// time settings into the functions the runner calls per event.
/// </summary>
internal static class RuleCompiler
{
    /// <summary>
    /// Compiles <paramref name="rule"/>. Expression errors are added to <paramref name="errors"/> even when
    /// <paramref name="structureValid"/> is false (so a file's mistakes are reported together); the rule is only
    /// built when everything is valid. Returns null when it is not.
    /// </summary>
    public static CompiledRule? Compile(RuleDefinition rule, FieldTable fields, List<RuleError> errors, bool structureValid)
    {
        var errorsBefore = errors.Count;
        var stepNames = rule.Steps.Select(s => s.Name.Value).ToArray();
        var steps = new List<StepSpec<JsonEvent>>(rule.Steps.Count);
        for (var i = 0; i < rule.Steps.Count; i++)
        {
            steps.Add(CompileStep(rule.Steps[i], new ExpressionScope(stepNames, i, fields), errors));
        }
        var emitScope = new ExpressionScope(stepNames, stepNames.Length, fields);
        var emit = new List<EmitField>(rule.Emit.Count);
        foreach (var field in rule.Emit)
        {
            if (ExpressionCompiler.CompileValue(field.Value.Text, field.Value.At, emitScope, errors) is { } evaluate)
            {
                emit.Add(new EmitField(field.Name.Value, evaluate));
            }
        }
        if (!structureValid || errors.Count > errorsBefore)
        {
            return null;
        }

        var pattern = new PatternSpec<JsonEvent>(steps, rule.WithinMs, rule.AfterMatch, rule.AnyOrder);
        CompiledPattern<JsonEvent> compiled;
        try
        {
            compiled = PatternCompiler.Compile(pattern);
        }
        catch (PatternException e)
        {
            errors.Add(new RuleError(rule.Location, Codes.PatternRejected, $"rule '{rule.Name.Value}': {e.Message}"));
            return null;
        }

        return new CompiledRule(
            rule.Name.Value,
            rule.Description,
            rule.Location,
            pattern,
            compiled,
            StreamsOf(rule),
            KeySelectors.Create(rule.Key, fields),
            rule.Key is not null,
            rule.Time is null ? null : TimestampSelectors.Create(rule.Time, fields),
            rule.Time?.Field.Value,
            rule.Time?.OutOfOrdernessMs ?? 0,
            rule.Time?.IdlenessMs,
            rule.OnTimeout,
            rule.OnLate,
            emit);
    }

    /// <summary>The rule's <c>from</c>, else the streams its per-stream key names, else null (every stream).</summary>
    internal static IReadOnlySet<string>? StreamsOf(RuleDefinition rule)
    {
        if (rule.From is { } from)
        {
            return from.Select(f => f.Value).ToFrozenSet(StringComparer.Ordinal);
        }
        if (rule.Key is { Kind: KeyKind.PerStream } key)
        {
            return key.PerStream.Select(p => p.Key).ToFrozenSet(StringComparer.Ordinal);
        }
        return null;
    }

    private static StepSpec<JsonEvent> CompileStep(StepDefinition step, ExpressionScope scope, List<RuleError> errors)
    {
        var spec = new StepSpec<JsonEvent>(step.Name.Value.Length > 0 ? step.Name.Value : "?", step.Contiguity)
        {
            MinTimes = step.MinTimes,
            MaxTimes = step.MaxTimes,
            Optional = step.Optional,
            Greedy = step.Greedy,
            InnerContiguity = step.InnerContiguity,
            WithinMs = step.WithinMs,
        };

        var streams = step.From?.Select(f => f.Value).ToArray();
        var where = CompileAll(step.Where, scope, errors, out var whereReadsContext);
        spec.Condition = Conditions.Combine(streams, where);
        spec.ConditionReadsContext = whereReadsContext;
        spec.ConditionText = ConditionText(streams, step.Where);

        if (step.Until.Count > 0)
        {
            var until = CompileAll(step.Until, scope, errors, out _);
            spec.Until = Conditions.Combine(null, until);
            spec.UntilText = ConditionText(null, step.Until);
        }
        return spec;
    }

    private static Condition<JsonEvent>[] CompileAll(IReadOnlyList<ExpressionText> texts, ExpressionScope scope, List<RuleError> errors, out bool readsContext)
    {
        readsContext = false;
        var conditions = new List<Condition<JsonEvent>>(texts.Count);
        foreach (var text in texts)
        {
            if (ExpressionCompiler.CompileCondition(text.Text, text.At, scope, errors, out var reads) is { } condition)
            {
                conditions.Add(condition);
                readsContext |= reads;
            }
        }
        return [.. conditions];
    }

    /// <summary>
    /// The step's condition as one expression for <c>cep explain</c>: the stream test first (written as the
    /// expression language would), then each <c>where</c> as written, joined by <c>&amp;&amp;</c>.
    /// </summary>
    internal static string? ConditionText(string[]? streams, IReadOnlyList<ExpressionText> where)
    {
        var parts = new List<string>();
        if (streams is { Length: 1 })
        {
            parts.Add($"$stream == '{streams[0]}'");
        }
        else if (streams is { Length: > 1 })
        {
            parts.Add("(" + string.Join(" || ", streams.Select(s => $"$stream == '{s}'")) + ")");
        }
        var several = parts.Count + where.Count > 1;
        parts.AddRange(where.Select(w => several ? $"({w.Text.Trim()})" : w.Text.Trim()));
        return parts.Count == 0 ? null : string.Join(" && ", parts);
    }
}
