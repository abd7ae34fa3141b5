using Cep.Runtime;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Cep.Core.Tests.Runtime;

public sealed class ReorderBufferTests
{
    [Fact]
    public void TryPeek_OvertakingEvents_ComeOutInTimestampThenArrivalOrder()
    {
        var buffer = new ReorderBuffer<string>();
        buffer.Enqueue("a", (10, 0));
        buffer.Enqueue("b", (20, 1));
        buffer.Enqueue("c", (15, 2)); // overtakes b
        buffer.Enqueue("d", (20, 3));
        buffer.Enqueue("e", (10, 4)); // same time as a, arrived later

        Assert.Equal(["a", "e", "c", "b", "d"], Drain(buffer));
    }

    [Fact]
    public void UnorderedItems_HoldsRingCalendarAndHeapEntries()
    {
        var buffer = new ReorderBuffer<string>(64, 64);
        buffer.Enqueue("a", (1000, 0)); // ring
        buffer.Enqueue("b", (990, 1)); // overtakes a: calendar
        buffer.Enqueue("c", (5, 2)); // behind the calendar's latest by more than its span: heap
        buffer.Enqueue("d", (2000, 3)); // ring

        Assert.Equal(
            [("a", (1000L, 0L)), ("b", (990L, 1L)), ("c", (5L, 2L)), ("d", (2000L, 3L))],
            buffer.UnorderedItems.OrderBy(i => i.Element));
        Assert.Equal(4, buffer.Count);
        Assert.Equal(["c", "b", "a", "d"], Drain(buffer));
    }

    [Fact]
    public void Enqueue_EarlierArrivalNumberAtSameTimestamp_StillComesOutInArrivalOrder()
    {
        var buffer = new ReorderBuffer<string>();
        buffer.Enqueue("late-numbered", (7, 5));
        buffer.Enqueue("early-numbered", (7, 2));
        buffer.Enqueue("middle", (7, 3));

        Assert.Equal(["early-numbered", "middle", "late-numbered"], Drain(buffer));
    }

    [Fact]
    public void Enqueue_ExtremeTimestamps_ComeOutInOrder()
    {
        var buffer = new ReorderBuffer<string>(64, 256);
        buffer.Enqueue("max", (long.MaxValue, 0));
        buffer.Enqueue("min", (long.MinValue, 1));
        buffer.Enqueue("max-1", (long.MaxValue - 1, 2));
        buffer.Enqueue("min+1", (long.MinValue + 1, 3));
        buffer.Enqueue("zero", (0, 4));
        buffer.Enqueue("max-again", (long.MaxValue, 5));

        Assert.Equal(["min", "min+1", "zero", "max-1", "max", "max-again"], Drain(buffer));
    }

    [Fact]
    public void Dequeue_WatermarkJumpsOverAHugeEmptySpan_ReleasesTheNextEvent()
    {
        var buffer = new ReorderBuffer<string>(64, 1 << 20);
        buffer.Enqueue("first", (0, 0));
        buffer.Enqueue("far", ((1 << 20) - 1, 1)); // inside a grown ring's span only
        buffer.Enqueue("farther", (1L << 40, 2));

        Assert.Equal(["first", "far", "farther"], Drain(buffer));
    }

    [Fact]
    public void Enqueue_DisorderWiderThanTheSpan_GrowsTheCalendar()
    {
        var buffer = new ReorderBuffer<long>(64, 4096);
        var released = Simulate(buffer, events: 20_000, disorderMs: 2000, seed: 1);

        Assert.Equal(20_000, released);
        // The calendar must cover the disorder plus the step by which a new event raises the maximum.
        Assert.InRange(buffer.Span, 2048, 4096);
    }

    [Fact]
    public void Enqueue_DisorderWiderThanTheLargestSpan_StaysCorrectThroughTheHeap()
    {
        var buffer = new ReorderBuffer<long>(64, 128);
        var released = Simulate(buffer, events: 20_000, disorderMs: 2000, seed: 2);

        Assert.Equal(20_000, released);
        Assert.Equal(128, buffer.Span);
    }

    [Fact]
    public void Clear_ThenReuse_StartsEmpty()
    {
        var buffer = new ReorderBuffer<string>(64, 64);
        buffer.Enqueue("a", (10, 0));
        buffer.Enqueue("b", (1000, 1));
        buffer.Clear();

        Assert.Equal(0, buffer.Count);
        Assert.False(buffer.TryPeek(out _, out _));
        Assert.Empty(buffer.UnorderedItems);
        buffer.Enqueue("c", (-5, 2));
        Assert.Equal(["c"], Drain(buffer));
    }

    [Fact]
    public void Dequeue_Empty_Throws()
    {
        var buffer = new ReorderBuffer<string>();

        Assert.Throws<InvalidOperationException>(buffer.Dequeue);
    }

    [Theory]
    [InlineData(32, 64)]
    [InlineData(100, 128)]
    [InlineData(128, 64)]
    public void Constructor_BadSpan_Throws(int initial, int max)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReorderBuffer<string>(initial, max));
    }

    [Fact]
    public void Simulation_OperatorLikeStreamsWithBoundedDisorder_MatchAPriorityQueue()
    {
        for (var seed = 0; seed < 20; seed++)
        {
            Assert.Equal(5000, Simulate(new ReorderBuffer<long>(), events: 5000, disorderMs: 1 + (seed * 397 % 3000), seed));
        }
    }

    /// <summary>One step of a random history (see <see cref="Apply"/>).</summary>
    public sealed record Op(int Kind, int A, int B);

    private static readonly Gen<Op> OpGen = Gen.Frequency(
        (12, Gen.Choose(-60, 60).Select(a => new Op(0, a, 0))),          // enqueue near the clock
        (3, Gen.Constant(new Op(1, 0, 0))),                               // enqueue at the clock (equal timestamps)
        (4, Gen.Choose(0, 100).Select(a => new Op(2, a, 0))),             // clock moves forward
        (1, Gen.Choose(-62, 62).Select(a => new Op(3, a, 0))),            // clock jumps by ±2^|a|
        (1, Gen.Choose(0, 3).SelectMany(a => Gen.Choose(0, 70), (a, b) => new Op(4, a, b))), // clock near an extreme
        (5, Gen.Choose(-20, 80).Select(a => new Op(5, a, 0))),            // release up to clock − a
        (5, Gen.Choose(-20, 80).Select(a => new Op(10, a, 0))),           // the same through TryDequeue(upTo)
        (2, Gen.Constant(new Op(6, 0, 0))),                               // dequeue one
        (1, Gen.Constant(new Op(7, 0, 0))),                               // compare Count and UnorderedItems
        (1, Gen.Frequency((1, Gen.Constant(new Op(8, 0, 0))), (30, Gen.Constant(new Op(7, 0, 0))))), // Clear, rarely
        (2, Gen.Choose(10, 80).SelectMany(a => Gen.Choose(1, 1500), (a, b) => new Op(9, a, b)))); // a burst of A events over ±B ms

    [Fact]
    public void Property_RandomHistories_MatchAPriorityQueue()
    {
        // Small rings (grow and overflow paths), the default ring, increasing and scrambled arrival numbers.
        foreach (var (initial, max, scrambled) in new[] { (64, 64, false), (64, 512, false), (1024, 1 << 20, false), (64, 256, true) })
        {
            Prop.ForAll(Arb.From(Gen.ListOf(OpGen)), ops =>
            {
                var harness = new Harness(new ReorderBuffer<long>(initial, max), scrambled);
                foreach (var op in ops)
                {
                    harness.Apply(op);
                }
                harness.Release(long.MaxValue);
                harness.CheckContents();
                return true;
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithEndSize(400));
        }
    }

    /// <summary>The buffer next to a <see cref="PriorityQueue{TElement, TPriority}"/> reference.</summary>
    private sealed class Harness(ReorderBuffer<long> buffer, bool scrambled)
    {
        private readonly PriorityQueue<long, (long, long)> _model = new();
        private long _clock;
        private long _arrivals;

        public void Apply(Op op)
        {
            switch (op.Kind)
            {
                case 0:
                    Enqueue(Add(_clock, op.A));
                    break;
                case 1:
                    Enqueue(_clock);
                    break;
                case 2:
                    _clock = Add(_clock, op.A);
                    break;
                case 3:
                    _clock = Add(_clock, Math.Sign(op.A) * (1L << Math.Abs(op.A)));
                    break;
                case 4:
                    _clock = op.A switch
                    {
                        0 => long.MinValue + op.B,
                        1 => long.MaxValue - op.B,
                        2 => op.B - 35,
                        _ => long.MaxValue / 2 + op.B,
                    };
                    break;
                case 5:
                    Release(Add(_clock, -op.A));
                    break;
                case 6:
                    DequeueOne();
                    break;
                case 7:
                    CheckContents();
                    break;
                case 10:
                    ReleaseInOneCall(Add(_clock, -op.A));
                    break;
                case 9:
                    for (var i = 0; i < op.A; i++)
                    {
                        // A fixed scatter (golden-ratio steps) so the burst is reproducible from the op alone.
                        var offset = (long)((((i + _arrivals) * 0.6180339887) % 1.0) * 2 * op.B) - op.B;
                        Enqueue(Add(_clock, offset));
                    }
                    break;
                default:
                    buffer.Clear();
                    _model.Clear();
                    CheckContents();
                    break;
            }
        }

        public void Release(long watermark)
        {
            while (_model.TryPeek(out _, out var next) && next.Item1 <= watermark)
            {
                DequeueOne();
            }
            Assert.False(buffer.TryPeek(out _, out var order) && order.Timestamp <= watermark);
        }

        private void ReleaseInOneCall(long watermark)
        {
            while (buffer.TryDequeue(watermark, out var actual))
            {
                Assert.True(_model.TryDequeue(out var expected, out var order));
                Assert.True(order.Item1 <= watermark);
                Assert.Equal(expected, actual);
            }
            Assert.False(_model.TryPeek(out _, out var next) && next.Item1 <= watermark);
            CheckContents();
        }

        public void CheckContents()
        {
            Assert.Equal(_model.Count, buffer.Count);
            Assert.Equal(
                _model.UnorderedItems.Select(i => (i.Element, i.Priority)).Order(),
                buffer.UnorderedItems.Select(i => (i.Element, i.Priority)).Order());
        }

        private void DequeueOne()
        {
            if (!_model.TryDequeue(out var expected, out var expectedOrder))
            {
                Assert.False(buffer.TryPeek(out _, out _));
                return;
            }
            Assert.True(buffer.TryPeek(out var actual, out var actualOrder));
            Assert.Equal((expected, expectedOrder), (actual, actualOrder));
            buffer.Dequeue();
        }

        private void Enqueue(long timestamp)
        {
            var arrival = _arrivals++;
            // Scrambled: unique but not increasing arrival numbers.
            var sequence = scrambled && arrival % 3 == 1 ? -arrival : arrival;
            buffer.Enqueue(arrival, (timestamp, sequence));
            _model.Enqueue(arrival, (timestamp, sequence));
        }

        private static long Add(long a, long b)
        {
            var sum = unchecked(a + b);
            return ((a ^ sum) & (b ^ sum)) < 0 ? (b > 0 ? long.MaxValue : long.MinValue) : sum;
        }
    }

    /// <summary>Events as the operator buffers them: arrival at a steady rate, timestamp = arrival − a uniform delay in
    /// [0, disorder), late ones dropped, the watermark max − disorder − 1. Returns how many were released, each
    /// checked against a priority queue.</summary>
    private static int Simulate(ReorderBuffer<long> buffer, int events, long disorderMs, int seed)
    {
        var random = new Random(seed);
        var model = new PriorityQueue<long, (long, long)>();
        var watermark = long.MinValue;
        var max = long.MinValue;
        var released = 0;
        for (var i = 0; i < events; i++)
        {
            var timestamp = i * 3L - random.NextInt64(disorderMs);
            if (timestamp <= watermark)
            {
                timestamp = watermark + 1; // keep the count simple: a late event is pulled up rather than dropped
            }
            buffer.Enqueue(i, (timestamp, i));
            model.Enqueue(i, (timestamp, i));
            max = Math.Max(max, timestamp);
            watermark = Math.Max(watermark, max - disorderMs - 1);
            released += seed % 2 == 0 ? ReleaseBoth(buffer, model, watermark) : ReleaseInOneCall(buffer, model, watermark);
        }
        released += ReleaseBoth(buffer, model, long.MaxValue);
        Assert.Equal(0, buffer.Count);
        return released;
    }

    private static int ReleaseBoth(ReorderBuffer<long> buffer, PriorityQueue<long, (long, long)> model, long watermark)
    {
        var released = 0;
        while (buffer.TryPeek(out var actual, out var order) && order.Timestamp <= watermark)
        {
            buffer.Dequeue();
            Assert.True(model.TryDequeue(out var expected, out var expectedOrder));
            Assert.Equal((expected, expectedOrder), (actual, order));
            released++;
        }
        Assert.False(model.TryPeek(out _, out var next) && next.Item1 <= watermark);
        return released;
    }

    private static int ReleaseInOneCall(ReorderBuffer<long> buffer, PriorityQueue<long, (long, long)> model, long watermark)
    {
        var released = 0;
        while (buffer.TryDequeue(watermark, out var actual))
        {
            Assert.True(model.TryDequeue(out var expected, out _));
            Assert.Equal(expected, actual);
            released++;
        }
        Assert.False(model.TryPeek(out _, out var next) && next.Item1 <= watermark);
        return released;
    }

    [Fact]
    public void TryDequeue_HeadsOfAllThreeParts_ReleasesOnlyUpToTheLimit()
    {
        var buffer = new ReorderBuffer<string>(64, 64);
        buffer.Enqueue("ring", (100, 0));
        buffer.Enqueue("heap", (20, 1)); // overtakes: calendar (empty, so its cursor moves there)
        buffer.Enqueue("far", (100 + 64, 2)); // ring
        buffer.Enqueue("same-time-lower-number", (100, -1)); // beyond the calendar's span from 20: heap

        Assert.True(buffer.TryDequeue(99, out var first));
        Assert.Equal("heap", first);
        Assert.False(buffer.TryDequeue(99, out _));
        Assert.True(buffer.TryDequeue(100, out var second));
        Assert.Equal("same-time-lower-number", second);
        Assert.True(buffer.TryDequeue(100, out var third));
        Assert.Equal("ring", third);
        Assert.False(buffer.TryDequeue(163, out _));
        Assert.True(buffer.TryDequeue(long.MaxValue, out var fourth));
        Assert.Equal("far", fourth);
        Assert.Equal(0, buffer.Count);
    }

    private static List<T> Drain<T>(ReorderBuffer<T> buffer)
    {
        var drained = new List<T>();
        while (buffer.TryPeek(out var element, out _))
        {
            buffer.Dequeue();
            drained.Add(element);
        }
        Assert.Equal(0, buffer.Count);
        return drained;
    }
}
