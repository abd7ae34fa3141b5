namespace Cep.Nfa;

/// <summary>
/// One event taken by a partial match: a node of the versioned shared buffer. Runs that branch
/// (<c>followedByAny</c>, <c>allowCombinations</c>) point at the same prefix nodes, so a branch costs one
/// node, never a copy of the history. Nodes are immutable once linked.
/// </summary>
public sealed class SharedBufferNode<T>
{
    // The step shares a word with the arrival number (16 bits of step, 48 of sequence): a node is then 48 bytes
    // instead of 56, and every pending partial match holds at least one.
    private const int SequenceBits = 48;
    internal const long SequenceMask = (1L << SequenceBits) - 1;
    private readonly long _sequenceAndStep;

    internal SharedBufferNode(T @event, long timestamp, long sequence, int step, SharedBufferNode<T>? previous)
    {
        Event = @event;
        Timestamp = timestamp;
        _sequenceAndStep = (sequence & SequenceMask) | ((long)step << SequenceBits);
        Previous = previous;
    }

    /// <summary>The event as it was handed to the pattern.</summary>
    public T Event { get; }

    /// <summary>The event's time (event time, or the clock at arrival in processing time).</summary>
    public long Timestamp { get; }

    /// <summary>Arrival order within the operator; with <see cref="Timestamp"/> it identifies the event.
    /// (Kept to 48 bits: 2.8 × 10^14 events per operator.)</summary>
    public long Sequence => _sequenceAndStep & SequenceMask;

    /// <summary>Index of the step that took the event.</summary>
    public int Step => (int)((ulong)_sequenceAndStep >> SequenceBits);

    /// <summary>The event taken before this one in the same partial match.</summary>
    public SharedBufferNode<T>? Previous { get; }

    /// <summary>The first event's node of this chain (the end of the <see cref="Previous"/> links).</summary>
    internal SharedBufferNode<T> Oldest
    {
        get
        {
            var node = this;
            while (node.Previous is { } previous)
            {
                node = previous;
            }
            return node;
        }
    }

    /// <summary>How many events the partial match holds up to and including this one. Walks the chain: it is not
    /// stored, because storing it would read the previous node (a cache miss) every time a run takes an event.</summary>
    public int Depth
    {
        get
        {
            var depth = 0;
            for (var node = this; node is not null; node = node.Previous)
            {
                depth++;
            }
            return depth;
        }
    }
}
