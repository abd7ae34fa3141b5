using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using Cep.Nfa;
using Cep.Runtime;
using Cep.Time;

namespace Cep.Linq;

/// <summary>
/// Operators that run a pattern over an <see cref="IObservable{T}"/>, keyed, in event time (timestamps and
/// watermarks) or processing time (an <see cref="IScheduler"/>). One keyed operator per subscription holds every
/// key's state: no GroupBy per key. Completion of the source ends the input: every window closes.
/// </summary>
public static class ObservablePattern
{
    /// <summary>Event time: timestamps from the events, watermark = largest timestamp − out-of-orderness − 1 ms.</summary>
    public static IObservable<PatternRecord<T, TKey>> MatchPattern<T, TKey>(this IObservable<T> source, Pattern<T> pattern, Func<T, TKey> keySelector, Func<T, long> timestampSelector, PatternOptions? options = null)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return source.MatchPattern(pattern.Compile(), keySelector, timestampSelector, options);
    }

    public static IObservable<PatternRecord<T, TKey>> MatchPattern<T, TKey>(this IObservable<T> source, CompiledPattern<T> pattern, Func<T, TKey> keySelector, Func<T, long> timestampSelector, PatternOptions? options = null)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(timestampSelector);
        return source.Select(e => StreamElement<T>.Of(e, timestampSelector(e))).MatchPattern(pattern, keySelector, options);
    }

    /// <summary>Event time with explicit watermarks interleaved with the events.</summary>
    public static IObservable<PatternRecord<T, TKey>> MatchPattern<T, TKey>(this IObservable<StreamElement<T>> source, CompiledPattern<T> pattern, Func<T, TKey> keySelector, PatternOptions? options = null)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(keySelector);
        options ??= new PatternOptions();
        return Observable.Create<PatternRecord<T, TKey>>(observer =>
        {
            var sink = new ObserverSink<T, TKey>(observer, options);
            var op = new KeyedPatternOperator<T, TKey>(pattern, new OperatorOptions
            {
                TimeMode = TimeMode.EventTime,
                OutOfOrdernessMs = (long)options.OutOfOrderness.TotalMilliseconds,
            }, sink);
            return source.Subscribe(
                element =>
                {
                    if (element.IsWatermark)
                    {
                        op.OnWatermark(0, element.Timestamp);
                    }
                    else
                    {
                        op.OnEvent(0, keySelector(element.Event!), element.Event!, element.Timestamp, element.Timestamp);
                    }
                },
                observer.OnError,
                () =>
                {
                    op.EndInput(0);
                    observer.OnCompleted();
                });
        });
    }

    /// <summary>Processing time: an event's time is the scheduler's clock when it arrives; windows expire through
    /// scheduler timers, so the same pattern runs on a real scheduler or a virtual one.</summary>
    public static IObservable<PatternRecord<T, TKey>> MatchPattern<T, TKey>(this IObservable<T> source, Pattern<T> pattern, Func<T, TKey> keySelector, IScheduler scheduler, PatternOptions? options = null)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return source.MatchPattern(pattern.Compile(), keySelector, scheduler, options);
    }

    public static IObservable<PatternRecord<T, TKey>> MatchPattern<T, TKey>(this IObservable<T> source, CompiledPattern<T> pattern, Func<T, TKey> keySelector, IScheduler scheduler, PatternOptions? options = null)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(keySelector);
        ArgumentNullException.ThrowIfNull(scheduler);
        options ??= new PatternOptions();
        return Observable.Create<PatternRecord<T, TKey>>(observer =>
        {
            var gate = new object();
            var sink = new ObserverSink<T, TKey>(observer, options);
            var op = new KeyedPatternOperator<T, TKey>(pattern, new OperatorOptions { TimeMode = TimeMode.ProcessingTime }, sink);
            var timer = new SerialDisposable();
            var scheduledAt = long.MaxValue;
            var done = false;

            void Reschedule()
            {
                var next = op.NextTimer;
                if (next is not { } deadline || deadline >= scheduledAt)
                {
                    return;
                }
                scheduledAt = deadline;
                timer.Disposable = scheduler.Schedule(CepClock.FromMilliseconds(deadline), () =>
                {
                    lock (gate)
                    {
                        if (done)
                        {
                            return;
                        }
                        scheduledAt = long.MaxValue;
                        op.AdvanceTime(CepClock.NowMs(scheduler));
                        Reschedule();
                    }
                });
            }

            var subscription = source.Subscribe(
                e =>
                {
                    lock (gate)
                    {
                        var now = CepClock.NowMs(scheduler);
                        op.OnEvent(0, keySelector(e), e, now, now);
                        Reschedule();
                    }
                },
                ex =>
                {
                    lock (gate)
                    {
                        done = true;
                        observer.OnError(ex);
                    }
                },
                () =>
                {
                    lock (gate)
                    {
                        op.EndInput(0);
                        done = true;
                        observer.OnCompleted();
                    }
                });
            return new CompositeDisposable(subscription, timer, Disposable.Create(() =>
            {
                lock (gate)
                {
                    done = true;
                }
            }));
        });
    }

    public static IObservable<PatternRecord<T, TKey>> Matches<T, TKey>(this IObservable<PatternRecord<T, TKey>> records) =>
        records.Where(r => r.Kind == PatternRecordKind.Match);

    public static IObservable<PatternRecord<T, TKey>> Timeouts<T, TKey>(this IObservable<PatternRecord<T, TKey>> records) =>
        records.Where(r => r.Kind == PatternRecordKind.Timeout);

    public static IObservable<PatternRecord<T, TKey>> LateEvents<T, TKey>(this IObservable<PatternRecord<T, TKey>> records) =>
        records.Where(r => r.Kind == PatternRecordKind.Late);

    private sealed class ObserverSink<T, TKey>(IObserver<PatternRecord<T, TKey>> observer, PatternOptions options) : IPatternSink<T, TKey>
    {
        private static readonly IReadOnlyDictionary<string, IReadOnlyList<T>> NoEvents = new Dictionary<string, IReadOnlyList<T>>();

        public void OnMatch(in PatternResult<T, TKey> match) =>
            observer.OnNext(new PatternRecord<T, TKey>(PatternRecordKind.Match, match.Key, match.Time, match.ByStep(), default));

        public void OnTimeout(in PatternResult<T, TKey> timeout) =>
            observer.OnNext(new PatternRecord<T, TKey>(PatternRecordKind.Timeout, timeout.Key, timeout.Time, timeout.ByStep(), default));

        public void OnLate(int input, T @event, long timestamp) =>
            observer.OnNext(new PatternRecord<T, TKey>(PatternRecordKind.Late, default!, timestamp, NoEvents, @event));

        public void OnConditionError(ConditionError<T> error) =>
            options.OnConditionError?.Invoke(error.Step, error.Event, error.Exception);
    }
}
