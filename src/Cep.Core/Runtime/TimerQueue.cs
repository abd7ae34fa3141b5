namespace Cep.Runtime;

/// <summary>
/// The operator's timers: one (key, deadline) entry per registration, earliest first. Deadlines nearly always
/// arrive in non-decreasing order — in event time runs start in timestamp order (the reorder buffer releases
/// events sorted) and share one window, in processing time the clock only moves forward — so they go to a FIFO
/// ring, where adding and taking an entry is O(1) and touches memory sequentially. A deadline earlier than the
/// ring's last (a per-step window, a run re-registered after its first deadline passed) goes to a binary heap;
/// the earliest entry is the smaller of the two heads. Among equal deadlines the ring's entry comes first, so the
/// order in which keys fire is deterministic.
/// </summary>
internal sealed class TimerQueue<TKey>
{
    private readonly PriorityQueue<TKey, long> _heap = new();
    private Entry[] _ring = new Entry[16];
    private int _head;
    private int _count;
    private long _last = long.MinValue;

    public int Count => _count + _heap.Count;

    public void Enqueue(TKey key, long deadline)
    {
        if (deadline < _last && _count > 0)
        {
            _heap.Enqueue(key, deadline);
            return;
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
        _ring[tail] = new Entry(key, deadline);
        _count++;
        _last = deadline;
    }

    public bool TryPeek(out TKey key, out long deadline)
    {
        if (_count > 0)
        {
            ref var entry = ref _ring[_head];
            if (_heap.TryPeek(out key!, out deadline) && deadline < entry.Deadline)
            {
                return true;
            }
            key = entry.Key;
            deadline = entry.Deadline;
            return true;
        }
        return _heap.TryPeek(out key!, out deadline);
    }

    /// <summary>Removes the entry <see cref="TryPeek"/> returned.</summary>
    public void Dequeue()
    {
        if (_count > 0 && !(_heap.TryPeek(out _, out var top) && top < _ring[_head].Deadline))
        {
            _ring[_head] = default;
            _head = _head + 1 == _ring.Length ? 0 : _head + 1;
            _count--;
            return;
        }
        _heap.Dequeue();
    }

    public void Clear()
    {
        Array.Clear(_ring);
        _head = 0;
        _count = 0;
        _last = long.MinValue;
        _heap.Clear();
    }

    private void Grow()
    {
        var larger = new Entry[_ring.Length * 2];
        var firstPart = Math.Min(_count, _ring.Length - _head);
        Array.Copy(_ring, _head, larger, 0, firstPart);
        Array.Copy(_ring, 0, larger, firstPart, _count - firstPart);
        _ring = larger;
        _head = 0;
    }

    private readonly record struct Entry(TKey Key, long Deadline);
}
