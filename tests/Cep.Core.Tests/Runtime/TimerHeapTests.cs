using Cep.Runtime;

namespace Cep.Tests.Runtime;

public class TimerHeapTests
{
    [Fact]
    public void TimerHeap_RandomSetRemovePop_MatchesModel()
    {
        var random = new Random(7);
        var heap = new TimerHeap<int, int>();
        var states = Enumerable.Range(0, 50).Select(_ => new KeyRuns<int>()).ToArray();
        var model = new Dictionary<int, long>();
        for (var step = 0; step < 20_000; step++)
        {
            var key = random.Next(states.Length);
            switch (random.Next(4))
            {
                case 0:
                case 1:
                    var deadline = random.Next(1000);
                    heap.Set(key, states[key], deadline);
                    model[key] = deadline;
                    break;
                case 2:
                    heap.Remove(states[key]);
                    model.Remove(key);
                    break;
                default:
                    if (model.Count == 0)
                    {
                        Assert.False(heap.TryPeek(out _));
                        break;
                    }
                    var min = model.Values.Min();
                    Assert.True(heap.TryPeek(out var top));
                    Assert.Equal(min, top);
                    var (popped, state) = heap.Pop();
                    Assert.Equal(min, model[popped]);
                    Assert.Same(states[popped], state);
                    Assert.Equal(-1, state.HeapIndex);
                    Assert.Equal(long.MaxValue, state.TimerAt);
                    model.Remove(popped);
                    break;
            }
            Assert.Equal(model.Count, heap.Count);
            foreach (var (k, d) in model)
            {
                Assert.Equal(d, states[k].TimerAt);
            }
        }
    }
}
