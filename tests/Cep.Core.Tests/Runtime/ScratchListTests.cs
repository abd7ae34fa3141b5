using System.Runtime.CompilerServices;
using Cep.Runtime;
using Xunit;

namespace Cep.Core.Tests.Runtime;

public sealed class ScratchListTests
{
    [Fact]
    public void Add_BeyondItsFirstCapacity_KeepsEveryItemInOrder()
    {
        var list = new ScratchList<(string Name, long Value)>();

        for (var i = 0; i < 10; i++)
        {
            ref var slot = ref list.Add();
            Assert.Equal(default, slot);
            slot = ("item" + i, i);
        }

        Assert.Equal(10, list.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => ("item" + i, (long)i)), list.AsSpan().ToArray());
    }

    [Fact]
    public void Add_AfterClear_HandsOutDefaultSlots()
    {
        var list = new ScratchList<(string Name, long Value)>();
        list.Add(("a", 1));
        list.Add(("b", 2));

        list.Clear();

        Assert.Equal(0, list.Count);
        Assert.Equal(default, list.Add());
        Assert.Equal(default, list.Add());
    }

    [Fact]
    public void Clear_DropsTheReferencesItsItemsHeld()
    {
        var list = new ScratchList<(object? Held, int Tag)>();
        var weak = AddUnreachable(list);

        list.Clear();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(weak.IsAlive);
    }

    [Fact]
    public void Indexer_PastCount_Throws()
    {
        var list = new ScratchList<long>();
        list.Add(5);

        Assert.Equal(5, list[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[1]);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference AddUnreachable(ScratchList<(object? Held, int Tag)> list)
    {
        var held = new object();
        list.Add((held, 1));
        return new WeakReference(held);
    }
}
