namespace Cep.Nfa;

/// <summary>
/// A step's condition: the event under test and the partial match it would extend. Conditions must not
/// keep the context; it is reused.
/// </summary>
public delegate bool Condition<T>(T @event, MatchContext<T> context);

/// <summary>How a step relates to the event before it (Flink's consuming strategies).</summary>
public enum Contiguity
{
    /// <summary>The first step.</summary>
    Begin,

    /// <summary><c>next</c>: the very next event of the key must match.</summary>
    Strict,

    /// <summary><c>followedBy</c>: skip non-matching events, take the first matching one.</summary>
    Relaxed,

    /// <summary><c>followedByAny</c>: also branch to try later matching events.</summary>
    NonDeterministic,

    /// <summary><c>notNext</c>: the very next event must not match.</summary>
    NotNext,

    /// <summary><c>notFollowedBy</c>: no matching event before the following step (or before <c>within</c> ends).</summary>
    NotFollowedBy,
}

/// <summary>One step of a pattern, as written: the model both the fluent API and YAML rules produce.</summary>
public sealed class StepSpec<T>
{
    public StepSpec(string name, Contiguity contiguity)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Contiguity = contiguity;
    }

    public string Name { get; }

    public Contiguity Contiguity { get; }

    /// <summary>All must hold; null means every event matches.</summary>
    public Condition<T>? Condition { get; set; }

    /// <summary>Whether <see cref="Condition"/> reads the match context (so its result cannot be shared between runs).</summary>
    public bool ConditionReadsContext { get; set; } = true;

    /// <summary>The condition as the author wrote it, for <c>cep explain</c> and error messages.</summary>
    public string? ConditionText { get; set; }

    /// <summary>The until-condition as written.</summary>
    public string? UntilText { get; set; }

    /// <summary>Stops a looping step: an event satisfying it is not taken and ends the loop.</summary>
    public Condition<T>? Until { get; set; }

    /// <summary>Minimum number of events (1 for a single step).</summary>
    public int MinTimes { get; set; } = 1;

    /// <summary>Maximum number of events; <see cref="int.MaxValue"/> for <c>oneOrMore</c> / <c>timesOrMore</c>.</summary>
    public int MaxTimes { get; set; } = 1;

    public bool IsLooping => MaxTimes == int.MaxValue;

    public bool IsRepeated => MaxTimes > 1;

    public bool Optional { get; set; }

    public bool Greedy { get; set; }

    /// <summary>Contiguity between a repeated step's own events: Relaxed by default, Strict with
    /// <c>consecutive</c>, NonDeterministic with <c>allowCombinations</c>.</summary>
    public Contiguity InnerContiguity { get; set; } = Contiguity.Relaxed;

    /// <summary>Per-step window in ms: this step's events must come within it after the previous event taken.</summary>
    public long? WithinMs { get; set; }

    public bool IsNegated => Contiguity is Contiguity.NotNext or Contiguity.NotFollowedBy;
}

/// <summary>Which partial matches a match discards (Flink's AfterMatchSkipStrategy).</summary>
public enum SkipKind
{
    NoSkip,
    SkipToNext,
    SkipPastLastEvent,
    SkipToFirst,
    SkipToLast,
}

public sealed record AfterMatchSkip(SkipKind Kind, string? Step = null)
{
    public static AfterMatchSkip NoSkip { get; } = new(SkipKind.NoSkip);

    public static AfterMatchSkip SkipToNext { get; } = new(SkipKind.SkipToNext);

    public static AfterMatchSkip SkipPastLastEvent { get; } = new(SkipKind.SkipPastLastEvent);

    public static AfterMatchSkip SkipToFirst(string step) => new(SkipKind.SkipToFirst, step);

    public static AfterMatchSkip SkipToLast(string step) => new(SkipKind.SkipToLast, step);

    public override string ToString() => Step is null ? Kind.ToString() : $"{Kind}({Step})";
}

/// <summary>A whole pattern as written: steps in order, the window, the skip strategy.</summary>
public sealed class PatternSpec<T>
{
    public PatternSpec(IReadOnlyList<StepSpec<T>> steps, long? withinMs = null, AfterMatchSkip? afterMatch = null, bool anyOrder = false)
    {
        ArgumentNullException.ThrowIfNull(steps);
        Steps = steps;
        WithinMs = withinMs;
        AfterMatch = afterMatch ?? AfterMatchSkip.NoSkip;
        AnyOrder = anyOrder;
    }

    public IReadOnlyList<StepSpec<T>> Steps { get; }

    /// <summary>The whole match must fit in this many ms from its first event (exclusive bound).</summary>
    public long? WithinMs { get; }

    public AfterMatchSkip AfterMatch { get; }

    /// <summary><c>order: any</c>: each step once, in any order, one open partial match per key.</summary>
    public bool AnyOrder { get; }
}
