using Cep.Nfa;
using Cep.Rules.Diagnostics;

namespace Cep.Rules.Model;

/// <summary>A value read from a rule file, with the place it was written.</summary>
internal readonly record struct Located<T>(T Value, SourceLocation At);

/// <summary>An expression's text and where that text starts in the file (for the expression compiler's errors).</summary>
internal sealed record ExpressionText(string Text, SourceLocation At);

/// <summary>A rule as written, checked against the rule format; what <see cref="Compilation.RuleCompiler"/> compiles.</summary>
internal sealed record RuleDefinition
{
    public required Located<string> Name { get; init; }

    /// <summary>Where the rule's mapping starts.</summary>
    public required SourceLocation Location { get; init; }

    public string? Description { get; init; }

    /// <summary>The rule's <c>from</c>: null for all streams.</summary>
    public IReadOnlyList<Located<string>>? From { get; init; }

    public KeyDefinition? Key { get; init; }

    public TimeDefinition? Time { get; init; }

    public bool AnyOrder { get; init; }

    public required IReadOnlyList<StepDefinition> Steps { get; init; }

    public long? WithinMs { get; init; }

    public AfterMatchSkip AfterMatch { get; init; } = AfterMatchSkip.NoSkip;

    public string? OnTimeout { get; init; }

    public string? OnLate { get; init; }

    public IReadOnlyList<EmitDefinition> Emit { get; init; } = [];
}

internal enum KeyKind
{
    /// <summary><c>key: path</c>.</summary>
    Single,

    /// <summary><c>key: [a, b]</c>: the key is the list of the values.</summary>
    Composite,

    /// <summary><c>key: {stream: path, ...}</c>: each stream names the key its own way.</summary>
    PerStream,
}

internal sealed record KeyDefinition(KeyKind Kind, IReadOnlyList<Located<string>> Paths, IReadOnlyList<KeyValuePair<string, Located<string>>> PerStream);

internal enum TimeUnit
{
    Milliseconds,
    Seconds,
}

internal sealed record TimeDefinition(Located<string> Field, TimeUnit Unit, long OutOfOrdernessMs, long? IdlenessMs);

internal sealed record StepDefinition
{
    public required Located<string> Name { get; init; }

    /// <summary>Where the step's mapping starts.</summary>
    public required SourceLocation Location { get; init; }

    /// <summary>The contiguity key as written (<c>begin</c>, <c>next</c>, ...).</summary>
    public required string Kind { get; init; }

    public required Contiguity Contiguity { get; init; }

    /// <summary>All must hold; empty for every event.</summary>
    public IReadOnlyList<ExpressionText> Where { get; init; } = [];

    /// <summary>The step's <c>from</c>: null for every stream the rule reads.</summary>
    public IReadOnlyList<Located<string>>? From { get; init; }

    public int MinTimes { get; init; } = 1;

    public int MaxTimes { get; init; } = 1;

    public bool Optional { get; init; }

    public bool Greedy { get; init; }

    public Contiguity InnerContiguity { get; init; } = Contiguity.Relaxed;

    /// <summary>All must hold to stop the loop; empty for none.</summary>
    public IReadOnlyList<ExpressionText> Until { get; init; } = [];

    public long? WithinMs { get; init; }

    public bool IsRepeated => MaxTimes > 1;

    public bool IsLooping => MaxTimes == int.MaxValue;

    public bool IsNegated => Contiguity is Contiguity.NotNext or Contiguity.NotFollowedBy;
}

internal sealed record EmitDefinition(Located<string> Name, ExpressionText Value);
