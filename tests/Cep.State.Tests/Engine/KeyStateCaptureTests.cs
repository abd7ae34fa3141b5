using Cep.Nfa;
using Cep.Runtime;
using FsCheck;
using FsCheck.Fluent;

namespace Cep.State.Tests.Engine;

/// <summary>
/// Copy-on-write checkpoints: a capture taken at a cut and serialized later (on another thread, after the operator
/// went on processing) gives exactly the bytes <c>WriteKey</c> wrote at the cut.
/// </summary>
public sealed class KeyStateCaptureTests
{
    private static readonly Gen<Ev[]> Events = EngineWorkload.Events("k1", "k2", "k3", "k4");

    /// <summary>Events and up to four cut points (indices into the events, sorted).</summary>
    private static readonly Gen<(Ev[] Events, int[] Cuts)> EventsAndCuts = Events.SelectMany(
        events => Gen.ArrayOf(Gen.Choose(0, events.Length)).Select(cuts => cuts.Take(4).Order().ToArray()),
        (events, cuts) => (events, cuts));

    [Fact]
    public void CaptureChanged_SerializedAfterOperatorMovedOn_EqualsWriteKeyBytesAtCut()
    {
        foreach (var pattern in Patterns())
        {
            Prop.ForAll(Arb.From(EventsAndCuts), input =>
            {
                var (events, cuts) = input;
                var op = NewOperator(pattern);
                var expected = new List<Dictionary<string, string?>>();
                var captures = new List<KeyStateCapture<Ev, string>>();
                var position = 0;
                foreach (var cut in cuts.Append(events.Length))
                {
                    Feed(op, events[position..cut]);
                    position = cut;

                    // What the live path writes at the cut, then the capture of the same keys.
                    var atCut = new Dictionary<string, string?>(StringComparer.Ordinal);
                    var writer = new SnapshotWriter();
                    foreach (var key in op.ChangedKeys)
                    {
                        writer.Clear();
                        atCut[key] = op.WriteKey(key, writer, EvCodec.Instance) ? Convert.ToHexString(writer.WrittenSpan) : null;
                    }

                    expected.Add(atCut);
                    captures.Add(op.CaptureChanged());
                    Assert.Empty(op.ChangedKeys);
                }

                // Keep processing the same keys after the last cut, so every captured key changes again.
                op.EndInput(0);

                // Serialize every capture on another thread with its own scratch.
                var actual = Task.Run(() => captures.Select(Serialize).ToList()).GetAwaiter().GetResult();
                for (var i = 0; i < expected.Count; i++)
                {
                    if (!expected[i].OrderBy(kv => kv.Key, StringComparer.Ordinal).SequenceEqual(actual[i].OrderBy(kv => kv.Key, StringComparer.Ordinal)))
                    {
                        return false.Label($"cut {i}: expected {Describe(expected[i])}, got {Describe(actual[i])}");
                    }
                }

                return true.Label("equal");
            }).QuickCheckThrowOnFailure();
        }
    }

    [Fact]
    public void CaptureChanged_KeyThatEmptied_IsDeletedAndWritesNothing()
    {
        var op = NewOperator(Patterns().First());
        Feed(op, [new Ev("k1", 'a', 1000, 0), new Ev("k2", 'a', 1001, 1)]);
        op.OnWatermark(0, 1001);
        Assert.Equal(2, op.CaptureChanged().Count);
        Feed(op, [new Ev("k1", 'b', 1002, 2)]);
        op.OnWatermark(0, 1002);
        var capture = op.CaptureChanged();
        Assert.Equal(1, capture.Count);
        Assert.Equal("k1", capture.KeyAt(0));
        Assert.True(capture.IsDeleted(0));
        Assert.Equal(1, capture.DeletedCount);
        var writer = new SnapshotWriter();
        Assert.False(capture.Write(0, writer, EvCodec.Instance, new SnapshotScratch<Ev>()));
        Assert.Equal(0, writer.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => capture.KeyAt(1));
    }

    [Fact]
    public void CaptureChanged_KeyStartedAndEmptiedBetweenCaptures_LeavesNoRecord()
    {
        var op = NewOperator(Patterns().First());
        Feed(op, [new Ev("k1", 'a', 1000, 0), new Ev("k1", 'b', 1002, 1)]);
        op.OnWatermark(0, 1002);
        Assert.Empty(op.ChangedKeys);
        Assert.Equal(0, op.CaptureChanged().Count);
    }

    [Fact]
    public void CaptureChanged_CapturedKeyEmptiedThenStartedAgain_IsWrittenNotDeleted()
    {
        var op = NewOperator(Patterns().First());
        Feed(op, [new Ev("k1", 'a', 1000, 0)]);
        op.OnWatermark(0, 1000);
        Assert.Equal(1, op.CaptureChanged().Count);
        Feed(op, [new Ev("k1", 'b', 1002, 1), new Ev("k1", 'a', 1003, 2)]);
        op.OnWatermark(0, 1003);
        Assert.Equal(["k1"], op.ChangedKeys);
        AssertCapturesOnly(op, "k1", deleted: false);
    }

    [Fact]
    public void CaptureChanged_CapturedKeyEmptiedTwice_IsDeletedOnce()
    {
        var op = NewOperator(Patterns().First());
        Feed(op, [new Ev("k1", 'a', 1000, 0)]);
        op.OnWatermark(0, 1000);
        op.CaptureChanged();
        Feed(op, [new Ev("k1", 'b', 1002, 1), new Ev("k1", 'a', 1003, 2), new Ev("k1", 'b', 1004, 3)]);
        op.OnWatermark(0, 1004);
        AssertCapturesOnly(op, "k1", deleted: true);
    }

    [Fact]
    public void CaptureChanged_RestoredKeyEmptied_IsDeleted()
    {
        var source = NewOperator(Patterns().First());
        Feed(source, [new Ev("k1", 'a', 1000, 0), new Ev("k2", 'a', 1001, 1)]);
        source.OnWatermark(0, 1001);
        var restored = NewOperator(Patterns().First());
        var writer = new SnapshotWriter();
        var global = new SnapshotWriter();
        source.WriteGlobal(global, EvCodec.Instance);
        restored.ReadGlobal(new SnapshotReader(global.WrittenSpan.ToArray()), EvCodec.Instance);
        foreach (var key in source.Keys)
        {
            writer.Clear();
            Assert.True(source.WriteKey(key, writer, EvCodec.Instance));
            restored.InstallKey(key, restored.DecodeKey(new SnapshotReader(writer.WrittenSpan.ToArray()), EvCodec.Instance, new SnapshotScratch<Ev>()));
        }

        Assert.Empty(restored.ChangedKeys);
        Feed(restored, [new Ev("k1", 'b', 1002, 2)]);
        restored.OnWatermark(0, 1002);
        AssertCapturesOnly(restored, "k1", deleted: true);
    }

    [Fact]
    public void CaptureChanged_WithoutTrackChanges_Throws()
    {
        var op = new KeyedPatternOperator<Ev, string>(Patterns().First(), new OperatorOptions { TimeMode = TimeMode.EventTime }, new NullSink());
        Assert.Throws<InvalidOperationException>(() => op.CaptureChanged());
    }

    [Fact]
    public void Restore_KeysInStorageOrderInsteadOfKeyOrder_SameRecords()
    {
        foreach (var pattern in Patterns())
        {
            Prop.ForAll(Arb.From(EventsAndCuts), input =>
            {
                var (events, cuts) = input;
                var cut = cuts.Length > 0 ? cuts[0] : events.Length / 2;
                var source = NewOperator(pattern);
                Feed(source, events[..cut]);
                var global = new SnapshotWriter();
                source.WriteGlobal(global, EvCodec.Instance);
                var keys = source.Keys.ToList();
                var blobs = keys.Select(key =>
                {
                    var writer = new SnapshotWriter();
                    source.WriteKey(key, writer, EvCodec.Instance);
                    return writer.ToArray();
                }).ToList();

                var records = new List<List<string>>();
                // The key log hands keys out newest chunk first, not in key order.
                foreach (var reversed in new[] { false, true })
                {
                    var sink = new TextSink();
                    var restored = NewOperator(pattern, sink);
                    restored.ReadGlobal(new SnapshotReader(global.ToArray()), EvCodec.Instance);
                    restored.EnsureKeyCapacity(keys.Count);
                    foreach (var i in reversed ? Enumerable.Range(0, keys.Count).Reverse() : Enumerable.Range(0, keys.Count))
                    {
                        restored.ReadKey(keys[i], new SnapshotReader(blobs[i]), EvCodec.Instance);
                    }

                    Feed(restored, events[cut..]);
                    restored.EndInput(0);
                    records.Add(sink.Records);
                }

                return records[0].Order(StringComparer.Ordinal).SequenceEqual(records[1].Order(StringComparer.Ordinal));
            }).QuickCheckThrowOnFailure();
        }
    }

    [Fact]
    public void DecodeKeyOnAnotherThread_ThenInstall_SnapshotGivesEqualBytes()
    {
        foreach (var pattern in Patterns())
        {
            Prop.ForAll(Arb.From(Events), events =>
            {
                var source = NewOperator(pattern);
                Feed(source, events);
                var blobs = source.Keys.Order(StringComparer.Ordinal).Select(key =>
                {
                    var writer = new SnapshotWriter();
                    source.WriteKey(key, writer, EvCodec.Instance);
                    return (Key: key, Bytes: writer.ToArray());
                }).ToList();

                var restored = NewOperator(pattern);
                var decoded = Task.Run(() =>
                {
                    var scratch = new SnapshotScratch<Ev>();
                    return blobs.Select(blob => (blob.Key, State: restored.DecodeKey(new SnapshotReader(blob.Bytes), EvCodec.Instance, scratch))).ToList();
                }).GetAwaiter().GetResult();
                foreach (var (key, state) in decoded)
                {
                    Assert.False(state.IsEmpty);
                    restored.InstallKey(key, state);
                }

                var again = restored.Keys.Order(StringComparer.Ordinal).Select(key =>
                {
                    var writer = new SnapshotWriter();
                    restored.WriteKey(key, writer, EvCodec.Instance);
                    return (Key: key, Bytes: writer.ToArray());
                }).ToList();
                return again.Select(b => b.Key + "=" + Convert.ToHexString(b.Bytes))
                    .SequenceEqual(blobs.Select(b => b.Key + "=" + Convert.ToHexString(b.Bytes)));
            }).QuickCheckThrowOnFailure();
        }
    }

    private static Dictionary<string, string?> Serialize(KeyStateCapture<Ev, string> capture)
    {
        var scratch = new SnapshotScratch<Ev>();
        var writer = new SnapshotWriter();
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < capture.Count; i++)
        {
            writer.Clear();
            result[capture.KeyAt(i)] = capture.Write(i, writer, EvCodec.Instance, scratch) ? Convert.ToHexString(writer.WrittenSpan) : null;
        }

        return result;
    }

    private static string Describe(Dictionary<string, string?> keys) =>
        string.Join("; ", keys.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value ?? "deleted"}"));

    /// <summary>Captures and checks that the capture holds <paramref name="key"/> alone, deleted or with state.</summary>
    private static void AssertCapturesOnly(KeyedPatternOperator<Ev, string> op, string key, bool deleted)
    {
        var capture = op.CaptureChanged();
        Assert.Equal(1, capture.Count);
        Assert.Equal(key, capture.KeyAt(0));
        Assert.Equal(deleted, capture.IsDeleted(0));
    }

    private static IEnumerable<CompiledPattern<Ev>> Patterns()
    {
        yield return EngineWorkload.FollowedByWithin();
        yield return EngineWorkload.BranchingWithoutWindow();

        // Overlapping matches under skip-past-last-event: completed matches wait behind earlier partial matches.
        yield return PatternCompiler.Compile(new PatternSpec<Ev>(
            [
                new StepSpec<Ev>("a", Contiguity.Begin) { Condition = (e, _) => e.Type is 'a' or 'c', ConditionReadsContext = false, MinTimes = 1, MaxTimes = 3 },
                new StepSpec<Ev>("b", Contiguity.NonDeterministic) { Condition = (e, _) => e.Type is 'b' or 'c', ConditionReadsContext = false },
            ],
            withinMs: 200,
            afterMatch: AfterMatchSkip.SkipPastLastEvent));
    }

    private static KeyedPatternOperator<Ev, string> NewOperator(CompiledPattern<Ev> pattern, IPatternSink<Ev, string>? sink = null) =>
        EngineWorkload.NewOperator(pattern, sink ?? new NullSink());

    private static void Feed(KeyedPatternOperator<Ev, string> op, IEnumerable<Ev> events) => EngineWorkload.Feed(op, events);

    private sealed class NullSink : IPatternSink<Ev, string>
    {
        public void OnMatch(in PatternResult<Ev, string> match)
        {
        }

        public void OnTimeout(in PatternResult<Ev, string> timeout)
        {
        }

        public void OnLate(int input, Ev @event, long timestamp)
        {
        }

        public void OnConditionError(ConditionError<Ev> error)
        {
        }
    }
}
