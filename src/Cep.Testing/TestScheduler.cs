using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace Cep.Testing;

/// <summary>
/// Virtual-time scheduler for tests: nothing runs until the test starts or advances the clock, and then every
/// scheduled action runs at exactly its virtual time, ordered by time and, at equal times, by scheduling order.
/// </summary>
/// <remarks>
/// <para>
/// Behaves as Microsoft.Reactive.Testing's <c>TestScheduler</c>: the clock is a <see cref="long"/> of ticks,
/// <see cref="IScheduler.Now"/> is <c>new DateTimeOffset(Clock, TimeSpan.Zero)</c> and a <see cref="TimeSpan"/>
/// handed to an Rx operator counts <see cref="TimeSpan.Ticks"/> (so <c>Throttle(TimeSpan.FromTicks(20))</c> waits 20
/// virtual ticks). Scheduling at or before the current clock runs at <c>Clock + 1</c>, as in Rx, which is why
/// <c>Observable.Return(x, scheduler)</c> subscribed at 200 yields at 201.
/// </para>
/// <para>
/// Cep convention: Cep's engine measures time in milliseconds (<see cref="long"/> timestamps, watermarks and
/// processing clocks), and Cep tests read one virtual tick as one millisecond. <see cref="NowMs"/> is that reading
/// of the clock; pass it wherever the engine wants "now", and pass <see cref="Milliseconds"/> wherever Cep code takes
/// an <see cref="IScheduler"/>. Handing the test scheduler itself to code that reads milliseconds from
/// <see cref="IScheduler.Now"/> would make one millisecond 10,000 virtual ticks.
/// </para>
/// <para>
/// Differences from Microsoft.Reactive.Testing: the class is sealed; <see cref="Start{T}(Func{IObservable{T}}, long, long, long)"/>
/// rejects out-of-order times instead of failing later with a null reference; adding relative time saturates at
/// <see cref="long.MaxValue"/> instead of wrapping; <see cref="NowMs"/>, <see cref="Milliseconds"/> and
/// <see cref="ScheduleAbsolute(long, Action)"/> are additions; test observables return read-only
/// lists and reject predicate notifications (those are expectations only).
/// </para>
/// </remarks>
public sealed class TestScheduler : VirtualTimeScheduler<long, long>
{
    private MillisecondScheduler? _milliseconds;

    /// <summary>The clock read as Cep milliseconds: one virtual tick is one millisecond in Cep tests.</summary>
    public long NowMs => Clock;

    /// <summary>
    /// This scheduler as an <see cref="IScheduler"/> whose clock and durations are in Cep milliseconds (one virtual
    /// tick = one millisecond): <c>Now</c> is <c>Clock</c> ms and <c>TimeSpan.FromMilliseconds(n)</c> waits n ticks.
    /// Hand it to Cep code that reads time from a scheduler (processing-time patterns); same clock, same queue.
    /// </summary>
    public IScheduler Milliseconds => _milliseconds ??= new MillisecondScheduler(this);

    /// <summary>
    /// Schedules <paramref name="action"/> at absolute virtual time <paramref name="dueTime"/>; a time not after the
    /// current clock becomes <c>Clock + 1</c> so that nothing runs re-entrantly inside the action that scheduled it.
    /// </summary>
    public override IDisposable ScheduleAbsolute<TState>(TState state, long dueTime, Func<IScheduler, TState, IDisposable> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (dueTime <= Clock)
        {
            dueTime = Clock + 1;
        }
        return base.ScheduleAbsolute(state, dueTime, action);
    }

    /// <summary>
    /// Schedules <paramref name="action"/> at absolute virtual time <paramref name="dueTime"/> (same rules as the
    /// state-passing overload). Saves tests from importing <c>System.Reactive.Concurrency</c> for Rx's extension.
    /// </summary>
    public IDisposable ScheduleAbsolute(long dueTime, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return ScheduleAbsolute(action, dueTime, static (_, run) =>
        {
            run();
            return Disposable.Empty;
        });
    }

    /// <summary>
    /// Runs the scheduler: calls <paramref name="create"/> at <paramref name="created"/>, subscribes a recording
    /// observer at <paramref name="subscribed"/>, disposes that subscription at <paramref name="disposed"/>, and
    /// returns once no work is left. The observer holds what arrived while subscribed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The times are not in order created ≤ subscribed ≤ disposed.</exception>
    public ITestableObserver<T> Start<T>(Func<IObservable<T>> create, long created, long subscribed, long disposed)
    {
        ArgumentNullException.ThrowIfNull(create);
        if (subscribed < created)
        {
            throw new ArgumentOutOfRangeException(nameof(subscribed), subscribed, $"Subscription time must not precede creation time {created}.");
        }
        if (disposed < subscribed)
        {
            throw new ArgumentOutOfRangeException(nameof(disposed), disposed, $"Disposal time must not precede subscription time {subscribed}.");
        }

        var observer = CreateObserver<T>();
        IObservable<T>? source = null;
        IDisposable? subscription = null;

        ScheduleAbsolute(0, created, (_, _) =>
        {
            source = create() ?? throw new InvalidOperationException("The factory passed to Start returned null.");
            return Disposable.Empty;
        });
        ScheduleAbsolute(0, subscribed, (_, _) =>
        {
            subscription = source!.Subscribe(observer);
            return Disposable.Empty;
        });
        ScheduleAbsolute(0, disposed, (_, _) =>
        {
            subscription!.Dispose();
            return Disposable.Empty;
        });

        Start();
        return observer;
    }

    /// <summary>As <see cref="Start{T}(Func{IObservable{T}}, long, long, long)"/> with the default creation and subscription times 100 and 200.</summary>
    public ITestableObserver<T> Start<T>(Func<IObservable<T>> create, long disposed) =>
        Start(create, ReactiveTest.Created, ReactiveTest.Subscribed, disposed);

    /// <summary>As <see cref="Start{T}(Func{IObservable{T}}, long, long, long)"/> with the defaults 100, 200 and 1000.</summary>
    public ITestableObserver<T> Start<T>(Func<IObservable<T>> create) =>
        Start(create, ReactiveTest.Created, ReactiveTest.Subscribed, ReactiveTest.Disposed);

    /// <summary>
    /// A hot observable: each message fires at its absolute virtual time to whoever is subscribed then. The messages
    /// are scheduled now, so times not after the current clock fire at <c>Clock + 1</c>.
    /// </summary>
    public ITestableObservable<T> CreateHotObservable<T>(params Recorded<Notification<T>>[] messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        RejectPredicates(messages);
        return new HotObservable<T>(this, messages);
    }

    /// <summary>
    /// A cold observable: every subscriber gets its own replay, each message at its time as an offset from that
    /// subscription (an offset of 0 arrives one tick after subscribing).
    /// </summary>
    public ITestableObservable<T> CreateColdObservable<T>(params Recorded<Notification<T>>[] messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        RejectPredicates(messages);
        return new ColdObservable<T>(this, messages);
    }

    /// <summary>An observer that records each notification with the clock at which it arrived.</summary>
    public ITestableObserver<T> CreateObserver<T>() => new MockObserver<T>(this);

    // Saturates instead of wrapping: a huge relative time (an Rx operator given TimeSpan.MaxValue) means "never",
    // and a wrapped negative time would instead run at Clock + 1.
    protected override long Add(long absolute, long relative)
    {
        var sum = unchecked(absolute + relative);
        if (((absolute ^ sum) & (relative ^ sum)) < 0)
        {
            return relative > 0 ? long.MaxValue : long.MinValue;
        }
        return sum;
    }

    protected override DateTimeOffset ToDateTimeOffset(long absolute) => new(absolute, TimeSpan.Zero);

    protected override long ToRelative(TimeSpan timeSpan) => timeSpan.Ticks;

    private static void RejectPredicates<T>(Recorded<Notification<T>>[] messages)
    {
        foreach (var message in messages)
        {
            if (message.Value is PredicateNotification<T>)
            {
                throw new ArgumentException(
                    $"Message {message} is a predicate expectation; a test observable needs concrete notifications.",
                    nameof(messages));
            }
        }
    }
}
