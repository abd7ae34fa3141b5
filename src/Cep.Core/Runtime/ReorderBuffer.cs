using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cep.Runtime;

/// <summary>
/// Events waiting for the watermark, released in (timestamp, arrival) order, with O(1) insert and release for
/// bounded disorder. Three parts; the next event is the smallest of their heads, so the order is exactly a single
/// priority queue's for any input:
/// <list type="bullet">
/// <item>A FIFO ring for events not earlier than the last one it took: a stream in order goes only through it (an
/// append and a pop over sequential memory).</item>
/// <item>A calendar for the events that overtake it: a power-of-two ring of one-millisecond buckets covering
/// [cursor, cursor + buckets), the cursor being the earliest bucket in use. Each bucket is a FIFO list threaded
/// through a pooled entry array; a bucket holds one timestamp, and since arrival numbers grow, appending keeps it in
/// (timestamp, arrival) order without sorting. A two-level bitmap of non-empty buckets lets the cursor jump over
/// empty spans 64 or 4096 buckets at a time.</item>
/// <item>An overflow heap for what the calendar cannot place in order: beyond its span, behind its cursor by more
/// than the span, or an arrival number not above its bucket's last. When events keep missing the calendar because
/// the disorder is wider than its span, the calendar grows to fit them (up to <see cref="DefaultMaxBuckets"/>).</item>
/// </list>
/// </summary>
internal sealed class ReorderBuffer<TElement>
{
    /// <summary>Initial calendar span in milliseconds: enough for sub-second disorder without growing.</summary>
    public const int DefaultInitialBuckets = 1024;

    /// <summary>Largest calendar span (~17.5 minutes, 8 MiB of buckets); wider disorder is served by the heap.</summary>
    public const int DefaultMaxBuckets = 1 << 20;

    private const int MissesBeforeGrowing = 32;
    private const int None = 0;
    private const int FromRing = 1;
    private const int FromCalendar = 2;
    private const int FromHeap = 3;

    private readonly PriorityQueue<TElement, (long Timestamp, long Sequence)> _heap = new();
    private readonly int _maxBuckets;

    private Item[] _ring = new Item[16];
    private int _ringHead;
    private int _ringCount;
    private long _ringLastTimestamp;
    private long _ringLastSequence;

    private Bucket[] _buckets;
    private ulong[] _bits;
    private ulong[] _summary;
    private int _mask;
    private Entry[] _entries = new Entry[64];
    private int _entriesUsed;
    private int _free = -1;
    private int _calendarCount;
    private long _cursor;
    private long _maxSlot;
    private int _misses;

    public ReorderBuffer()
        : this(DefaultInitialBuckets, DefaultMaxBuckets)
    {
    }

    /// <summary>A buffer whose calendar starts with <paramref name="initialBuckets"/> one-millisecond buckets and may
    /// grow to <paramref name="maxBuckets"/> (both powers of two, at least 64).</summary>
    public ReorderBuffer(int initialBuckets, int maxBuckets)
    {
        if (initialBuckets < 64 || !BitOperations.IsPow2(initialBuckets))
        {
            throw new ArgumentOutOfRangeException(nameof(initialBuckets), initialBuckets, "Must be a power of two, at least 64.");
        }
        if (maxBuckets < initialBuckets || !BitOperations.IsPow2(maxBuckets))
        {
            throw new ArgumentOutOfRangeException(nameof(maxBuckets), maxBuckets, "Must be a power of two, at least initialBuckets.");
        }
        _maxBuckets = maxBuckets;
        (_buckets, _bits, _summary) = NewCalendar(initialBuckets);
        _mask = initialBuckets - 1;
    }

    public int Count => _ringCount + _calendarCount + _heap.Count;

    /// <summary>Whether only the ring holds events: a stream in order, whose next event is the ring's head.</summary>
    private bool OnlyRing => _calendarCount == 0 && _heap.Count == 0 && _ringCount > 0;

    /// <summary>Number of one-millisecond buckets in the calendar (its span), for tests and diagnostics.</summary>
    public int Span => _buckets.Length;

    /// <summary>Every buffered element with its order, in no particular order (for snapshots).</summary>
    public IEnumerable<(TElement Element, (long Timestamp, long Sequence) Priority)> UnorderedItems
    {
        get
        {
            for (var i = 0; i < _ringCount; i++)
            {
                var item = _ring[(_ringHead + i) & (_ring.Length - 1)];
                yield return (item.Element, (item.Timestamp, item.Sequence));
            }
            for (var word = 0; word < _bits.Length; word++)
            {
                var bits = _bits[word];
                while (bits != 0)
                {
                    var index = (word << 6) | BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    var timestamp = SlotOf(index);
                    for (var e = _buckets[index].Head; e >= 0; e = _entries[e].Next)
                    {
                        yield return (_entries[e].Element, (timestamp, _entries[e].Sequence));
                    }
                }
            }
            foreach (var item in _heap.UnorderedItems)
            {
                yield return item;
            }
        }
    }

    // The element by reference and the ring's append inlined into the caller: passed by value through a call, the
    // operator's 32-byte buffered event went to the stack in 8-byte stores and was read back with one 32-byte load,
    // which the processor cannot forward from them, so it waited for the stores to retire — behind the key table's
    // bucket load, a cache miss (~6 % of engine-only W1 samples stalled there).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enqueue(in TElement element, (long Timestamp, long Sequence) order)
    {
        if (_ringCount == 0 || order.Timestamp > _ringLastTimestamp
            || (order.Timestamp == _ringLastTimestamp && order.Sequence >= _ringLastSequence))
        {
            if (_ringCount == _ring.Length)
            {
                GrowRing();
            }
            // Field by field: a constructed Item went through a stack temporary copied with one 32-byte load.
            ref var slot = ref _ring[(_ringHead + _ringCount) & (_ring.Length - 1)];
            slot.Element = element;
            slot.Timestamp = order.Timestamp;
            slot.Sequence = order.Sequence;
            _ringCount++;
            _ringLastTimestamp = order.Timestamp;
            _ringLastSequence = order.Sequence;
            return;
        }
        EnqueueOvertaking(element, order);
    }

    public bool TryPeek(out TElement element, out (long Timestamp, long Sequence) order)
    {
        if (OnlyRing)
        {
            ref var item = ref _ring[_ringHead];
            element = item.Element;
            order = (item.Timestamp, item.Sequence);
            return true;
        }
        switch (Next(out var timestamp, out var sequence))
        {
            case FromRing:
                element = _ring[_ringHead].Element;
                break;
            case FromCalendar:
                element = _entries[_buckets[(int)_cursor & _mask].Head].Element;
                break;
            case FromHeap:
                element = _heap.Peek();
                break;
            default:
                element = default!;
                order = default;
                return false;
        }
        order = (timestamp, sequence);
        return true;
    }

    /// <summary>Removes the element <see cref="TryPeek"/> returned.</summary>
    public void Dequeue()
    {
        if (OnlyRing)
        {
            RemoveRingHead();
            return;
        }
        switch (Next(out _, out _))
        {
            case FromRing:
                RemoveRingHead();
                break;
            case FromCalendar:
                var index = (int)_cursor & _mask;
                RemoveCalendarHead(index, _buckets[index].Head);
                break;
            default:
                _heap.Dequeue();
                break;
        }
    }

    /// <summary>Removes the next element if its timestamp is at or below <paramref name="upTo"/>: the watermark's
    /// release loop in one call per event instead of <see cref="TryPeek"/> then <see cref="Dequeue"/>.</summary>
    /// <remarks>A stream in order is served inline from the ring: as a call, this was ~7 % of W1 engine-only
    /// samples, most of them on entering it (its frame zeroed, the element copied out through a write barrier).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryDequeue(long upTo, out TElement element)
    {
        if (OnlyRing)
        {
            ref var head = ref _ring[_ringHead];
            if (head.Timestamp > upTo)
            {
                element = default!;
                return false;
            }
            element = head.Element;
            RemoveRingHead();
            return true;
        }
        return TryDequeueMixed(upTo, out element);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryDequeueMixed(long upTo, out TElement element)
    {
        if (_heap.Count == 0)
        {
            // The usual cases, without the general three-way comparison.
            if (_calendarCount > 0 && _cursor <= upTo)
            {
                var index = (int)_cursor & _mask;
                var taken = _buckets[index].Head;
                ref var entry = ref _entries[taken];
                if (_ringCount == 0 || _cursor < _ring[_ringHead].Timestamp
                    || (_cursor == _ring[_ringHead].Timestamp && entry.Sequence < _ring[_ringHead].Sequence))
                {
                    element = entry.Element;
                    RemoveCalendarHead(index, taken);
                    return true;
                }
            }
            // The calendar is empty, beyond upTo, or behind the ring's head.
            if (_ringCount > 0 && _ring[_ringHead].Timestamp <= upTo)
            {
                element = _ring[_ringHead].Element;
                RemoveRingHead();
                return true;
            }
            element = default!;
            return false;
        }
        var source = Next(out var timestamp, out _);
        if (source == None || timestamp > upTo)
        {
            element = default!;
            return false;
        }
        if (source == FromRing)
        {
            element = _ring[_ringHead].Element;
            RemoveRingHead();
        }
        else if (source == FromCalendar)
        {
            var index = (int)_cursor & _mask;
            var taken = _buckets[index].Head;
            element = _entries[taken].Element;
            RemoveCalendarHead(index, taken);
        }
        else
        {
            element = _heap.Dequeue();
        }
        return true;
    }

    public void Clear()
    {
        Array.Clear(_ring);
        _ringHead = 0;
        _ringCount = 0;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<TElement>())
        {
            Array.Clear(_entries, 0, _entriesUsed);
        }
        _entriesUsed = 0;
        _free = -1;
        Array.Clear(_bits);
        Array.Clear(_summary);
        _calendarCount = 0;
        _misses = 0;
        _heap.Clear();
    }

    /// <summary>Which part holds the next event, and its order.</summary>
    private int Next(out long timestamp, out long sequence)
    {
        var source = None;
        timestamp = 0;
        sequence = 0;
        if (_ringCount > 0)
        {
            ref var item = ref _ring[_ringHead];
            timestamp = item.Timestamp;
            sequence = item.Sequence;
            source = FromRing;
        }
        if (_calendarCount > 0)
        {
            var calendarSequence = _entries[_buckets[(int)_cursor & _mask].Head].Sequence;
            if (source == None || _cursor < timestamp || (_cursor == timestamp && calendarSequence < sequence))
            {
                timestamp = _cursor;
                sequence = calendarSequence;
                source = FromCalendar;
            }
        }
        if (_heap.Count > 0)
        {
            _heap.TryPeek(out _, out var top);
            if (source == None || top.Timestamp < timestamp || (top.Timestamp == timestamp && top.Sequence < sequence))
            {
                timestamp = top.Timestamp;
                sequence = top.Sequence;
                source = FromHeap;
            }
        }
        return source;
    }

    private void RemoveRingHead()
    {
        _ring[_ringHead] = default;
        _ringHead = (_ringHead + 1) & (_ring.Length - 1);
        _ringCount--;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowRing()
    {
        var larger = new Item[_ring.Length * 2];
        var firstPart = Math.Min(_ringCount, _ring.Length - _ringHead);
        Array.Copy(_ring, _ringHead, larger, 0, firstPart);
        Array.Copy(_ring, 0, larger, firstPart, _ringCount - firstPart);
        _ring = larger;
        _ringHead = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnqueueOvertaking(in TElement element, (long Timestamp, long Sequence) order)
    {
        var slot = order.Timestamp;
        if (_calendarCount == 0)
        {
            _cursor = slot;
            _maxSlot = slot;
        }
        else if (slot >= _cursor)
        {
            // Unsigned: the exact distance even when it does not fit a long.
            var ahead = unchecked((ulong)(slot - _cursor));
            if (ahead >= (ulong)_buckets.Length)
            {
                Overflow(element, order, ahead);
                return;
            }
            if (slot > _maxSlot)
            {
                _maxSlot = slot;
            }
        }
        else
        {
            // Earlier than every event in the calendar: the cursor moves back if the span still covers the latest.
            var behind = unchecked((ulong)(_maxSlot - slot));
            if (behind >= (ulong)_buckets.Length)
            {
                Overflow(element, order, behind);
                return;
            }
            _cursor = slot;
        }

        var index = (int)slot & _mask;
        ref var bucket = ref _buckets[index];
        var word = index >> 6;
        var bit = 1UL << index;
        if ((_bits[word] & bit) == 0)
        {
            var fresh = Allocate(element, order.Sequence);
            bucket.Head = fresh;
            bucket.Tail = fresh;
            if (_bits[word] == 0)
            {
                _summary[word >> 6] |= 1UL << word;
            }
            _bits[word] |= bit;
        }
        else if (order.Sequence >= _entries[bucket.Tail].Sequence)
        {
            var appended = Allocate(element, order.Sequence);
            _entries[bucket.Tail].Next = appended;
            bucket.Tail = appended;
        }
        else
        {
            // Same timestamp but an earlier arrival number than the bucket's last: never from the operator (its
            // numbers grow), so the heap keeps the order rather than the calendar searching its list.
            _heap.Enqueue(element, order);
            return;
        }
        _calendarCount++;
    }

    private void RemoveCalendarHead(int index, int taken)
    {
        ref var bucket = ref _buckets[index];
        var emptied = taken == bucket.Tail;
        bucket.Head = _entries[taken].Next;
        Release(taken);
        _calendarCount--;
        if (emptied)
        {
            ClearBit(index);
            if (_calendarCount > 0)
            {
                var next = NextNonEmpty(index);
                _cursor = unchecked(_cursor + ((next - index) & _mask));
            }
        }
    }

    private void Overflow(TElement element, (long Timestamp, long Sequence) order, ulong distance)
    {
        _heap.Enqueue(element, order);
        // Misses that a larger ring would have caught, and often enough to matter: the disorder is wider than the
        // span. Grow once to a span that fits the latest miss; earlier misses drain from the heap.
        if (distance < (ulong)_maxBuckets && ++_misses > MissesBeforeGrowing && _misses > _calendarCount >> 2)
        {
            Grow((int)BitOperations.RoundUpToPowerOf2(distance + 1));
        }
    }

    private void Grow(int buckets)
    {
        _misses = 0;
        var oldBuckets = _buckets;
        var oldBits = _bits;
        var oldMask = _mask;
        (_buckets, _bits, _summary) = NewCalendar(buckets);
        _mask = buckets - 1;
        if (_calendarCount == 0)
        {
            return;
        }
        var cursorIndex = (int)_cursor & oldMask;
        for (var word = 0; word < oldBits.Length; word++)
        {
            var bits = oldBits[word];
            while (bits != 0)
            {
                var oldIndex = (word << 6) | BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                var slot = unchecked(_cursor + ((oldIndex - cursorIndex) & oldMask));
                var index = (int)slot & _mask;
                _buckets[index] = oldBuckets[oldIndex];
                if (_bits[index >> 6] == 0)
                {
                    _summary[index >> 12] |= 1UL << (index >> 6);
                }
                _bits[index >> 6] |= 1UL << index;
            }
        }
    }

    private static (Bucket[] Buckets, ulong[] Bits, ulong[] Summary) NewCalendar(int buckets)
    {
        var words = buckets >> 6;
        return (new Bucket[buckets], new ulong[words], new ulong[(words + 63) >> 6]);
    }

    private int Allocate(TElement element, long sequence)
    {
        int index;
        if (_free >= 0)
        {
            index = _free;
            _free = _entries[index].Next;
        }
        else
        {
            if (_entriesUsed == _entries.Length)
            {
                Array.Resize(ref _entries, _entries.Length * 2);
            }
            index = _entriesUsed++;
        }
        ref var entry = ref _entries[index];
        entry.Element = element;
        entry.Sequence = sequence;
        entry.Next = -1;
        return index;
    }

    private void Release(int index)
    {
        ref var entry = ref _entries[index];
        if (RuntimeHelpers.IsReferenceOrContainsReferences<TElement>())
        {
            entry.Element = default!;
        }
        entry.Next = _free;
        _free = index;
    }

    private void ClearBit(int index)
    {
        var word = index >> 6;
        var bits = _bits[word] & ~(1UL << index);
        _bits[word] = bits;
        if (bits == 0)
        {
            _summary[word >> 6] &= ~(1UL << word);
        }
    }

    /// <summary>The first non-empty bucket at or after <paramref name="index"/>, going round the ring; the ring
    /// holds at least one event.</summary>
    private int NextNonEmpty(int index)
    {
        var word = index >> 6;
        var bits = _bits[word] & (~0UL << index);
        if (bits != 0)
        {
            return (word << 6) | BitOperations.TrailingZeroCount(bits);
        }
        // Search the summary for the next non-empty word after this one, wrapping round; it may be this word
        // again (events in its lower bits, a whole span ahead).
        var start = word + 1 == _bits.Length ? 0 : word + 1;
        var summaryWord = start >> 6;
        var summary = _summary[summaryWord] & (~0UL << start);
        while (summary == 0)
        {
            summaryWord = summaryWord + 1 == _summary.Length ? 0 : summaryWord + 1;
            summary = _summary[summaryWord];
        }
        var found = (summaryWord << 6) | BitOperations.TrailingZeroCount(summary);
        return (found << 6) | BitOperations.TrailingZeroCount(_bits[found]);
    }

    private long SlotOf(int index) => unchecked(_cursor + ((index - ((int)_cursor & _mask)) & _mask));

    private struct Item
    {
        public TElement Element;
        public long Timestamp;
        public long Sequence;
    }

    private struct Bucket
    {
        public int Head;
        public int Tail;
    }

    private struct Entry
    {
        public TElement Element;
        public long Sequence;
        public int Next;
    }
}
