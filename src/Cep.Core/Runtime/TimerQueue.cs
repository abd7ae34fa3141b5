using System.Runtime.CompilerServices;

namespace Cep.Runtime;

/// <summary>
/// The operator's timers: one (key, deadline) entry per registration, earliest first. Deadlines nearly always
/// arrive in non-decreasing order — in event time runs start in timestamp order (the reorder buffer releases
/// events sorted) and share one window, in processing time the clock only moves forward — so they go to a FIFO
/// ring, where adding and taking an entry is O(1) and touches memory sequentially. A deadline earlier than the
/// ring's last (a per-step window, a run re-registered after its first deadline passed) goes to a binary heap;
/// the earliest entry is the smaller of the two heads. Among equal deadlines the ring's entry comes first, so the
/// order in which keys fire is deterministic. A ring entry stores its deadline as the difference from the entry
/// before it (32 bits; a larger step goes to the heap), so with an <c>int</c> key — the operator queues its key
/// table's handles — an entry is 8 bytes, and every pending partial match has one.
/// </summary>
/// <remarks>
/// A key that finishes before its deadline (most keys: the order was paid) leaves its entry behind. A ring entry
/// can be cancelled through the slot <see cref="Enqueue"/> returned: one bit in a bitmap of the ring (a few
/// kilobytes, cache resident), so the stale entry is later dropped without looking the key up. Heap entries
/// and entries of keys that are still open are recognised by the operator instead (the key's deadline moved).
/// </remarks>
internal sealed class TimerQueue<TKey>
{
    /// <summary>What <see cref="Enqueue"/> returns for an entry that cannot be cancelled (it went to the heap).</summary>
    public const int NoSlot = -1;

    private readonly PriorityQueue<TKey, long> _heap = new();
    private Entry[] _ring = new Entry[16];
    private ulong[] _cancelled = new ulong[1];
    private int _head;
    private int _count;

    // Ring positions handed out as slots are absolute (they survive the ring growing): the head's is _headSeq.
    private long _headSeq;
    private long _last = long.MinValue;

    // Deadline of the ring's head entry; each later entry adds its delta.
    private long _headDeadline;

    public int Count => _count + _heap.Count;

    /// <summary>Adds an entry; returns its slot for <see cref="Cancel"/>, or <see cref="NoSlot"/>.</summary>
    public int Enqueue(TKey key, long deadline)
    {
        if (_count > 0 && (deadline < _last || (ulong)deadline - (ulong)_last > int.MaxValue))
        {
            _heap.Enqueue(key, deadline);
            return NoSlot;
        }
        if (_count == _ring.Length)
        {
            Grow();
        }
        var tail = _head + _count;
        if (tail >= _ring.Length)
        {
            tail -= _ring.Length;
        }
        if (_count == 0)
        {
            _headDeadline = deadline;
            _ring[tail] = new Entry(key, 0);
        }
        else
        {
            _ring[tail] = new Entry(key, (int)(deadline - _last));
        }
        var slot = (int)((_headSeq + _count) & int.MaxValue);
        _count++;
        _last = deadline;
        return slot;
    }

    /// <summary>
    /// Drops the ring entry at <paramref name="slot"/>. The caller guarantees the slot is its key's live entry
    /// (the operator keeps a key's slot only while that entry is queued); the entry itself is not read, because
    /// it was written a whole window ago and reading it would be the cache miss cancelling is meant to avoid.
    /// A slot no longer queued is ignored.
    /// </summary>
    public void Cancel(int slot)
    {
        if (slot < 0)
        {
            return;
        }
        var offset = (slot - (int)(_headSeq & int.MaxValue)) & int.MaxValue;
        if (offset >= _count)
        {
            return;
        }
        var index = _head + offset;
        if (index >= _ring.Length)
        {
            index -= _ring.Length;
        }
        _cancelled[index >> 6] |= 1UL << index;
    }

    /// <summary>The earliest live entry, dropping cancelled ones on the way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPeek(out TKey key, out long deadline)
    {
        while (_count > 0)
        {
            if ((_cancelled[_head >> 6] & (1UL << _head)) != 0)
            {
                RemoveHead();
                continue;
            }
            if (_heap.TryPeek(out key!, out deadline) && deadline < _headDeadline)
            {
                return true;
            }
            key = _ring[_head].Key;
            deadline = _headDeadline;
            return true;
        }
        return _heap.TryPeek(out key!, out deadline);
    }

    /// <summary>Removes the entry <see cref="TryPeek"/> returned.</summary>
    public void Dequeue()
    {
        if (_count > 0 && !(_heap.TryPeek(out _, out var top) && top < _headDeadline))
        {
            RemoveHead();
            return;
        }
        _heap.Dequeue();
    }

    public void Clear()
    {
        Array.Clear(_ring);
        Array.Clear(_cancelled);
        _head = 0;
        _count = 0;
        _headSeq = 0;
        _last = long.MinValue;
        _heap.Clear();
    }

    private void RemoveHead()
    {
        _ring[_head] = default;
        _cancelled[_head >> 6] &= ~(1UL << _head);
        _head = _head + 1 == _ring.Length ? 0 : _head + 1;
        _count--;
        _headSeq++;
        if (_count > 0)
        {
            _headDeadline += _ring[_head].Delta;
        }
    }

    private void Grow()
    {
        // By half again, not double: every pending partial match has an entry, and the ring's average slack is
        // then ~20 % instead of ~40 % (indices wrap by comparison, so any length works).
        var larger = new Entry[_ring.Length + (_ring.Length / 2)];
        var cancelled = new ulong[(larger.Length + 63) >> 6];
        for (var i = 0; i < _count; i++)
        {
            var from = _head + i;
            if (from >= _ring.Length)
            {
                from -= _ring.Length;
            }
            larger[i] = _ring[from];
            if ((_cancelled[from >> 6] & (1UL << from)) != 0)
            {
                cancelled[i >> 6] |= 1UL << i;
            }
        }
        _ring = larger;
        _cancelled = cancelled;
        _head = 0;
    }

    private readonly record struct Entry(TKey Key, int Delta);
}
