using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Cep.Nfa;

namespace Cep.Runtime;

/// <summary>
/// A partial match in progress: the state it is in, the newest event it took (the head of its chain of
/// shared-buffer nodes) and the time and arrival number of its first event. Four words.
/// A run that has taken only one event and whose key has seen nothing since — every pending W1 order — holds that
/// event inline instead of in a node (when <typeparamref name="T"/> is a reference type): no 48-byte node per
/// pending partial match, and no allocation for the event that starts it. The node is made when the run is next
/// touched (<see cref="Materialized"/>); shared-buffer semantics are unchanged, because an inline event has no
/// predecessor and belongs to this run alone.
/// </summary>
internal struct Run<T>
{
    public int State;

    // 0: _head is the head node (or null for the start run). Otherwise the step that took the run's only event,
    // plus one, and _head is that event.
    private int _inlineStep;
    private object? _head;

    /// <summary>Time of the first event: deadlines are computed for every event of a key, and reading them inline
    /// spares a cache miss on the first node.</summary>
    public long StartTimestamp;

    /// <summary>Arrival number of the first event (with <see cref="StartTimestamp"/>, the run's start identity).</summary>
    public long StartSequence;

    public Run(int state, SharedBufferNode<T>? head, long startTimestamp, long startSequence) =>
        Set(state, head, startTimestamp, startSequence);

    /// <summary>A run whose first node is <paramref name="first"/> (restore).</summary>
    public Run(int state, SharedBufferNode<T> head, SharedBufferNode<T> first)
        : this(state, head, first.Timestamp, first.Sequence)
    {
    }

    /// <summary>
    /// Makes this run — a slot of a list being filled (<see cref="ScratchList{T}.Add()"/>) — the run in <paramref name="state"/>
    /// with <paramref name="head"/>, field by field, in place. The operator builds successor runs and matches this way:
    /// built as a value and then copied, a run reached the list as scalar stores read back at once by one vector load,
    /// which the processor cannot forward from them, so it waited for the stores to retire (~3 % of W1 engine-only
    /// samples on the copy alone).
    /// </summary>
    public void Set(int state, SharedBufferNode<T>? head, long startTimestamp, long startSequence)
    {
        State = state;
        _inlineStep = 0;
        _head = head;
        StartTimestamp = startTimestamp;
        StartSequence = startSequence;
    }

    /// <summary>Makes this run, in place, one holding its only event inline (see <see cref="Set"/>, <see cref="Inline"/>).</summary>
    public void SetInline(int state, T @event, long timestamp, long sequence, int step)
    {
        Debug.Assert(CanInline, "value-type events are never held inline");
        State = state;
        _inlineStep = step + 1;
        _head = @event;
        StartTimestamp = timestamp;
        StartSequence = sequence;
    }

    /// <summary>Makes this run, in place, <paramref name="other"/> in <paramref name="state"/> (see <see cref="Set"/>).</summary>
    public void SetTo(in Run<T> other, int state)
    {
        State = state;
        _inlineStep = other._inlineStep;
        _head = other._head;
        StartTimestamp = other.StartTimestamp;
        StartSequence = other.StartSequence;
    }

    /// <summary>Whether runs may hold their only event inline (a value-type event would be boxed).</summary>
    public static bool CanInline => !typeof(T).IsValueType;

    /// <summary>A run whose only event, taken by <paramref name="step"/>, is held inline.</summary>
    public static Run<T> Inline(int state, T @event, long timestamp, long sequence, int step)
    {
        var run = default(Run<T>);
        run.SetInline(state, @event, timestamp, sequence, step);
        return run;
    }

    public readonly bool IsInline => _inlineStep != 0;

    /// <summary>The event held inline (only when <see cref="IsInline"/>).</summary>
    public readonly T InlineEvent => NodeFree.Event<T>(_head);

    /// <summary>The step that took the event held inline (only when <see cref="IsInline"/>).</summary>
    public readonly int InlineStep => _inlineStep - 1;

    /// <summary>The head node; only for a run that does not hold its event inline.</summary>
    public readonly SharedBufferNode<T>? Head
    {
        get
        {
            Debug.Assert(!IsInline, "materialize an inline run before reading its node");
            return Unsafe.As<SharedBufferNode<T>>(_head);
        }
    }

    /// <summary>The same run with its inline event moved into a node (itself when it has a node already).</summary>
    public readonly Run<T> Materialized()
    {
        if (!IsInline)
        {
            return this;
        }
        var node = new SharedBufferNode<T>(InlineEvent, StartTimestamp, StartSequence, InlineStep, null);
        return new Run<T>(State, node, StartTimestamp, StartSequence);
    }

    /// <summary>The same run holding its event inline when its node is its only one (restore: a restored key
    /// then costs what a live one does).</summary>
    public readonly Run<T> Inlined() =>
        CanInline && !IsInline && Head is { Previous: null } node
            ? Inline(State, node.Event, node.Timestamp, node.Sequence, node.Step)
            : this;

    /// <summary>Time of the newest event.</summary>
    public readonly long PreviousTimestamp => IsInline ? StartTimestamp : Head!.Timestamp;

    /// <summary>The node of the first event: the end of the head's chain (only for a run with a node).</summary>
    public readonly SharedBufferNode<T> First => Head!.Oldest;
}

/// <summary>A completed match: emitted at once, or waiting behind an earlier partial match (skip strategies emit in
/// start order).</summary>
/// <remarks>A match completed by a run that held its only event inline has no nodes (<see cref="IsPair"/>): it holds
/// that event, and its last event is the one being processed (the operator passes it to the sink with the match).
/// Such a match is emitted at once: only patterns without a skip strategy keep runs inline through an event (see
/// <see cref="CompiledPattern{T}.KeepsInline"/>).</remarks>
internal struct CompletedMatch<T>
{
    // The head node; for a pair, the first event.
    private object? _head;
    // 0: _head is a node. For a pair: both events' steps (NodeFree.PackSteps).
    private int _pairSteps;
    public long StartTimestamp;
    public long StartSequence;
    public long Time;

    /// <summary>Makes this match, in place, the one <paramref name="run"/> completed at <paramref name="time"/> (see
    /// <see cref="Run{T}.Set"/>).</summary>
    public void Set(in Run<T> run, long time) => Set(run.Head!, run.StartTimestamp, run.StartSequence, time);

    /// <summary>Makes this match, in place, the one whose newest node is <paramref name="head"/> (see
    /// <see cref="Run{T}.Set"/>).</summary>
    public void Set(SharedBufferNode<T> head, long startTimestamp, long startSequence, long time)
    {
        _head = head;
        _pairSteps = 0;
        StartTimestamp = startTimestamp;
        StartSequence = startSequence;
        Time = time;
    }

    /// <summary>Makes this match, in place, the match of a run holding its only event inline and the event at
    /// <paramref name="time"/> that the run's step <paramref name="lastStep"/> took, without nodes.</summary>
    public void SetPair(in Run<T> run, int lastStep, long time)
    {
        Debug.Assert(run.IsInline && lastStep >= 0, "a pair starts with an inline event and has a last one");
        _head = run.InlineEvent;
        _pairSteps = NodeFree.PackSteps(run.InlineStep, lastStep);
        StartTimestamp = run.StartTimestamp;
        StartSequence = run.StartSequence;
        Time = time;
    }

    /// <summary>A match whose first node is <paramref name="first"/> (restore).</summary>
    public CompletedMatch(SharedBufferNode<T> head, SharedBufferNode<T> first, long time) =>
        Set(head, first.Timestamp, first.Sequence, time);

    public readonly bool IsPair => _pairSteps != 0;

    /// <summary>The head node (null for a pair).</summary>
    public readonly SharedBufferNode<T>? Head => IsPair ? null : Unsafe.As<SharedBufferNode<T>>(_head);

    /// <summary>A pair's first event.</summary>
    public readonly MatchedEvent<T> PairFirst => new(NodeFree.Event<T>(_head), StartTimestamp, StartSequence, NodeFree.FirstStep(_pairSteps));

    /// <summary>The step that took a pair's last event.</summary>
    public readonly int PairLastStep => NodeFree.LastStep(_pairSteps);

    /// <summary>The node of the first event: the end of the head's chain.</summary>
    public readonly SharedBufferNode<T> First => Head!.Oldest;
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

    /// <summary>Makes this state, in place and field by field, <paramref name="other"/> (which was just written: see
    /// <see cref="Run{T}.Set"/>).</summary>
    public void Become(in KeyRuns<T> other)
    {
        _first.SetTo(in other._first, other._first.State);
        _overflow = other._overflow;
        Count = other.Count;
        TimerAt = other.TimerAt;
        TimerSlot = other.TimerSlot;
    }

    public readonly bool IsEmpty => Count == 0 && (Waiting is null || Waiting.Count == 0);

    [UnscopedRef]
    public ref Run<T> this[int index] => ref index == 0 ? ref _first : ref _overflow!.More![index - 1];

    public void SetRuns(ReadOnlySpan<Run<T>> runs)
    {
        var n = runs.Length;
        var more = _overflow?.More;
        if (n > 1 && (more is null || more.Length < n - 1 || more.Length > 4 * Math.Max(4, n)))
        {
            // Grow to fit, or shrink an array left large by a burst of branching.
            (_overflow ??= new KeyOverflow<T>()).More = new Run<T>[n - 1];
        }
        var old = Count;
        for (var i = 0; i < n; i++)
        {
            // In place (Run.Set): the runs were written a moment ago.
            ref readonly var run = ref runs[i];
            this[i].SetTo(in run, run.State);
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
