using Cep.Runtime;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Cep.Core.Tests.Runtime;

public sealed class TimerQueueTests
{
    [Fact]
    public void TryPeek_RingAndHeapEntries_ComeOutInDeadlineOrderRingFirstOnTies()
    {
        var queue = new TimerQueue<string>();
        queue.Enqueue("a", 10);
        queue.Enqueue("b", 20);
        queue.Enqueue("c", 5); // earlier than the ring's last: goes to the heap
        queue.Enqueue("d", 20);
        queue.Enqueue("e", 10); // heap, ties with the ring's "a"

        Assert.Equal(["c:5", "a:10", "e:10", "b:20", "d:20"], Drain(queue));
    }

    [Fact]
    public void Cancel_RingEntry_IsSkipped()
    {
        var queue = new TimerQueue<int>();
        var slots = Enumerable.Range(0, 5).Select(i => queue.Enqueue(i, 100 + i)).ToArray();

        queue.Cancel(slots[0]);
        queue.Cancel(slots[3]);

        Assert.Equal(["1:101", "2:102", "4:104"], Drain(queue));
    }

    [Fact]
    public void Cancel_NoSlot_LeavesEveryEntry()
    {
        var queue = new TimerQueue<int>();
        queue.Enqueue(7, 100);
        queue.Enqueue(8, 50);

        queue.Cancel(TimerQueue<int>.NoSlot);

        Assert.Equal(["8:50", "7:100"], Drain(queue));
    }

    [Fact]
    public void Cancel_SlotOfAnEntryAlreadyTaken_DoesNotTouchItsSuccessor()
    {
        var queue = new TimerQueue<int>();
        var first = queue.Enqueue(1, 10);
        queue.Enqueue(1, 20);
        Assert.True(queue.TryPeek(out _, out _));
        queue.Dequeue();

        queue.Cancel(first);

        Assert.Equal(["1:20"], Drain(queue));
    }

    [Fact]
    public void Cancel_AfterTheRingGrewAndWrapped_FindsTheEntry()
    {
        var queue = new TimerQueue<int>();
        var slots = new Dictionary<int, int>();
        var next = 0;
        // Wrap the ring around several times while it grows, cancelling every third entry.
        for (var round = 0; round < 40; round++)
        {
            for (var i = 0; i < 7; i++, next++)
            {
                slots[next] = queue.Enqueue(next, next);
            }
            for (var i = 0; i < 5; i++)
            {
                Assert.True(queue.TryPeek(out var key, out _));
                queue.Dequeue();
                slots.Remove(key);
            }
        }
        foreach (var (key, slot) in slots.Where(s => s.Key % 3 == 0).ToList())
        {
            queue.Cancel(slot);
            slots.Remove(key);
        }

        Assert.Equal(slots.Keys.Order().Select(k => $"{k}:{k}"), Drain(queue));
    }

    [Fact]
    public void Enqueue_DeadlinesFarApartAndAtTheEndsOfTime_ComeOutInOrder()
    {
        var queue = new TimerQueue<int>();
        queue.Enqueue(1, long.MinValue);
        queue.Enqueue(2, 0);
        queue.Enqueue(3, 5_000_000_000); // more than a 32-bit step after the last
        queue.Enqueue(4, 5_000_000_001);
        queue.Enqueue(5, long.MaxValue);
        queue.Enqueue(6, 5_000_000_002);

        Assert.Equal(
            ["1:-9223372036854775808", "2:0", "3:5000000000", "4:5000000001", "6:5000000002", "5:9223372036854775807"],
            Drain(queue));
    }

    [Fact]
    public void Property_AnyMixOfEnqueuesCancelsAndDequeues_MatchesASortedModel()
    {
        var operations = Gen.ListOf(Gen.Choose(0, 99));
        Prop.ForAll(Arb.From(operations), ops =>
        {
            var queue = new TimerQueue<int>();
            var model = new List<(long Deadline, int Key, int Slot, long Order)>();
            var order = 0L;
            var clock = 0L;
            foreach (var op in ops)
            {
                if (op < 50)
                {
                    // Mostly rising deadlines (the ring), sometimes earlier ones (the heap), sometimes a step too
                    // large for a ring entry's 32-bit delta (the heap too).
                    clock += op % 11 == 0 ? 3_000_000_000L : op % 5;
                    var deadline = op % 7 == 0 ? clock - op : clock;
                    var key = (int)order;
                    var slot = queue.Enqueue(key, deadline);
                    model.Add((deadline, key, slot, order++));
                }
                else if (op < 75 && model.Count > 0)
                {
                    var victim = model[op % model.Count];
                    if (victim.Slot != TimerQueue<int>.NoSlot)
                    {
                        queue.Cancel(victim.Slot);
                        model.Remove(victim);
                    }
                }
                else if (queue.TryPeek(out var key, out var deadline))
                {
                    var earliest = model.Min(m => m.Deadline);
                    if (deadline != earliest || !model.Any(m => m.Key == key && m.Deadline == deadline))
                    {
                        return false;
                    }
                    queue.Dequeue();
                    model.RemoveAll(m => m.Key == key);
                }
            }
            var rest = Drain(queue);
            return rest.Count == model.Count
                && rest.Select(r => long.Parse(r.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)).SequenceEqual(model.Select(m => m.Deadline).Order());
        }).QuickCheckThrowOnFailure();
    }

    private static List<string> Drain<TKey>(TimerQueue<TKey> queue)
    {
        var drained = new List<string>();
        while (queue.TryPeek(out var key, out var deadline))
        {
            queue.Dequeue();
            drained.Add($"{key}:{deadline}");
        }
        Assert.Equal(0, queue.Count);
        return drained;
    }
}
