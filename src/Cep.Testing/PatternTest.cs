using System.Reactive;
using Cep.Linq;

namespace Cep.Testing;

/// <summary>
/// Factories for virtual-time pattern tests, next to <see cref="ReactiveTest"/>: timestamped events and watermarks to
/// script a hot or cold observable of <see cref="StreamElement{T}"/>, and the <see cref="PatternRecord{T, TKey}"/>
/// values a pattern is expected to produce. Import with <c>using static Cep.Testing.PatternTest;</c>.
/// </summary>
/// <remarks>
/// Time follows Cep's convention (one virtual tick = one millisecond): <c>Event(210, e)</c> arrives at virtual time 210
/// and carries event timestamp 210 ms unless a different <c>timestamp</c> is given (an out-of-order or late event).
/// </remarks>
/// <example><code>
/// var input = scheduler.CreateHotObservable(
///     Event(210, new Order("A", "create")),
///     Event(250, new Order("A", "pay")),
///     Watermark&lt;Order&gt;(300),
///     EndOfInput&lt;Order&gt;(400));
/// var results = scheduler.Start(() => input.MatchPattern(pattern, o => o.Id));
/// results.Messages.AssertEqual(
///     OnNext(300, Match("A", 250, Step("create", createA), Step("pay", payA))),
///     OnCompleted&lt;PatternRecord&lt;Order, string&gt;&gt;(400));
/// </code></example>
public static class PatternTest
{
    /// <summary>Event <paramref name="event"/> arriving at virtual time <paramref name="time"/> with that time as its timestamp.</summary>
    public static Recorded<Notification<StreamElement<T>>> Event<T>(long time, T @event) =>
        Event(time, @event, time);

    /// <summary>Event <paramref name="event"/> arriving at virtual time <paramref name="time"/> carrying <paramref name="timestamp"/> (ms).</summary>
    public static Recorded<Notification<StreamElement<T>>> Event<T>(long time, T @event, long timestamp) =>
        new(time, Notification.CreateOnNext(StreamElement<T>.Of(@event, timestamp)));

    /// <summary>A watermark of <paramref name="time"/> ms arriving at virtual time <paramref name="time"/>.</summary>
    public static Recorded<Notification<StreamElement<T>>> Watermark<T>(long time) =>
        Watermark<T>(time, time);

    /// <summary>A watermark of <paramref name="watermark"/> ms arriving at virtual time <paramref name="time"/>.</summary>
    public static Recorded<Notification<StreamElement<T>>> Watermark<T>(long time, long watermark) =>
        new(time, Notification.CreateOnNext(StreamElement<T>.Watermark(watermark)));

    /// <summary>The input ends at <paramref name="time"/>: the pattern closes every window and then completes.</summary>
    public static Recorded<Notification<StreamElement<T>>> EndOfInput<T>(long time) =>
        new(time, Notification.CreateOnCompleted<StreamElement<T>>());

    /// <summary>The events one step of a match took, in take order; for <see cref="Match{T, TKey}"/> and <see cref="Timeout{T, TKey}"/>.</summary>
    public static KeyValuePair<string, IReadOnlyList<T>> Step<T>(string name, params T[] events)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Length == 0)
        {
            // The pattern's records leave out steps that took nothing, so an empty step could never compare equal.
            throw new ArgumentException($"Step '{name}' lists no events; leave out steps that took nothing.", nameof(events));
        }
        return new(name, events);
    }

    /// <summary>A match for <paramref name="key"/> decided at <paramref name="time"/> ms, with the events of each step.</summary>
    public static PatternRecord<T, TKey> Match<T, TKey>(TKey key, long time, params KeyValuePair<string, IReadOnlyList<T>>[] steps) =>
        Record(PatternRecordKind.Match, key, time, steps);

    /// <summary>A timed-out partial match for <paramref name="key"/> decided at <paramref name="time"/> ms, with the events it had taken.</summary>
    public static PatternRecord<T, TKey> Timeout<T, TKey>(TKey key, long time, params KeyValuePair<string, IReadOnlyList<T>>[] steps) =>
        Record(PatternRecordKind.Timeout, key, time, steps);

    /// <summary>A late event: <paramref name="event"/> with <paramref name="timestamp"/> arrived behind the watermark and was not matched.</summary>
    public static PatternRecord<T, TKey> Late<T, TKey>(T @event, long timestamp) =>
        new(PatternRecordKind.Late, default!, timestamp, new Dictionary<string, IReadOnlyList<T>>(), @event);

    private static PatternRecord<T, TKey> Record<T, TKey>(PatternRecordKind kind, TKey key, long time, KeyValuePair<string, IReadOnlyList<T>>[] steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var events = new Dictionary<string, IReadOnlyList<T>>(steps.Length);
        foreach (var (name, taken) in steps)
        {
            if (!events.TryAdd(name, taken))
            {
                throw new ArgumentException($"Step '{name}' is listed twice.", nameof(steps));
            }
        }
        return new(kind, key, time, events, default);
    }
}
