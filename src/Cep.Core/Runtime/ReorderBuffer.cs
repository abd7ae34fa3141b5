namespace Cep.Runtime;

/// <summary>
/// Events waiting for the watermark, released in (timestamp, arrival) order. Most streams are nearly in order,
/// so an event not earlier than the last one buffered joins a FIFO ring (O(1), sequential memory); only an event
/// that overtakes it goes to a binary heap. The next event is the smaller of the two heads. Arrival numbers are
/// unique, so the order is total and the same as a single priority queue's.
/// </summary>
internal sealed class ReorderBuffer<TElement>
{
    private readonly PriorityQueue<TElement, (long Timestamp, long Sequence)> _heap = new();
    private Item[] _ring = new Item[16];
    private int _head;
    private int _count;
    private (long Timestamp, long Sequence) _last = (long.MinValue, long.MinValue);

    public int Count => _count + _heap.Count;

    /// <summary>Every buffered element with its order, in no particular order (for snapshots).</summary>
    public IEnumerable<(TElement Element, (long Timestamp, long Sequence) Priority)> UnorderedItems
    {
        get
        {
            for (var i = 0; i < _count; i++)
            {
                var item = _ring[(_head + i) % _ring.Length];
                yield return (item.Element, item.Order);
            }
            foreach (var item in _heap.UnorderedItems)
            {
                yield return item;
            }
        }
    }

    public void Enqueue(TElement element, (long Timestamp, long Sequence) order)
    {
        if (_count > 0 && order.CompareTo(_last) < 0)
        {
            _heap.Enqueue(element, order);
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
        _ring[tail] = new Item(element, order);
        _count++;
        _last = order;
    }

    public bool TryPeek(out TElement element, out (long Timestamp, long Sequence) order)
    {
        if (_count == 0)
        {
            return _heap.TryPeek(out element!, out order);
        }
        ref var head = ref _ring[_head];
        if (_heap.TryPeek(out element!, out order) && order.CompareTo(head.Order) < 0)
        {
            return true;
        }
        element = head.Element;
        order = head.Order;
        return true;
    }

    /// <summary>Removes the element <see cref="TryPeek"/> returned.</summary>
    public void Dequeue()
    {
        if (_count > 0 && !(_heap.TryPeek(out _, out var top) && top.CompareTo(_ring[_head].Order) < 0))
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
        _last = (long.MinValue, long.MinValue);
        _heap.Clear();
    }

    private void Grow()
    {
        var larger = new Item[_ring.Length * 2];
        var firstPart = Math.Min(_count, _ring.Length - _head);
        Array.Copy(_ring, _head, larger, 0, firstPart);
        Array.Copy(_ring, 0, larger, firstPart, _count - firstPart);
        _ring = larger;
        _head = 0;
    }

    private readonly record struct Item(TElement Element, (long Timestamp, long Sequence) Order);
}
