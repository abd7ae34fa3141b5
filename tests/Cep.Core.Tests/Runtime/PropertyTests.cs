using Cep.Nfa;
using Cep.Runtime;
using Cep.State;
using FsCheck;
using FsCheck.Fluent;

namespace Cep.Tests.Runtime;

/// <summary>Properties where examples are not enough (STYLE 17).</summary>
public class PropertyTests
{
    private sealed class EvCodec : ISnapshotCodec<Ev, string>
    {
        public void WriteEvent(SnapshotWriter writer, Ev @event)
        {
            writer.WriteString(@event.Name);
            writer.WriteString(@event.Kind);
            writer.WriteInt64(BitConverter.DoubleToInt64Bits(@event.Value));
            writer.WriteString(@event.Key);
        }

        public Ev ReadEvent(SnapshotReader reader) =>
            new(reader.ReadString()!, reader.ReadString()!, BitConverter.Int64BitsToDouble(reader.ReadInt64()), reader.ReadString()!);

        public void WriteKey(SnapshotWriter writer, string key) => writer.WriteString(key);

        public string ReadKey(SnapshotReader reader) => reader.ReadString()!;
    }

    private static readonly Gen<(Ev Event, long Timestamp)[]> Streams =
        Gen.ListOf(
            from key in Gen.Elements("k1", "k2", "k3")
            from kind in Gen.Elements("a", "b", "c")
            from value in Gen.Choose(0, 9)
            from gap in Gen.Choose(0, 4)
            select (key, kind, value, gap))
        .Select(items =>
        {
            var ts = 0L;
            return items.Select((x, i) => (new Ev($"{x.kind}{i}", x.kind, x.value, x.key), ts += x.gap)).ToArray();
        });

    /// <summary>Patterns that exercise branching, loops, negation, windows and skipping.</summary>
    private static readonly Func<CompiledPattern<Ev>>[] Patterns =
    [
        () => Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedByAny("b").Where(e => e.Kind == "b").Within(TimeSpan.FromMilliseconds(8)).Compile(),
        () => Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedBy("b").Where((e, c) => e.Value >= c.Last(0)!.Event.Value).OneOrMore()
            .FollowedBy("c").Where(e => e.Kind == "c").Within(TimeSpan.FromMilliseconds(10)).AfterMatch(AfterMatchSkip.SkipPastLastEvent).Compile(),
        () => Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").NotFollowedBy("c").Where(e => e.Kind == "c").Within(TimeSpan.FromMilliseconds(6)).Compile(),
        () => Pattern.Begin<Ev>("x").Where(e => e.Value > 4).Times(2, 3).AllowCombinations().AfterMatch(AfterMatchSkip.SkipToNext).Within(TimeSpan.FromMilliseconds(12)).Compile(),
    ];

    private static List<string> RunAll(CompiledPattern<Ev> pattern, IEnumerable<(Ev Event, long Timestamp)> events, long outOfOrderness = 0)
    {
        var sink = new RecordingSink { WithTime = true, WithKey = true };
        var op = new KeyedPatternOperator<Ev, string>(pattern, new OperatorOptions { OutOfOrdernessMs = outOfOrderness }, sink);
        foreach (var (e, ts) in events)
        {
            op.OnEvent(0, e.Key, e, ts, 0);
        }
        op.EndInput(0);
        return sink.Records;
    }

    [Fact]
    public void Results_DoNotDependOnHowKeysInterleave() =>
        Prop.ForAll(Arb.From(Streams), Arb.From(Gen.Choose(0, Patterns.Length - 1)), (stream, p) =>
        {
            var pattern = Patterns[p]();
            var together = RunAll(pattern, stream).Order(StringComparer.Ordinal).ToList();
            // Each key alone, one after the other: the same records overall.
            var apart = stream.GroupBy(x => x.Event.Key).SelectMany(g => RunAll(pattern, g)).Order(StringComparer.Ordinal).ToList();
            return together.SequenceEqual(apart);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Snapshot_RestoreThenSnapshot_GivesEqualBytes() =>
        Prop.ForAll(Arb.From(Streams), Arb.From(Gen.Choose(0, Patterns.Length - 1)), (stream, p) =>
        {
            var pattern = Patterns[p]();
            var codec = new EvCodec();
            var first = new KeyedPatternOperator<Ev, string>(pattern, new OperatorOptions { OutOfOrdernessMs = 3 }, new RecordingSink());
            foreach (var (e, ts) in stream)
            {
                first.OnEvent(0, e.Key, e, ts, 0);
            }
            var bytes = Snapshot(first, codec);
            var second = new KeyedPatternOperator<Ev, string>(pattern, new OperatorOptions { OutOfOrdernessMs = 3 }, new RecordingSink());
            Restore(second, bytes, codec);
            return Snapshot(second, codec).SequenceEqual(bytes);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Snapshot_RestoreThenContinue_EqualsContinueWithoutRestore() =>
        Prop.ForAll(Arb.From(Streams), Arb.From(Gen.Choose(0, Patterns.Length - 1)), Arb.From(Gen.Choose(0, 100)), (stream, p, cutPercent) =>
        {
            var pattern = Patterns[p]();
            var codec = new EvCodec();
            var cut = stream.Length * cutPercent / 100;
            var uninterrupted = RunAll(pattern, stream, outOfOrderness: 2);

            var sinkBefore = new RecordingSink { WithTime = true, WithKey = true };
            var before = new KeyedPatternOperator<Ev, string>(pattern, new OperatorOptions { OutOfOrdernessMs = 2 }, sinkBefore);
            foreach (var (e, ts) in stream.Take(cut))
            {
                before.OnEvent(0, e.Key, e, ts, 0);
            }
            var bytes = Snapshot(before, codec);
            var sinkAfter = new RecordingSink { WithTime = true, WithKey = true };
            var after = new KeyedPatternOperator<Ev, string>(pattern, new OperatorOptions { OutOfOrdernessMs = 2 }, sinkAfter);
            Restore(after, bytes, codec);
            foreach (var (e, ts) in stream.Skip(cut))
            {
                after.OnEvent(0, e.Key, e, ts, 0);
            }
            after.EndInput(0);
            var resumed = sinkBefore.Records.Concat(sinkAfter.Records).Order(StringComparer.Ordinal);
            return resumed.SequenceEqual(uninterrupted.Order(StringComparer.Ordinal));
        }).QuickCheckThrowOnFailure();

    private static List<byte[]> Snapshot(KeyedPatternOperator<Ev, string> op, EvCodec codec)
    {
        var parts = new List<byte[]>();
        var writer = new SnapshotWriter();
        op.WriteGlobal(writer, codec);
        parts.Add(writer.ToArray());
        foreach (var key in op.Keys.Order(StringComparer.Ordinal))
        {
            writer.Clear();
            writer.WriteString(key);
            Assert.True(op.WriteKey(key, writer, codec));
            parts.Add(writer.ToArray());
        }
        return parts;
    }

    private static void Restore(KeyedPatternOperator<Ev, string> op, List<byte[]> parts, EvCodec codec)
    {
        op.ReadGlobal(new SnapshotReader(parts[0]), codec);
        foreach (var part in parts.Skip(1))
        {
            var reader = new SnapshotReader(part);
            var key = reader.ReadString()!;
            op.ReadKey(key, reader, codec);
        }
    }
}

internal static class ByteListExtensions
{
    public static bool SequenceEqual(this List<byte[]> a, List<byte[]> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.AsSpan().SequenceEqual(p.Second));
}
