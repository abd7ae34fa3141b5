using Cep.Nfa;

namespace Cep;

/// <summary>Entry point of the fluent pattern API, mirroring Flink CEP and Cep's YAML rules.</summary>
/// <example><code>
/// var pattern = Pattern.Begin&lt;Order&gt;("create").Where(o => o.Type == "create")
///     .FollowedBy("pay").Where((o, ctx) => o.Type == "pay" &amp;&amp; o.Id == ctx.Last(0)!.Event.Id)
///     .Within(TimeSpan.FromMinutes(15));
/// </code></example>
public static class Pattern
{
    public static Pattern<T> Begin<T>(string name) => new Pattern<T>().AddStep(name, Contiguity.Begin);
}

/// <summary>A pattern being built. Each call configures the most recent step (or the whole pattern) and
/// returns the same builder; <see cref="Compile"/> produces the immutable automaton.</summary>
public sealed class Pattern<T>
{
    private readonly List<StepSpec<T>> _steps = [];
    private long? _withinMs;
    private AfterMatchSkip _afterMatch = AfterMatchSkip.NoSkip;
    private bool _anyOrder;

    internal Pattern()
    {
    }

    private StepSpec<T> Current => _steps[^1];

    internal Pattern<T> AddStep(string name, Contiguity contiguity)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _steps.Add(new StepSpec<T>(name, contiguity) { ConditionReadsContext = false });
        return this;
    }

    public Pattern<T> Next(string name) => AddStep(name, Contiguity.Strict);

    public Pattern<T> FollowedBy(string name) => AddStep(name, Contiguity.Relaxed);

    public Pattern<T> FollowedByAny(string name) => AddStep(name, Contiguity.NonDeterministic);

    public Pattern<T> NotNext(string name) => AddStep(name, Contiguity.NotNext);

    public Pattern<T> NotFollowedBy(string name) => AddStep(name, Contiguity.NotFollowedBy);

    /// <summary>A condition on the event alone; several Where calls must all hold.</summary>
    public Pattern<T> Where(Func<T, bool> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return And((e, _) => condition(e), readsContext: false);
    }

    /// <summary>An iterative condition: it may read the events this partial match has taken.</summary>
    public Pattern<T> Where(Func<T, MatchContext<T>, bool> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return And((e, c) => condition(e, c), readsContext: true);
    }

    /// <summary>An alternative to the step's conditions so far.</summary>
    public Pattern<T> Or(Func<T, bool> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var step = Current;
        var previous = step.Condition;
        step.Condition = previous is null ? (e, _) => condition(e) : (e, c) => previous(e, c) || condition(e);
        return this;
    }

    public Pattern<T> Or(Func<T, MatchContext<T>, bool> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var step = Current;
        var previous = step.Condition;
        step.Condition = previous is null ? (e, c) => condition(e, c) : (e, c) => previous(e, c) || condition(e, c);
        step.ConditionReadsContext = true;
        return this;
    }

    private Pattern<T> And(Condition<T> condition, bool readsContext)
    {
        var step = Current;
        var previous = step.Condition;
        step.Condition = previous is null ? condition : (e, c) => previous(e, c) && condition(e, c);
        step.ConditionReadsContext |= readsContext;
        return this;
    }

    /// <summary>Stops a looping step at the first event that satisfies <paramref name="condition"/>.</summary>
    public Pattern<T> Until(Func<T, bool> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        Current.Until = (e, _) => condition(e);
        return this;
    }

    public Pattern<T> Until(Func<T, MatchContext<T>, bool> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        Current.Until = (e, c) => condition(e, c);
        return this;
    }

    public Pattern<T> Times(int times) => Times(times, times);

    public Pattern<T> Times(int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(from, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(to, from);
        Current.MinTimes = from;
        Current.MaxTimes = to;
        return this;
    }

    public Pattern<T> OneOrMore() => TimesOrMore(1);

    public Pattern<T> TimesOrMore(int times)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        Current.MinTimes = times;
        Current.MaxTimes = int.MaxValue;
        return this;
    }

    public Pattern<T> Optional()
    {
        Current.Optional = true;
        return this;
    }

    public Pattern<T> Greedy()
    {
        Current.Greedy = true;
        return this;
    }

    /// <summary>Strict contiguity between a repeated step's own events.</summary>
    public Pattern<T> Consecutive()
    {
        Current.InnerContiguity = Contiguity.Strict;
        return this;
    }

    /// <summary>Non-deterministic relaxed contiguity between a repeated step's own events.</summary>
    public Pattern<T> AllowCombinations()
    {
        Current.InnerContiguity = Contiguity.NonDeterministic;
        return this;
    }

    /// <summary>This step's event must come within <paramref name="window"/> after the previous event taken.</summary>
    public Pattern<T> StepWithin(TimeSpan window)
    {
        Current.WithinMs = (long)window.TotalMilliseconds;
        return this;
    }

    /// <summary>The whole match must fit in <paramref name="window"/> from its first event.</summary>
    public Pattern<T> Within(TimeSpan window)
    {
        _withinMs = (long)window.TotalMilliseconds;
        return this;
    }

    public Pattern<T> AfterMatch(AfterMatchSkip skip)
    {
        ArgumentNullException.ThrowIfNull(skip);
        _afterMatch = skip;
        return this;
    }

    /// <summary>order: any — the steps match in any order, each once.</summary>
    public Pattern<T> InAnyOrder()
    {
        _anyOrder = true;
        return this;
    }

    public PatternSpec<T> ToSpec() => new(_steps.ToArray(), _withinMs, _afterMatch, _anyOrder);

    public CompiledPattern<T> Compile() => PatternCompiler.Compile(ToSpec());
}
