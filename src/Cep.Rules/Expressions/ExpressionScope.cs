using Cep.Rules.Events;

namespace Cep.Rules.Expressions;

/// <summary>
/// What an expression may name: the pattern's steps, which of them are already defined, and the field
/// table its paths are registered in. <paramref name="currentStep"/> is the index of the step whose
/// <c>where</c>/<c>until</c> is compiled (it and earlier steps may be referenced; the step itself means the
/// events it has already taken), or <c>stepNames.Count</c> for <c>emit</c>, which has no event under test.
/// </summary>
public sealed class ExpressionScope
{
    private readonly Dictionary<string, int> _steps = new(StringComparer.Ordinal);

    public ExpressionScope(IReadOnlyList<string> stepNames, int currentStep, FieldTable fields)
    {
        ArgumentNullException.ThrowIfNull(stepNames);
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentOutOfRangeException.ThrowIfNegative(currentStep);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(currentStep, stepNames.Count);
        StepNames = stepNames;
        CurrentStep = currentStep;
        Fields = fields;
        for (var i = 0; i < stepNames.Count; i++)
        {
            // The first of duplicate names wins here; the pattern compiler rejects duplicates anyway.
            _steps.TryAdd(stepNames[i], i);
        }
    }

    public IReadOnlyList<string> StepNames { get; }

    public int CurrentStep { get; }

    public FieldTable Fields { get; }

    /// <summary>True when compiling <c>emit</c>: there is no event under test.</summary>
    public bool IsEmit => CurrentStep == StepNames.Count;

    /// <summary>The index of a step, or -1.</summary>
    public int StepIndex(string name) => _steps.TryGetValue(name, out var index) ? index : -1;
}
