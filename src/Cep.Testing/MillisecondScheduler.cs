using System.Reactive.Concurrency;

namespace Cep.Testing;

/// <summary>
/// The <see cref="TestScheduler"/> seen through Cep's convention, one virtual tick = one millisecond:
/// <see cref="Now"/> is <c>Clock</c> milliseconds and a <see cref="TimeSpan"/> of <c>n</c> ms is <c>n</c> virtual ticks.
/// Engine code that reads time from an <see cref="IScheduler"/> (Cep.Time.CepClock, processing-time patterns) runs on
/// this view; Rx operators under test keep using the <see cref="TestScheduler"/> itself and Rx's tick semantics.
/// </summary>
/// <remarks>
/// Both views share one clock and one queue, so their actions interleave by virtual time exactly as if scheduled on
/// the test scheduler directly. Durations and due times are rounded up to whole milliseconds: a timer never fires
/// early.
/// </remarks>
internal sealed class MillisecondScheduler(TestScheduler scheduler) : IScheduler
{
    public DateTimeOffset Now => new(checked(scheduler.Clock * TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    public IDisposable Schedule<TState>(TState state, Func<IScheduler, TState, IDisposable> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return At(scheduler.Clock, state, action);
    }

    public IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var delay = Math.Max(0, CeilingMilliseconds(dueTime.Ticks));
        var due = delay > long.MaxValue - scheduler.Clock ? long.MaxValue : scheduler.Clock + delay;
        return At(due, state, action);
    }

    public IDisposable Schedule<TState>(TState state, DateTimeOffset dueTime, Func<IScheduler, TState, IDisposable> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return At(CeilingMilliseconds(dueTime.UtcTicks), state, action);
    }

    private IDisposable At<TState>(long dueMs, TState state, Func<IScheduler, TState, IDisposable> action) =>
        // The action gets this view, not the test scheduler, so whatever it schedules next stays in milliseconds.
        scheduler.ScheduleAbsolute((View: this, State: state, Action: action), dueMs, static (_, s) => s.Action(s.View, s.State));

    private static long CeilingMilliseconds(long ticks) =>
        ticks / TimeSpan.TicksPerMillisecond + (ticks % TimeSpan.TicksPerMillisecond > 0 ? 1 : 0);
}
