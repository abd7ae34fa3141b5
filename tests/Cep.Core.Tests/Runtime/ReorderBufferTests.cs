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
    public void UnorderedItems_HoldsRingAndHeapEntries()
    {
        var buffer = new ReorderBuffer<string>();
        buffer.Enqueue("a", (10, 0));
        buffer.Enqueue("b", (5, 1));

        Assert.Equal(["a", "b"], buffer.UnorderedItems.Select(i => i.Element).Order());
        Assert.Equal(2, buffer.Count);
    }

    [Fact]
    public void Property_InterleavedEnqueuesAndDequeues_MatchAPriorityQueue()
    {
        var operations = Gen.ListOf(Gen.Choose(-20, 40));
        Prop.ForAll(Arb.From(operations), ops =>
        {
            var buffer = new ReorderBuffer<long>();
            var model = new PriorityQueue<long, (long, long)>();
            var clock = 0L;
            var sequence = 0L;
            foreach (var op in ops)
            {
                if (op < 30)
                {
                    // Mostly forward in time, sometimes behind (negative steps): both ring and heap are exercised.
                    clock += op;
                    buffer.Enqueue(sequence, (clock, sequence));
                    model.Enqueue(sequence, (clock, sequence));
                    sequence++;
                }
                else if (model.TryDequeue(out var expected, out _))
                {
                    if (!buffer.TryPeek(out var actual, out _) || actual != expected)
                    {
                        return false;
                    }
                    buffer.Dequeue();
                }
            }
            var rest = new List<long>();
            while (model.TryDequeue(out var next, out _))
            {
                rest.Add(next);
            }
            return Drain(buffer).SequenceEqual(rest);
        }).QuickCheckThrowOnFailure();
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
