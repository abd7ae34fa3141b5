namespace Cep.Runtime;

/// <summary>
/// The operator's timers: a binary min-heap of (deadline, key) with at most one entry per key. Each key's state
/// remembers its position, so a key that finishes removes its timer at once instead of leaving a stale entry to
/// be popped a whole window later.
/// </summary>
internal sealed class TimerHeap<T, TKey>
{
    private struct Entry
    {
        public long Deadline;
        public TKey Key;
        public KeyRuns<T> State;
    }

    private Entry[] _entries = new Entry[16];
    private int _count;

    public int Count => _count;

    public bool TryPeek(out long deadline)
    {
        if (_count == 0)
        {
            deadline = 0;
            return false;
        }
        deadline = _entries[0].Deadline;
        return true;
    }

    /// <summary>Sets the key's timer (adding, moving earlier or later).</summary>
    public void Set(TKey key, KeyRuns<T> state, long deadline)
    {
        var i = state.HeapIndex;
        if (i < 0)
        {
            if (_count == _entries.Length)
            {
                Array.Resize(ref _entries, _count * 2);
            }
            i = _count++;
            _entries[i] = new Entry { Deadline = deadline, Key = key, State = state };
            state.HeapIndex = i;
            state.TimerAt = deadline;
            SiftUp(i);
            return;
        }
        var old = _entries[i].Deadline;
        _entries[i].Deadline = deadline;
        state.TimerAt = deadline;
        if (deadline < old)
        {
            SiftUp(i);
        }
        else if (deadline > old)
        {
            SiftDown(i);
        }
    }

    public void Remove(KeyRuns<T> state)
    {
        var i = state.HeapIndex;
        if (i < 0)
        {
            return;
        }
        state.HeapIndex = -1;
        state.TimerAt = long.MaxValue;
        var last = --_count;
        if (i != last)
        {
            _entries[i] = _entries[last];
            _entries[i].State.HeapIndex = i;
            _entries[last] = default;
            if (i > 0 && _entries[i].Deadline < _entries[(i - 1) / 2].Deadline)
            {
                SiftUp(i);
            }
            else
            {
                SiftDown(i);
            }
        }
        else
        {
            _entries[last] = default;
        }
    }

    /// <summary>Removes and returns the earliest timer.</summary>
    public (TKey Key, KeyRuns<T> State) Pop()
    {
        var top = _entries[0];
        Remove(top.State);
        return (top.Key, top.State);
    }

    public void Clear()
    {
        for (var i = 0; i < _count; i++)
        {
            _entries[i].State.HeapIndex = -1;
            _entries[i].State.TimerAt = long.MaxValue;
        }
        Array.Clear(_entries, 0, _count);
        _count = 0;
    }

    private void SiftUp(int i)
    {
        var entry = _entries[i];
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (_entries[parent].Deadline <= entry.Deadline)
            {
                break;
            }
            _entries[i] = _entries[parent];
            _entries[i].State.HeapIndex = i;
            i = parent;
        }
        _entries[i] = entry;
        entry.State.HeapIndex = i;
    }

    private void SiftDown(int i)
    {
        var entry = _entries[i];
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= _count)
            {
                break;
            }
            if (child + 1 < _count && _entries[child + 1].Deadline < _entries[child].Deadline)
            {
                child++;
            }
            if (entry.Deadline <= _entries[child].Deadline)
            {
                break;
            }
            _entries[i] = _entries[child];
            _entries[i].State.HeapIndex = i;
            i = child;
        }
        _entries[i] = entry;
        entry.State.HeapIndex = i;
    }
}
