using System.Reactive.Concurrency;
using Cep.Testing;

namespace Cep.Runner.Engine;

/// <summary>
/// The processing clock of a run, in epoch milliseconds, read through an <see cref="IScheduler"/> (STYLE 9):
/// <see cref="Scheduler.Default"/> in <c>cep run</c>, a virtual <see cref="TestScheduler"/> in <c>cep test</c>.
/// </summary>
internal sealed class RunClock
{
    private readonly Func<long> _nowMs;

    private RunClock(IScheduler scheduler, Func<long> nowMs, bool isVirtual)
    {
        Scheduler = scheduler;
        _nowMs = nowMs;
        IsVirtual = isVirtual;
    }

    public IScheduler Scheduler { get; }

    /// <summary>Virtual clocks never wait: the host advances them.</summary>
    public bool IsVirtual { get; }

    public long NowMs => _nowMs();

    /// <summary>
    /// The system clock. It is read once per event, so it reads <see cref="DateTimeOffset.UtcNow"/> directly: that is
    /// what <see cref="Scheduler.Default"/>'s <c>Now</c> returns, without Rx's clock-service indirections (a third of
    /// the cost of a read).
    /// </summary>
    public static RunClock Default { get; } = new(
        System.Reactive.Concurrency.Scheduler.Default, static () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), isVirtual: false);

    public static RunClock FromScheduler(IScheduler scheduler) =>
        new(scheduler, () => scheduler.Now.ToUnixTimeMilliseconds(), isVirtual: false);

    /// <summary>A test scheduler's clock, one tick per millisecond (the Cep.Testing convention).</summary>
    public static RunClock Virtual(TestScheduler scheduler) => new(scheduler, () => scheduler.NowMs, isVirtual: true);
}
