using Cep.Nfa;
using Cep.Runtime;

namespace Cep.Tests.Runtime;

/// <summary>A test event: a name (its identity in assertions), a kind the conditions test, a value, a key.</summary>
public sealed record Ev(string Name, string Kind, double Value = 0, string Key = "k")
{
    public override string ToString() => Name;
}

/// <summary>Collects what an operator decides as short strings: "match:a1 b2", "timeout:a1@1000", "late:x".</summary>
internal sealed class RecordingSink : IPatternSink<Ev, string>
{
    public List<string> Records { get; } = [];

    public List<ConditionError<Ev>> Errors { get; } = [];

    public bool WithTime { get; init; }

    public bool WithKey { get; init; }

    private string Format(in PatternResult<Ev, string> result) =>
        (WithKey ? result.Key + ":" : "") + string.Join(" ", result.Events().Select(n => n.Event.Name)) + (WithTime ? "@" + result.Time : "");

    public void OnMatch(in PatternResult<Ev, string> match) => Records.Add("match:" + Format(match));

    public void OnTimeout(in PatternResult<Ev, string> timeout) => Records.Add("timeout:" + Format(timeout));

    public void OnLate(int input, Ev @event, long timestamp) => Records.Add("late:" + @event.Name);

    public void OnConditionError(ConditionError<Ev> error) => Errors.Add(error);
}

internal static class Harness
{
    /// <summary>Runs events (timestamps 1, 2, 3, … unless given) through the pattern in event time, then ends the input.</summary>
    public static List<string> Run(Pattern<Ev> pattern, params Ev[] events) =>
        Run(pattern, events.Select((e, i) => (e, (long)(i + 1))).ToArray());

    public static List<string> Run(Pattern<Ev> pattern, (Ev Event, long Timestamp)[] events, bool withTime = false, long outOfOrderness = 0, bool end = true)
    {
        var sink = new RecordingSink { WithTime = withTime };
        var op = new KeyedPatternOperator<Ev, string>(pattern.Compile(), new OperatorOptions { OutOfOrdernessMs = outOfOrderness }, sink);
        foreach (var (e, ts) in events)
        {
            op.OnEvent(0, e.Key, e, ts, 0);
        }
        if (end)
        {
            op.EndInput(0);
        }
        return sink.Records;
    }

    public static void AssertRecords(IEnumerable<string> actual, params string[] expected)
    {
        var a = actual.Order(StringComparer.Ordinal).ToList();
        var e = expected.Order(StringComparer.Ordinal).ToList();
        Assert.True(a.SequenceEqual(e), $"expected:\n  {string.Join("\n  ", e)}\nactual:\n  {string.Join("\n  ", a)}");
    }
}
