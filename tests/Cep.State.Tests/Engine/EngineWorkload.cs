using Cep.Nfa;
using Cep.Runtime;
using FsCheck;
using FsCheck.Fluent;

namespace Cep.State.Tests.Engine;

/// <summary>The small keyed event the engine-through-the-store tests feed.</summary>
public sealed record Ev(string Key, char Type, long Ts, int Id);

/// <summary>
/// What the engine-through-the-store tests share: random event sequences, the patterns they run, an operator in
/// event time with 30 ms of out-of-orderness that tracks changed keys, and the events' snapshot codec.
/// </summary>
internal static class EngineWorkload
{
    /// <summary>Events of the given keys with mostly increasing timestamps and some disorder (out-of-orderness 30
    /// covers most of it; the rest is late).</summary>
    public static Gen<Ev[]> Events(params string[] keys) => Gen.ListOf(
            Gen.Elements(keys).SelectMany(
                key => Gen.Elements('a', 'b', 'c', 'x').SelectMany(type => Gen.Choose(-20, 60), (type, delta) => (type, delta)),
                (key, rest) => (Key: key, Type: rest.type, Delta: rest.delta)))
        .Select(items =>
        {
            var ts = 1000L;
            return items.Select((item, i) => new Ev(item.Key, item.Type, ts += item.Delta, i)).ToArray();
        });

    /// <summary>a followedBy b within 100 ms: timeouts, one run per key.</summary>
    public static CompiledPattern<Ev> FollowedByWithin() => PatternCompiler.Compile(new PatternSpec<Ev>(
        [
            new StepSpec<Ev>("a", Contiguity.Begin) { Condition = (e, _) => e.Type == 'a', ConditionReadsContext = false },
            new StepSpec<Ev>("b", Contiguity.Relaxed) { Condition = (e, _) => e.Type == 'b', ConditionReadsContext = false },
        ],
        withinMs: 100));

    /// <summary>a, then one or more c (followedByAny: branches share prefixes), then b; no window, so state builds
    /// up and is discarded at the end.</summary>
    public static CompiledPattern<Ev> BranchingWithoutWindow() => PatternCompiler.Compile(new PatternSpec<Ev>(
        [
            new StepSpec<Ev>("a", Contiguity.Begin) { Condition = (e, _) => e.Type == 'a', ConditionReadsContext = false },
            new StepSpec<Ev>("c", Contiguity.NonDeterministic) { Condition = (e, _) => e.Type == 'c', ConditionReadsContext = false, MinTimes = 1, MaxTimes = int.MaxValue },
            new StepSpec<Ev>("b", Contiguity.Relaxed) { Condition = (e, _) => e.Type == 'b', ConditionReadsContext = false },
        ]));

    public static KeyedPatternOperator<Ev, string> NewOperator(CompiledPattern<Ev> pattern, IPatternSink<Ev, string> sink) =>
        new(pattern, new OperatorOptions { TimeMode = TimeMode.EventTime, OutOfOrdernessMs = 30 }, sink, StringComparer.Ordinal, trackChanges: true);

    public static void Feed(KeyedPatternOperator<Ev, string> op, IEnumerable<Ev> events)
    {
        foreach (var e in events)
        {
            op.OnEvent(0, e.Key, e, e.Ts, 0);
        }
    }
}

/// <summary>Snapshot codec of <see cref="Ev"/>.</summary>
internal sealed class EvCodec : ISnapshotCodec<Ev, string>
{
    public static readonly EvCodec Instance = new();

    public void WriteEvent(SnapshotWriter writer, Ev @event)
    {
        writer.WriteString(@event.Key);
        writer.WriteVarUInt(@event.Type);
        writer.WriteVarInt(@event.Ts);
        writer.WriteVarInt(@event.Id);
    }

    public Ev ReadEvent(SnapshotReader reader) =>
        new(reader.ReadString()!, (char)reader.ReadVarUInt(), reader.ReadVarInt(), (int)reader.ReadVarInt());

    public void WriteKey(SnapshotWriter writer, string key) => writer.WriteString(key);

    public string ReadKey(SnapshotReader reader) => reader.ReadString()!;
}

/// <summary>Records every result as text; remembers how many existed at the last checkpoint.</summary>
internal sealed class TextSink : IPatternSink<Ev, string>
{
    public List<string> Records { get; } = [];

    public int CountAtCheckpoint { get; private set; }

    public void MarkCheckpoint() => CountAtCheckpoint = Records.Count;

    public void OnMatch(in PatternResult<Ev, string> match) => Records.Add("match " + Describe(match));

    public void OnTimeout(in PatternResult<Ev, string> timeout) => Records.Add("timeout " + Describe(timeout));

    public void OnLate(int input, Ev @event, long timestamp) => Records.Add($"late {@event.Id}");

    public void OnConditionError(ConditionError<Ev> error) => Records.Add($"error {error.Event.Id}");

    private static string Describe(in PatternResult<Ev, string> result)
    {
        var names = result.StepNames;
        return $"{result.Key}@{result.Time}:{string.Join(",", result.Events().Select(n => $"{names[n.Step]}{n.Event.Id}"))}";
    }
}
