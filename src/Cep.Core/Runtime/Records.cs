using System.Diagnostics;
using System.Runtime.CompilerServices;
using Cep.Nfa;

namespace Cep.Runtime;

/// <summary>Whether time comes from a field of the events (watermarks) or from the scheduler's clock.</summary>
public enum TimeMode
{
    EventTime,
    ProcessingTime,
}

/// <summary>Settings of one keyed operator (one rule).</summary>
public sealed class OperatorOptions
{
    public TimeMode TimeMode { get; init; } = TimeMode.EventTime;

    /// <summary>Number of inputs the operator reads; each has its own watermark.</summary>
    public int InputCount { get; init; } = 1;

    /// <summary>Bounded out-of-orderness subtracted from each input's largest timestamp.</summary>
    public long OutOfOrdernessMs { get; init; }

    /// <summary>An input silent this long (by the processing clock) stops holding the watermark back.</summary>
    public long? IdlenessMs { get; init; }
}

/// <summary>One event of a match or a timed-out partial match: the event, its time, its arrival number in the
/// operator and the index of the step that took it.</summary>
public readonly record struct MatchedEvent<T>(T Event, long Timestamp, long Sequence, int Step);

/// <summary>How a run, a completed match and a result hold events without nodes: a reference-type event in an
/// object slot, and the steps of a first and a last event packed in one int.</summary>
internal static class NodeFree
{
    /// <summary>The event kept in an object slot (only reference-type events are kept there).</summary>
    public static T Event<T>(object? slot) => Unsafe.As<object?, T>(ref slot);

    /// <summary>The step of a first event and, unless <paramref name="last"/> is negative, of a last one: each plus
    /// one, in 16 bits (never 0, so 0 can mean "no events without nodes").</summary>
    public static int PackSteps(int first, int last)
    {
        Debug.Assert(first is >= 0 and < ushort.MaxValue && last < ushort.MaxValue, "steps fit 16 bits");
        return (first + 1) | (last >= 0 ? (last + 1) << 16 : 0);
    }

    public static int FirstStep(int packed) => (packed & 0xFFFF) - 1;

    /// <summary>The last event's step; -1 when there is only a first event.</summary>
    public static int LastStep(int packed) => (packed >>> 16) - 1;
}

/// <summary>
/// A match or a timed-out partial match, as handed to a sink. <see cref="Count"/> and <see cref="CopyTo"/> read its
/// events oldest first without allocating; <see cref="Head"/> is the newest event's shared-buffer node and
/// <see cref="Events"/> materialises the nodes oldest first. Valid only during the sink call unless copied.
/// </summary>
/// <remarks>
/// A match of one or two events that the operator never put in nodes (a partial match held its only event inline and
/// the next event completed it; or such a partial match timed out) carries the events themselves: emitting it
/// allocates nothing. <see cref="Head"/> then links new nodes on each call, so sinks that run for every record read
/// the events through <see cref="CopyTo"/> or <see cref="Newest"/>.
/// </remarks>
public readonly struct PatternResult<T, TKey>
{
    // The newest event's node; in a result without nodes, the first event.
    private readonly object? _head;
    // Without nodes: the first event's step + 1 in the low 16 bits, and for a second event its step + 1 in the high
    // 16 bits. 0: _head is a node. (Kept small: a result is built for every match.)
    private readonly int _steps;
    private readonly long _firstTimestamp;
    private readonly long _firstSequence;
    // Without nodes, a second event: the one that completed the match, at Time.
    private readonly T _last;
    private readonly long _lastSequence;

    public PatternResult(TKey key, long time, SharedBufferNode<T> head, IReadOnlyList<string> stepNames)
    {
        ArgumentNullException.ThrowIfNull(head);
        Key = key;
        Time = time;
        _head = head;
        _last = default!;
        StepNames = stepNames;
    }

    /// <summary>A result without nodes: <paramref name="first"/>, then, when <paramref name="lastStep"/> is not
    /// negative, <paramref name="last"/> taken at <paramref name="time"/> (a match), else <paramref name="first"/>
    /// alone (a partial match that timed out at <paramref name="time"/>).</summary>
    internal PatternResult(TKey key, long time, in MatchedEvent<T> first, T last, long lastSequence, int lastStep, IReadOnlyList<string> stepNames)
    {
        Debug.Assert(!typeof(T).IsValueType, "only reference-type events are held without nodes");
        Key = key;
        Time = time;
        _head = first.Event;
        _firstTimestamp = first.Timestamp;
        _firstSequence = first.Sequence;
        _steps = NodeFree.PackSteps(first.Step, lastStep);
        _last = last;
        _lastSequence = lastSequence;
        StepNames = stepNames;
    }

    public TKey Key { get; }

    /// <summary>Event time (or clock time) at which the record was decided.</summary>
    public long Time { get; }

    /// <summary>The newest event's node (for a result without nodes, a new chain on each call).</summary>
    public SharedBufferNode<T> Head => _steps == 0 ? Node : Link();

    public IReadOnlyList<string> StepNames { get; }

    /// <summary>How many events the result holds.</summary>
    public int Count => _steps == 0 ? Node.Depth : HasLast ? 2 : 1;

    /// <summary>The event taken first.</summary>
    public MatchedEvent<T> Oldest => _steps == 0 ? Loose(Node.Oldest) : First;

    /// <summary>Whether the result is a chain of nodes (<see cref="Head"/> costs nothing); otherwise it holds its
    /// one or two events itself.</summary>
    internal bool HasNodes => _steps == 0;

    /// <summary>The event taken last.</summary>
    public MatchedEvent<T> Newest => _steps == 0 ? Loose(Node) : HasLast ? Second : First;

    /// <summary>Copies the events into <paramref name="destination"/> in the order the pattern took them and
    /// returns how many there are.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than <see cref="Count"/>.</exception>
    public int CopyTo(Span<MatchedEvent<T>> destination)
    {
        var count = Count;
        if (destination.Length < count)
        {
            throw new ArgumentException($"The result holds {count} events; the destination has room for {destination.Length}.", nameof(destination));
        }
        return CopyTo(destination, count);
    }

    /// <summary><see cref="CopyTo(Span{MatchedEvent{T}})"/> for a caller that has just read <see cref="Count"/> (to size
    /// the destination): a chain is not walked a third time to count it again.</summary>
    internal int CopyTo(Span<MatchedEvent<T>> destination, int count)
    {
        Debug.Assert(count == Count && destination.Length >= count, "count is this result's Count and fits");
        if (_steps != 0)
        {
            destination[0] = First;
            if (count == 2)
            {
                destination[1] = Second;
            }
            return count;
        }
        var i = count;
        for (SharedBufferNode<T>? node = Node; node is not null; node = node.Previous)
        {
            destination[--i] = Loose(node);
        }
        return count;
    }

    /// <summary>The events in the order the pattern took them.</summary>
    public SharedBufferNode<T>[] Events()
    {
        var head = Head;
        var events = new SharedBufferNode<T>[head.Depth];
        var i = events.Length;
        for (var node = head; node is not null; node = node.Previous)
        {
            events[--i] = node;
        }
        return events;
    }

    /// <summary>The events grouped by step name, each list in take order; steps that took nothing are absent.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<T>> ByStep()
    {
        var map = new Dictionary<string, IReadOnlyList<T>>();
        foreach (var node in Events())
        {
            var name = StepNames[node.Step];
            if (!map.TryGetValue(name, out var list))
            {
                list = new List<T>();
                map[name] = list;
            }
            ((List<T>)list).Add(node.Event);
        }
        return map;
    }

    private static MatchedEvent<T> Loose(SharedBufferNode<T> node) => new(node.Event, node.Timestamp, node.Sequence, node.Step);

    private SharedBufferNode<T> Node => Unsafe.As<SharedBufferNode<T>>(_head) ?? throw NoEvents();

    private static InvalidOperationException NoEvents() => new("This result holds no events (a default value).");

    // Only for a result without nodes (_steps != 0).
    private bool HasLast => NodeFree.LastStep(_steps) >= 0;

    private MatchedEvent<T> First => new(NodeFree.Event<T>(_head), _firstTimestamp, _firstSequence, NodeFree.FirstStep(_steps));

    private MatchedEvent<T> Second => new(_last, Time, _lastSequence, NodeFree.LastStep(_steps));

    private SharedBufferNode<T> Link()
    {
        var first = new SharedBufferNode<T>(NodeFree.Event<T>(_head), _firstTimestamp, _firstSequence, NodeFree.FirstStep(_steps), null);
        return HasLast ? new SharedBufferNode<T>(_last, Time, _lastSequence, NodeFree.LastStep(_steps), first) : first;
    }
}

/// <summary>A condition that threw: reported, counted, and treated as not holding.</summary>
public sealed record ConditionError<T>(string Step, T Event, long Timestamp, Exception Exception);

/// <summary>Where a keyed operator delivers what it decides. Called on the operator's thread.</summary>
public interface IPatternSink<T, TKey>
{
    void OnMatch(in PatternResult<T, TKey> match);

    void OnTimeout(in PatternResult<T, TKey> timeout);

    /// <summary>An event at or below the watermark when it arrived.</summary>
    void OnLate(int input, T @event, long timestamp);

    void OnConditionError(ConditionError<T> error);
}
