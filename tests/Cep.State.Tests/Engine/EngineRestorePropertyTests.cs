using Cep.Nfa;
using Cep.Runtime;
using FsCheck;
using FsCheck.Fluent;

namespace Cep.State.Tests.Engine;

/// <summary>
/// The engine's snapshots through the real store: snapshot → restore → snapshot gives equal bytes, and for random
/// event sequences, checkpoint-restore-continue produces the same records as continuing without a restore.
/// </summary>
public sealed class EngineRestorePropertyTests
{
    public sealed record Ev(string Key, char Type, long Ts, int Id);

    private static readonly Gen<Ev[]> Events = Gen.ListOf(
            Gen.Elements("k1", "k2", "k3").SelectMany(
                key => Gen.Elements('a', 'b', 'c', 'x').SelectMany(type => Gen.Choose(-20, 60), (type, delta) => (type, delta)),
                (key, rest) => (Item1: key, Item2: rest.type, Item3: rest.delta)))
        .Select(items =>
        {
            // Mostly increasing timestamps with some disorder (out-of-orderness 30 covers most of it; the rest is late).
            var ts = 1000L;
            return items.Select((item, i) => new Ev(item.Item1, item.Item2, ts += item.Item3, i)).ToArray();
        });

    private static readonly Gen<(Ev[] Events, int Cut)> EventsAndCut =
        Events.SelectMany(events => Gen.Choose(0, events.Length), (events, cut) => (events, cut));

    [Fact]
    public void Snapshot_RestoreIntoFreshOperator_SnapshotGivesEqualBytes()
    {
        foreach (var pattern in Patterns())
        {
            Prop.ForAll(Arb.From(Events), events =>
            {
                var first = NewOperator(pattern, new Sink());
                Feed(first, events);
                var before = SnapshotAll(first);

                var second = NewOperator(pattern, new Sink());
                RestoreAll(second, before);
                return Hex(SnapshotAll(second)).SequenceEqual(Hex(before));
            }).QuickCheckThrowOnFailure();
        }
    }

    [Fact]
    public void CheckpointRestoreContinue_RandomEvents_SameRecordsAsUninterrupted()
    {
        foreach (var pattern in Patterns())
        {
            Prop.ForAll(Arb.From(EventsAndCut), input =>
            {
                var (events, cut) = input;
                var straight = new Sink();
                var uninterrupted = NewOperator(pattern, straight);
                Feed(uninterrupted, events);
                uninterrupted.EndInput(0);

                using var dir = new TempDir();
                var path = dir.File("state.db");
                var beforeCrash = new Sink();
                using (var store = CheckpointStore.Open(path, new StoreOptions { Sync = StateSync.Normal }))
                {
                    var op = NewOperator(pattern, beforeCrash);

                    // Several incremental checkpoints before the cut, as a running runner would take them.
                    var step = Math.Max(1, cut / 3);
                    for (var i = 0; i < cut; i += step)
                    {
                        Feed(op, events[i..Math.Min(cut, i + step)]);
                        Checkpoint(store, op, beforeCrash);
                    }

                    if (cut == 0)
                    {
                        Checkpoint(store, op, beforeCrash);
                    }

                    // Events after the last checkpoint and before the "crash": their records are lost with the process.
                    Feed(op, events[cut..Math.Min(events.Length, cut + 2)]);
                }

                var afterRestart = new Sink();
                using (var store = CheckpointStore.Open(path))
                {
                    var restored = NewOperator(pattern, afterRestart);
                    var saved = store.Load()!;
                    restored.ReadGlobal(new SnapshotReader(saved.Rules["r"].Global), Codec.Instance);
                    store.ReadKeys(saved.Rules["r"], (key, state) => restored.ReadKey(System.Text.Encoding.UTF8.GetString(key.Span), new SnapshotReader(state), Codec.Instance));
                    Feed(restored, events[cut..]);
                    restored.EndInput(0);
                }

                var committedBeforeCut = beforeCrash.Records.Take(beforeCrash.CountAtCheckpoint).ToList();
                var combined = committedBeforeCut.Concat(afterRestart.Records).ToList();
                return combined.SequenceEqual(straight.Records)
                    .Label($"straight: {string.Join(" | ", straight.Records)}\ncombined: {string.Join(" | ", combined)}");
            }).QuickCheckThrowOnFailure();
        }
    }

    private static IEnumerable<CompiledPattern<Ev>> Patterns()
    {
        // a followedBy b within 100 ms, timeouts reported.
        yield return PatternCompiler.Compile(new PatternSpec<Ev>(
            [
                new StepSpec<Ev>("a", Contiguity.Begin) { Condition = (e, _) => e.Type == 'a', ConditionReadsContext = false },
                new StepSpec<Ev>("b", Contiguity.Relaxed) { Condition = (e, _) => e.Type == 'b', ConditionReadsContext = false },
            ],
            withinMs: 100));

        // a, then one or more c (relaxed), then b; no window: state builds up and is discarded at the end.
        yield return PatternCompiler.Compile(new PatternSpec<Ev>(
            [
                new StepSpec<Ev>("a", Contiguity.Begin) { Condition = (e, _) => e.Type == 'a', ConditionReadsContext = false },
                new StepSpec<Ev>("c", Contiguity.NonDeterministic) { Condition = (e, _) => e.Type == 'c', ConditionReadsContext = false, MinTimes = 1, MaxTimes = int.MaxValue },
                new StepSpec<Ev>("b", Contiguity.Relaxed) { Condition = (e, _) => e.Type == 'b', ConditionReadsContext = false },
            ]));
    }

    private static KeyedPatternOperator<Ev, string> NewOperator(CompiledPattern<Ev> pattern, Sink sink) =>
        new(pattern, new OperatorOptions { TimeMode = TimeMode.EventTime, OutOfOrdernessMs = 30 }, sink, StringComparer.Ordinal, trackChanges: true);

    private static void Feed(KeyedPatternOperator<Ev, string> op, IEnumerable<Ev> events)
    {
        foreach (var e in events)
        {
            op.OnEvent(0, e.Key, e, e.Ts, 0);
        }
    }

    private static void Checkpoint(CheckpointStore store, KeyedPatternOperator<Ev, string> op, Sink sink)
    {
        var batch = store.BeginCheckpoint();
        var writer = new SnapshotWriter();
        op.WriteGlobal(writer, Codec.Instance);
        batch.SetRule("r", "fp", "s", writer.WrittenSpan);
        foreach (var key in op.ChangedKeys)
        {
            writer.Clear();
            var keyBytes = System.Text.Encoding.UTF8.GetBytes(key);
            if (op.WriteKey(key, writer, Codec.Instance))
            {
                batch.PutKey("r", keyBytes, writer.WrittenSpan);
            }
            else
            {
                batch.DeleteKey("r", keyBytes);
            }
        }

        op.ClearChanged();
        batch.Commit(0);
        sink.MarkCheckpoint();
    }

    private static List<(string Key, byte[] State)> SnapshotAll(KeyedPatternOperator<Ev, string> op)
    {
        var all = new List<(string, byte[])>();
        var writer = new SnapshotWriter();
        op.WriteGlobal(writer, Codec.Instance);
        all.Add(("", writer.ToArray()));
        foreach (var key in op.Keys.Order(StringComparer.Ordinal))
        {
            writer.Clear();
            if (op.WriteKey(key, writer, Codec.Instance))
            {
                all.Add((key, writer.ToArray()));
            }
        }

        return all;
    }

    private static IEnumerable<string> Hex(List<(string Key, byte[] State)> snapshot) =>
        snapshot.Select(entry => entry.Key + "=" + Convert.ToHexString(entry.State));

    private static void RestoreAll(KeyedPatternOperator<Ev, string> op, List<(string Key, byte[] State)> snapshot)
    {
        op.ReadGlobal(new SnapshotReader(snapshot[0].State), Codec.Instance);
        foreach (var (key, state) in snapshot.Skip(1))
        {
            op.ReadKey(key, new SnapshotReader(state), Codec.Instance);
        }
    }

    private sealed class Codec : ISnapshotCodec<Ev, string>
    {
        public static readonly Codec Instance = new();

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

    /// <summary>Records as text; remembers how many existed at the last checkpoint.</summary>
    private sealed class Sink : IPatternSink<Ev, string>
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
}
