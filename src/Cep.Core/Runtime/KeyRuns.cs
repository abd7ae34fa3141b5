using System.Diagnostics.CodeAnalysis;
using Cep.Nfa;

namespace Cep.Runtime;

/// <summary>
/// A partial match in progress: the state it is in, the newest event it took and its first event. The start
/// identity comes from <see cref="First"/>; the previous event's time from <see cref="Head"/>. Four words, so a
/// pending partial match costs little beyond its shared-buffer node.
/// </summary>
internal struct Run<T>
{
    public int State;
    public SharedBufferNode<T>? Head;
    public SharedBufferNode<T>? First;

    /// <summary>Copy of <c>First.Timestamp</c>: deadlines are computed for every event of a key, and reading them
    /// inline spares a cache miss on the first node.</summary>
    public long StartTimestamp;

    public Run(int state, SharedBufferNode<T>? head, SharedBufferNode<T>? first)
    {
        State = state;
        Head = head;
        First = first;
        StartTimestamp = first?.Timestamp ?? 0;
    }

    /// <summary>A run with a known start time: a run that takes an event keeps its first node, and reading that
    /// node's time again would be a cache miss per event (the first node is usually long out of cache).</summary>
    public Run(int state, SharedBufferNode<T>? head, SharedBufferNode<T>? first, long startTimestamp)
    {
        State = state;
        Head = head;
        First = first;
        StartTimestamp = startTimestamp;
    }

    public readonly long StartSequence => First!.Sequence;

    public readonly long PreviousTimestamp => Head!.Timestamp;
}

/// <summary>A completed match waiting behind an earlier partial match (skip strategies emit in start order).</summary>
internal struct CompletedMatch<T>
{
    public SharedBufferNode<T> Head;
    public SharedBufferNode<T> First;
    public long Time;

    public CompletedMatch(SharedBufferNode<T> head, SharedBufferNode<T> first, long time)
    {
        Head = head;
        First = first;
        Time = time;
    }

    public readonly long StartTimestamp => First.Timestamp;

    public readonly long StartSequence => First.Sequence;
}

/// <summary>
/// The mutable per-key state: open runs ordered by their first event, completed matches waiting to be emitted,
/// and the deadline of the key's timer. The first run is stored inline (most keys have one), the others in an
/// array allocated only when a key branches; that array and the waiting matches (both rare) share one overflow
/// object, so a key that neither branches nor waits costs 56 bytes in place. It is a struct stored in the
/// operator's <see cref="KeyTable{TKey, TValue}"/> and changed in place through a reference: no object per key, and
/// reading a key's state costs no load beyond the table's entry. A reference into the table is valid until the
/// table changes, so the operator holds one only while it works on that key and adds or removes no other key
/// meanwhile.
/// </summary>
internal struct KeyRuns<T>
{
    private Run<T> _first;
    private KeyOverflow<T>? _overflow;

    public int Count;

    /// <summary>Completed matches waiting behind an earlier partial match (skip strategies); null when none.</summary>
    public List<CompletedMatch<T>>? Waiting
    {
        readonly get => _overflow?.Waiting;
        set
        {
            if (value is not null)
            {
                (_overflow ??= new KeyOverflow<T>()).Waiting = value;
            }
            else if (_overflow is not null)
            {
                _overflow.Waiting = null;
                DropEmptyOverflow();
            }
        }
    }

    /// <summary>Deadline of the timer registered for this key; long.MaxValue when none.</summary>
    public long TimerAt;

    /// <summary>Where that timer sits in the operator's timer ring, so a key that finishes early can cancel it
    /// (-1: not cancellable).</summary>
    public int TimerSlot;

    /// <summary>An empty key: no runs, no timer. (Not <c>default</c>, whose timer would be at time 0.)</summary>
    public KeyRuns()
    {
        TimerAt = long.MaxValue;
        TimerSlot = -1;
    }

    public readonly bool IsEmpty => Count == 0 && (Waiting is null || Waiting.Count == 0);

    [UnscopedRef]
    public ref Run<T> this[int index] => ref index == 0 ? ref _first : ref _overflow!.More![index - 1];

    public void SetRuns(List<Run<T>> runs)
    {
        var n = runs.Count;
        var more = _overflow?.More;
        if (n > 1 && (more is null || more.Length < n - 1 || more.Length > 4 * Math.Max(4, n)))
        {
            // Grow to fit, or shrink an array left large by a burst of branching.
            (_overflow ??= new KeyOverflow<T>()).More = new Run<T>[n - 1];
        }
        var old = Count;
        for (var i = 0; i < n; i++)
        {
            this[i] = runs[i];
        }
        Count = n;
        ClearFrom(n, old);
        if (n <= 1 && _overflow?.More is { Length: > 16 })
        {
            _overflow.More = null;
            DropEmptyOverflow();
        }
    }

    public void Truncate(int count)
    {
        var old = Count;
        Count = count;
        ClearFrom(count, old);
    }

    /// <summary>Drops references past the live runs so finished matches can be collected.</summary>
    private void ClearFrom(int from, int to)
    {
        if (from == 0 && to > 0)
        {
            _first = default;
            from = 1;
        }
        if (_overflow?.More is { } more && to > from)
        {
            Array.Clear(more, from - 1, Math.Min(to, more.Length + 1) - from);
        }
    }

    private void DropEmptyOverflow()
    {
        if (_overflow is { More: null, Waiting: null })
        {
            _overflow = null;
        }
    }
}

/// <summary>The rare parts of a key's state: runs beyond the first, and waiting matches.</summary>
internal sealed class KeyOverflow<T>
{
    public Run<T>[]? More;
    public List<CompletedMatch<T>>? Waiting;
}

/// <summary>Counters of one operator (open runs and keys: <see cref="KeyedPatternOperator{T, TKey}.PendingRuns"/>,
/// <see cref="KeyedPatternOperator{T, TKey}.KeyCount"/>).</summary>
public sealed class OperatorStats
{
    public long Events { get; internal set; }

    public long Matches { get; internal set; }

    public long Timeouts { get; internal set; }

    public long Late { get; internal set; }

    public long ConditionErrors { get; internal set; }
}
