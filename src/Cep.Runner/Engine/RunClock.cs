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

    public static RunClock Default { get; } = FromScheduler(System.Reactive.Concurrency.Scheduler.Default);

    public static RunClock FromScheduler(IScheduler scheduler) =>
        new(scheduler, () => scheduler.Now.ToUnixTimeMilliseconds(), isVirtual: false);

    /// <summary>A test scheduler's clock, one tick per millisecond (the Cep.Testing convention).</summary>
    public static RunClock Virtual(TestScheduler scheduler) => new(scheduler, () => scheduler.NowMs, isVirtual: true);
}
