using System.Reactive.Concurrency;
using System.Reactive.Linq;
using Cep.Time;
using static Cep.Testing.ReactiveTest;

namespace Cep.Testing.Tests;

public sealed class MillisecondSchedulerTests
{
    [Fact]
    public void Milliseconds_Now_IsClockInMilliseconds()
    {
        var scheduler = new TestScheduler();

        scheduler.AdvanceTo(1_500);

        Assert.Equal(DateTimeOffset.MinValue.AddMilliseconds(1_500), scheduler.Milliseconds.Now);
        Assert.Equal(1_500, CepClock.NowMs(scheduler.Milliseconds));
        Assert.Equal(scheduler.NowMs, CepClock.NowMs(scheduler.Milliseconds));
    }

    [Fact]
    public void Milliseconds_SameInstanceEachTime()
    {
        var scheduler = new TestScheduler();

        Assert.Same(scheduler.Milliseconds, scheduler.Milliseconds);
    }

    [Fact]
    public void Milliseconds_ScheduleTimeSpan_WaitsThatManyTicks()
    {
        var scheduler = new TestScheduler();
        long ranAt = -1;
        scheduler.AdvanceTo(100);

        scheduler.Milliseconds.Schedule(TimeSpan.FromMilliseconds(25), () => ranAt = scheduler.Clock);
        scheduler.Start();

        Assert.Equal(125, ranAt);
    }

    [Fact]
    public void Milliseconds_ScheduleFractionalTimeSpan_RoundsUp()
    {
        var scheduler = new TestScheduler();
        long ranAt = -1;
        scheduler.AdvanceTo(100);

        scheduler.Milliseconds.Schedule(TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond * 3 + 1), () => ranAt = scheduler.Clock);
        scheduler.Start();

        Assert.Equal(104, ranAt);
    }

    [Fact]
    public void Milliseconds_ScheduleDateTimeOffset_RunsAtThatMillisecond()
    {
        var scheduler = new TestScheduler();
        long ranAt = -1;

        scheduler.Milliseconds.Schedule(CepClock.FromMilliseconds(300), () => ranAt = scheduler.Clock);
        scheduler.Start();

        Assert.Equal(300, ranAt);
    }

    [Fact]
    public void Milliseconds_ScheduleNow_RunsAtClockPlusOneAsTestScheduler()
    {
        var scheduler = new TestScheduler();
        long ranAt = -1;
        scheduler.AdvanceTo(100);

        scheduler.Milliseconds.Schedule(() => ranAt = scheduler.Clock);
        scheduler.Start();

        Assert.Equal(101, ranAt);
    }

    [Fact]
    public void Milliseconds_HugeTimeSpan_DoesNotRunEarly()
    {
        var scheduler = new TestScheduler();
        var ran = false;
        scheduler.AdvanceTo(100);

        scheduler.Milliseconds.Schedule(TimeSpan.MaxValue, () => ran = true);
        // TimeSpan.MaxValue is about 9.2e14 ms from now.
        scheduler.AdvanceTo(900_000_000_000_000);

        Assert.False(ran);
    }

    [Fact]
    public void Milliseconds_ActionScheduler_IsTheMillisecondView()
    {
        var scheduler = new TestScheduler();
        var seen = new List<long>();

        scheduler.Milliseconds.Schedule(0, TimeSpan.FromMilliseconds(10), (self, _) =>
        {
            seen.Add(CepClock.NowMs(self));
            return self.Schedule(0, TimeSpan.FromMilliseconds(5), (inner, _) =>
            {
                seen.Add(CepClock.NowMs(inner));
                return System.Reactive.Disposables.Disposable.Empty;
            });
        });
        scheduler.Start();

        Assert.Equal([10L, 15L], seen);
    }

    [Fact]
    public void Milliseconds_InterleavesWithTestSchedulerBySchedulingOrder()
    {
        var scheduler = new TestScheduler();
        var log = new List<string>();

        scheduler.ScheduleAbsolute(20, () => log.Add("ticks@20"));
        scheduler.Milliseconds.Schedule(TimeSpan.FromMilliseconds(20), () => log.Add("ms@20"));
        scheduler.ScheduleAbsolute(10, () => log.Add("ticks@10"));
        scheduler.Start();

        Assert.Equal(["ticks@10", "ticks@20", "ms@20"], log);
    }

    [Fact]
    public void Milliseconds_RxOperator_CountsMilliseconds()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnNext(220, 2), OnNext(300, 3), OnCompleted<int>(400));

        var results = scheduler.Start(() => xs.Throttle(TimeSpan.FromMilliseconds(20), scheduler.Milliseconds));

        results.Messages.AssertEqual(OnNext(240, 2), OnNext(320, 3), OnCompleted<int>(400));
    }
}
