using System.Reactive.Concurrency;

namespace Cep.Time;

/// <summary>
/// Cep's engine counts time in milliseconds. A scheduler's clock is read as milliseconds since
/// <see cref="DateTimeOffset.MinValue"/>'s tick zero scaled by <see cref="TimeSpan.TicksPerMillisecond"/>, which is
/// epoch-free: only differences matter to windows. Cep's TestScheduler keeps Rx's tick; hand the engine its
/// <c>scheduler.Milliseconds</c> view, on which one virtual tick reads as one millisecond.
/// </summary>
public static class CepClock
{
    public static long NowMs(IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return ToMilliseconds(scheduler.Now);
    }

    public static long ToMilliseconds(DateTimeOffset time) => time.UtcTicks / TimeSpan.TicksPerMillisecond;

    public static DateTimeOffset FromMilliseconds(long milliseconds) =>
        new(Math.Clamp(milliseconds, 0, DateTimeOffset.MaxValue.UtcTicks / TimeSpan.TicksPerMillisecond) * TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
}
