namespace Cep.Linq;

public enum PatternRecordKind
{
    Match,
    Timeout,
    Late,
}

/// <summary>What a pattern over an observable produces: a match, a timed-out partial match, or a late event.</summary>
public sealed record PatternRecord<T, TKey>(PatternRecordKind Kind, TKey Key, long Time, IReadOnlyDictionary<string, IReadOnlyList<T>> Events, T? LateEvent)
{
    public override string ToString() =>
        Kind == PatternRecordKind.Late
            ? $"Late({LateEvent})@{Time}"
            : $"{Kind}({Key}@{Time}: {string.Join("; ", Events.Select(kv => $"{kv.Key}=[{string.Join(", ", kv.Value)}]"))})";

    /// <summary>Structural equality over the events, so recorded results compare in tests.</summary>
    public bool Equals(PatternRecord<T, TKey>? other) =>
        other is not null
        && Kind == other.Kind
        && EqualityComparer<TKey>.Default.Equals(Key, other.Key)
        && Time == other.Time
        && EqualityComparer<T?>.Default.Equals(LateEvent, other.LateEvent)
        && Events.Count == other.Events.Count
        && Events.All(kv => other.Events.TryGetValue(kv.Key, out var list) && list.SequenceEqual(kv.Value));

    public override int GetHashCode() => HashCode.Combine(Kind, Key, Time, Events.Count);
}

/// <summary>An element of a stream with explicit watermarks: an event or a watermark.</summary>
public readonly record struct StreamElement<T>(T? Event, long Timestamp, bool IsWatermark)
{
    public static StreamElement<T> Of(T @event, long timestamp) => new(@event, timestamp, false);

    public static StreamElement<T> Watermark(long timestamp) => new(default, timestamp, true);
}

/// <summary>Settings of a pattern run over an observable.</summary>
public sealed class PatternOptions
{
    /// <summary>Bounded out-of-orderness subtracted from the largest timestamp seen (event time).</summary>
    public TimeSpan OutOfOrderness { get; init; }

    /// <summary>Called for each condition that throws (step, event, exception); the event then does not match.</summary>
    public Action<string, object?, Exception>? OnConditionError { get; init; }
}
