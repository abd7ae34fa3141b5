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
    private static readonly Gen<Ev[]> Events = EngineWorkload.Events("k1", "k2", "k3");

    private static readonly Gen<(Ev[] Events, int Cut)> EventsAndCut =
        Events.SelectMany(events => Gen.Choose(0, events.Length), (events, cut) => (events, cut));

    [Fact]
    public void Snapshot_RestoreIntoFreshOperator_SnapshotGivesEqualBytes()
    {
        foreach (var pattern in Patterns())
        {
            Prop.ForAll(Arb.From(Events), events =>
            {
                var first = NewOperator(pattern, new TextSink());
                Feed(first, events);
                var before = SnapshotAll(first);

                var second = NewOperator(pattern, new TextSink());
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
                var straight = new TextSink();
                var uninterrupted = NewOperator(pattern, straight);
                Feed(uninterrupted, events);
                uninterrupted.EndInput(0);

                using var dir = new TempDir();
                var path = dir.File("state.db");
                var beforeCrash = new TextSink();
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

                var afterRestart = new TextSink();
                using (var store = CheckpointStore.Open(path))
                {
                    var restored = NewOperator(pattern, afterRestart);
                    var saved = store.Load()!;
                    restored.ReadGlobal(new SnapshotReader(saved.Rules["r"].Global), EvCodec.Instance);
                    store.ReadKeys(saved.Rules["r"], (key, state) => restored.ReadKey(System.Text.Encoding.UTF8.GetString(key.Span), new SnapshotReader(state), EvCodec.Instance));
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

    [Fact]
    public void RestoreContinue_KeysDueAtTheSameDeadline_TimeOutInTheSameOrderAsWithoutRestore()
    {
        // k3 and k1 start at the same millisecond (k3 first), so both are due at 1100. A restore queues their timers
        // in the order it reads the keys (k1 first here); they must still fire in the order of their partial matches.
        // (The x at 1050 moves the watermark past both before the snapshot, so they are runs, not buffered events.)
        Ev[] before = [new("k3", 'a', 1000, 0), new("k1", 'a', 1000, 1), new("k2", 'x', 1050, 2)];
        Ev[] after = [new("k2", 'x', 2000, 3)];
        var pattern = EngineWorkload.FollowedByWithin();
        var straight = new TextSink();
        var uninterrupted = NewOperator(pattern, straight);
        Feed(uninterrupted, before.Concat(after));
        uninterrupted.EndInput(0);

        var first = NewOperator(pattern, new TextSink());
        Feed(first, before);
        var restoredSink = new TextSink();
        var restored = NewOperator(pattern, restoredSink);
        RestoreAll(restored, SnapshotAll(first));
        Feed(restored, after);
        restored.EndInput(0);

        Assert.Equal(["timeout k3@1100:a0", "timeout k1@1100:a1"], straight.Records);
        Assert.Equal(straight.Records, restoredSink.Records);
    }

    private static IEnumerable<CompiledPattern<Ev>> Patterns()
    {
        yield return EngineWorkload.FollowedByWithin();
        yield return EngineWorkload.BranchingWithoutWindow();
    }

    private static KeyedPatternOperator<Ev, string> NewOperator(CompiledPattern<Ev> pattern, TextSink sink) => EngineWorkload.NewOperator(pattern, sink);

    private static void Feed(KeyedPatternOperator<Ev, string> op, IEnumerable<Ev> events) => EngineWorkload.Feed(op, events);

    private static void Checkpoint(CheckpointStore store, KeyedPatternOperator<Ev, string> op, TextSink sink)
    {
        var batch = store.BeginCheckpoint();
        var writer = new SnapshotWriter();
        op.WriteGlobal(writer, EvCodec.Instance);
        batch.SetRule("r", "fp", "s", writer.WrittenSpan);
        foreach (var key in op.ChangedKeys)
        {
            writer.Clear();
            var keyBytes = System.Text.Encoding.UTF8.GetBytes(key);
            if (op.WriteKey(key, writer, EvCodec.Instance))
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
        op.WriteGlobal(writer, EvCodec.Instance);
        all.Add(("", writer.ToArray()));
        foreach (var key in op.Keys.Order(StringComparer.Ordinal))
        {
            writer.Clear();
            if (op.WriteKey(key, writer, EvCodec.Instance))
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
        op.ReadGlobal(new SnapshotReader(snapshot[0].State), EvCodec.Instance);
        foreach (var (key, state) in snapshot.Skip(1))
        {
            op.ReadKey(key, new SnapshotReader(state), EvCodec.Instance);
        }
    }
}
