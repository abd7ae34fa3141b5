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

/// <summary>
/// A match or a timed-out partial match, as handed to a sink. <see cref="Head"/> is the newest event;
/// <see cref="Events"/> materialises them oldest first. Valid only during the sink call unless copied.
/// </summary>
public readonly struct PatternResult<T, TKey>
{
    public PatternResult(TKey key, long time, SharedBufferNode<T> head, IReadOnlyList<string> stepNames)
    {
        Key = key;
        Time = time;
        Head = head;
        StepNames = stepNames;
    }

    public TKey Key { get; }

    /// <summary>Event time (or clock time) at which the record was decided.</summary>
    public long Time { get; }

    public SharedBufferNode<T> Head { get; }

    public IReadOnlyList<string> StepNames { get; }

    /// <summary>The events in the order the pattern took them.</summary>
    public SharedBufferNode<T>[] Events()
    {
        var events = new SharedBufferNode<T>[Head.Depth];
        var i = events.Length;
        for (var node = Head; node is not null; node = node.Previous)
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
