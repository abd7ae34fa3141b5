using System.Runtime.CompilerServices;
using Cep.Runtime;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Cep.Core.Tests.Runtime;

public sealed class KeyTableTests
{
    [Fact]
    public void GetValueRefOrAddDefault_NewKey_AddsDefaultAndChangesInPlace()
    {
        var table = new KeyTable<long, int>();

        ref var value = ref table.GetValueRefOrAddDefault(42, out var exists);
        Assert.False(exists);
        Assert.Equal(0, value);
        value = 7;

        ref var again = ref table.GetValueRefOrAddDefault(42, out exists);
        Assert.True(exists);
        Assert.Equal(7, again);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void AddNew_WithoutValue_AfterARemoval_HandsOutADefaultState()
    {
        var table = new KeyTable<long, (string? Name, long Value)>();
        table.GetValueRefOrAddDefault(1, out _) = ("one", 1);
        table.Remove(1);

        Assert.True(Unsafe.IsNullRef(ref table.Find(2, out var handle, out var hash)));
        ref var added = ref table.AddNew(2, hash, out handle);

        // The freed entry is reused: nothing of the removed key's state is left in it.
        Assert.Equal(default, added);
        added = ("two", 2);
        Assert.Equal(("two", 2L), table.ValueAt(handle));
        Assert.Equal(2, table.KeyAt(handle));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void PrefetchHandle_AnyHandle_ChangesNothing()
    {
        var table = new KeyTable<long, int>();
        table.PrefetchHandle(1);
        table.GetValueRefOrAddDefault(5, out _) = 50;
        table.GetValueRefOrAddDefault(6, out _) = 60;
        var handle = table.HandleOf(6);
        table.Remove(6);

        // A live handle, a freed one, and numbers no entry ever had: a timer queue may hold any of them.
        foreach (var h in new[] { table.HandleOf(5), handle, 0, -1, 3, int.MaxValue })
        {
            table.PrefetchHandle(h);
        }

        Assert.Equal(1, table.Count);
        Assert.Equal(50, table.GetValueRefOrNullRef(5));
        Assert.False(table.IsLive(handle));
    }

    [Fact]
    public void GetValueRefOrNullRef_MissingKey_IsNullRef()
    {
        var table = new KeyTable<string, int>();
        Assert.True(Unsafe.IsNullRef(ref table.GetValueRefOrNullRef("a")));

        table.GetValueRefOrAddDefault("a", out _) = 1;

        Assert.True(Unsafe.IsNullRef(ref table.GetValueRefOrNullRef("b")));
        Assert.Equal(1, table.GetValueRefOrNullRef("a"));
    }

    [Fact]
    public void Remove_InsideACollisionCluster_KeepsEveryOtherKeyReachable()
    {
        // Every key hashes alike: one cluster, and each removal shifts the rest back.
        var table = new KeyTable<int, int>(new ConstantHash());
        for (var i = 0; i < 12; i++)
        {
            table.GetValueRefOrAddDefault(i, out _) = i * 10;
        }

        Assert.True(table.Remove(0));
        Assert.True(table.Remove(5));
        Assert.True(table.Remove(11));
        Assert.False(table.Remove(5));

        Assert.Equal(9, table.Count);
        foreach (var i in new[] { 1, 2, 3, 4, 6, 7, 8, 9, 10 })
        {
            Assert.True(table.TryGetValue(i, out var value));
            Assert.Equal(i * 10, value);
        }
        Assert.False(table.ContainsKey(0));
    }

    [Fact]
    public void Capacity_GrowsToALargerPrimeWhenFull()
    {
        var table = new KeyTable<long, long>();
        for (var i = 0L; i < 100_000; i++)
        {
            table.GetValueRefOrAddDefault(i, out _) = i;
        }

        Assert.InRange(table.Capacity, 100_000, 200_000);
        Assert.Equal(100_000, table.Count);
        Assert.Equal(99_999L, table.GetValueRefOrNullRef(99_999));
    }

    [Fact]
    public void Remove_ThenAdd_ReusesTheFreedEntryAndKeepsOtherHandles()
    {
        var table = new KeyTable<long, long>();
        table.GetValueRefOrAddDefault(1, out _, out var kept) = 10;
        table.GetValueRefOrAddDefault(2, out _) = 20;

        table.Remove(2);
        table.GetValueRefOrAddDefault(3, out _) = 30;
        for (var i = 100L; i < 10_000; i++)
        {
            table.GetValueRefOrAddDefault(i, out _) = i; // grows the first chunk and adds others
        }

        Assert.Equal(10, table.ValueAt(kept));
        Assert.Equal(30L, table.GetValueRefOrNullRef(3));
        Assert.Equal([1L, 3L], table.CopyKeys().Where(k => k < 100).Order());
    }

    [Fact]
    public void EnsureCapacity_MakesRoomWithoutFurtherGrowth()
    {
        var table = new KeyTable<long, long>();
        table.EnsureCapacity(1000);
        var capacity = table.Capacity;

        for (var i = 0L; i < 1000; i++)
        {
            table.GetValueRefOrAddDefault(i * 1_000_003, out _) = i;
        }

        Assert.InRange(capacity, 1000, 1100);
        Assert.Equal(capacity, table.Capacity);
    }

    [Fact]
    public void Handle_ReachesItsKeyUntilRemovedThenBelongsToTheNextKeyAdded()
    {
        var table = new KeyTable<string, int>();
        table.GetValueRefOrAddDefault("a", out _, out var handle) = 1;
        table.GetValueRefOrAddDefault("b", out _, out var other) = 2;

        Assert.True(table.IsLive(handle));
        Assert.Equal("a", table.KeyAt(handle));
        Assert.Equal(1, table.ValueAt(handle));
        table.GetValueRefOrAddDefault("a", out var exists, out var again);
        Assert.True(exists);
        Assert.Equal(handle, again);

        table.Remove("a");
        Assert.False(table.IsLive(handle));
        Assert.False(table.IsLive(0));
        Assert.False(table.IsLive(99));
        table.GetValueRefOrAddDefault("c", out _, out var reused) = 3;

        Assert.Equal(handle, reused);
        Assert.Equal("c", table.KeyAt(handle));
        Assert.Equal("b", table.KeyAt(other));
    }

    [Fact]
    public void Clear_ForgetsEveryKeyAndStaysUsable()
    {
        var table = new KeyTable<string, int>();
        table.GetValueRefOrAddDefault("a", out _) = 1;
        table.GetValueRefOrAddDefault("b", out _) = 2;

        table.Clear();

        Assert.Equal(0, table.Count);
        Assert.False(table.ContainsKey("a"));
        Assert.Empty(table.Keys);
        table.GetValueRefOrAddDefault("a", out var exists) = 3;
        Assert.False(exists);
        Assert.Equal(["a"], table.CopyKeys());
    }

    [Fact]
    public void Operations_AnySequence_AgreeWithADictionary()
    {
        // Small key ranges force collisions, re-adds after removal and long clusters; a weak comparer (16 hash
        // values) forces clusters across the table's wrap-around.
        var operations = Gen.ListOf(Gen.Zip(Gen.Choose(0, 3), Gen.Choose(0, 200)));
        Prop.ForAll(Arb.From(operations), ops =>
        {
            var table = new KeyTable<int, int>(new WeakHash());
            var reference = new Dictionary<int, int>();
            var step = 0;
            foreach (var (kind, key) in ops)
            {
                step++;
                switch (kind)
                {
                    case 0:
                    case 1:
                        table.GetValueRefOrAddDefault(key, out var exists) = step;
                        Assert.Equal(reference.ContainsKey(key), exists);
                        reference[key] = step;
                        break;
                    case 2 when key % 2 == 0:
                        Assert.Equal(reference.Remove(key), table.Remove(key));
                        break;
                    case 2:
                        // By handle, as the operator releases a key.
                        table.GetValueRefOrAddDefault(key, out var present, out var handle);
                        table.RemoveAt(handle);
                        Assert.Equal(reference.Remove(key), present);
                        break;
                    default:
                        Assert.Equal(reference.TryGetValue(key, out var expected), table.TryGetValue(key, out var actual));
                        Assert.Equal(expected, actual);
                        break;
                }
                Assert.Equal(reference.Count, table.Count);
            }
            var pairs = new List<(int, int)>();
            for (var e = table.GetEnumerator(); e.MoveNext();)
            {
                pairs.Add((e.CurrentKey, e.CurrentValue));
            }
            Assert.Equal(reference.Select(p => (p.Key, p.Value)).Order(), pairs.Order());
            Assert.Equal(reference.Keys.Order(), table.CopyKeys().Order());
        }).QuickCheckThrowOnFailure();
    }

    private sealed class ConstantHash : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => x == y;

        public int GetHashCode(int obj) => 1;
    }

    private sealed class WeakHash : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => x == y;

        public int GetHashCode(int obj) => obj % 16;
    }
}
