using Cep.Runtime;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Cep.Core.Tests.Runtime;

public sealed class ChangeTrackerTests
{
    [Fact]
    public void Drain_HandlesPastTheFirstWords_VisitsEachChangedHandleOnceInOrder()
    {
        var tracker = new ChangeTracker<string>();
        int[] handles = [5000, 3, 64, 63, 5000, 1025, 3];
        foreach (var handle in handles)
        {
            tracker.MarkChanged(handle);
        }

        Assert.Equal(5, tracker.Count);
        Assert.Equal([3, 63, 64, 1025, 5000], tracker.ChangedHandles());
        var visitor = new Collect();
        tracker.Drain(ref visitor);
        Assert.Equal([3, 63, 64, 1025, 5000], visitor.Handles);
        Assert.Equal(0, tracker.Count);
        Assert.Empty(tracker.ChangedHandles());
    }

    [Fact]
    public void OnRemoved_OnlyKeysTheStoreHoldsAreRemembered()
    {
        var tracker = new ChangeTracker<string>();
        tracker.MarkChanged(1);
        tracker.MarkChanged(2);
        var drain = new Collect();
        tracker.Drain(ref drain); // 1 and 2 are in the store now
        tracker.MarkStored(3000); // restored

        tracker.MarkChanged(4); // new since the checkpoint
        tracker.OnRemoved(4, "k4");
        tracker.OnRemoved(2, "k2");
        tracker.OnRemoved(3000, "k3000");

        Assert.Equal(["k2", "k3000"], tracker.Removed);
        Assert.Empty(tracker.ChangedHandles());

        // Handle 2 goes to a new key: changed, not stored until drained.
        tracker.MarkChanged(2);
        tracker.OnRemoved(2, "other");
        Assert.Equal(["k2", "k3000"], tracker.Removed);
    }

    [Fact]
    public void Tracker_RandomMarksAndRemovals_AgreesWithSetsOfKeys()
    {
        // Model: a dictionary handle → key of live keys, a set of stored keys, a set of changed handles.
        var ops = Gen.ListOf(Gen.Choose(0, 2).SelectMany(kind => Gen.Choose(1, 300), (kind, handle) => (kind, handle)));
        Prop.ForAll(Arb.From(ops), list =>
        {
            var tracker = new ChangeTracker<string>();
            var live = new Dictionary<int, string>();
            var stored = new HashSet<int>();
            var changed = new SortedSet<int>();
            var removed = new List<string>();
            var next = 0;
            foreach (var (kind, handle) in list)
            {
                switch (kind)
                {
                    case 0: // an event for the key at handle (added if absent)
                        if (!live.ContainsKey(handle))
                        {
                            live[handle] = "k" + next++;
                        }
                        tracker.MarkChanged(handle);
                        changed.Add(handle);
                        break;
                    case 1 when live.TryGetValue(handle, out var key): // the key empties and leaves
                        tracker.OnRemoved(handle, key);
                        live.Remove(handle);
                        changed.Remove(handle);
                        if (stored.Remove(handle))
                        {
                            removed.Add(key);
                        }
                        break;
                    case 2: // a checkpoint
                        Assert.Equal(changed, tracker.ChangedHandles());
                        Assert.Equal(removed, tracker.Removed);
                        var visitor = new Collect();
                        tracker.Drain(ref visitor);
                        Assert.Equal(changed, visitor.Handles);
                        stored.UnionWith(changed);
                        changed.Clear();
                        removed.Clear();
                        break;
                }
            }

            Assert.Equal(changed, tracker.ChangedHandles());
            Assert.Equal(removed, tracker.Removed);
        }).QuickCheckThrowOnFailure();
    }

    private struct Collect : IHandleVisitor
    {
        private List<int>? _handles;

        public List<int> Handles => _handles ??= [];

        public void Visit(int handle) => Handles.Add(handle);
    }
}
