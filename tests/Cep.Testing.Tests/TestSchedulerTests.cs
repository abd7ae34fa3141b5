using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using static Cep.Testing.ReactiveTest;

namespace Cep.Testing.Tests;

public sealed class TestSchedulerTests
{
    [Fact]
    public void Start_DefaultTimes_CreatesAt100SubscribesAt200DisposesAt1000()
    {
        var scheduler = new TestScheduler();
        long createdAt = -1;
        var xs = scheduler.CreateHotObservable<int>();

        scheduler.Start(() =>
        {
            createdAt = scheduler.Clock;
            return xs;
        });

        Assert.Equal(Created, createdAt);
        xs.Subscriptions.AssertEqual(Subscribe(Subscribed, Disposed));
        Assert.Equal(Disposed, scheduler.Clock);
    }

    [Fact]
    public void Start_ExplicitTimes_UsesThem()
    {
        var scheduler = new TestScheduler();
        long createdAt = -1;
        var xs = scheduler.CreateHotObservable<int>();

        scheduler.Start(() =>
        {
            createdAt = scheduler.Clock;
            return xs;
        }, created: 50, subscribed: 150, disposed: 300);

        Assert.Equal(50, createdAt);
        xs.Subscriptions.AssertEqual(Subscribe(150, 300));
    }

    [Fact]
    public void Start_DisposedOnly_KeepsDefaultCreatedAndSubscribed()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnNext(260, 2));

        var results = scheduler.Start(() => xs, 250);

        results.Messages.AssertEqual(OnNext(210, 1));
        xs.Subscriptions.AssertEqual(Subscribe(200, 250));
    }

    [Fact]
    public void Start_DisposalBeforeLaterMessages_StopsRecording()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(
            OnNext(300, 1),
            OnNext(999, 2),
            OnNext(1000, 3),
            OnNext(1001, 4),
            OnCompleted<int>(1100));

        var results = scheduler.Start(() => xs);

        // 1000 was scheduled (by the hot observable) before Start scheduled the disposal, so it still gets through.
        results.Messages.AssertEqual(OnNext(300, 1), OnNext(999, 2), OnNext(1000, 3));
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void Start_SubscribedBeforeCreated_Throws()
    {
        var scheduler = new TestScheduler();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            scheduler.Start(Observable.Never<int>, created: 300, subscribed: 200, disposed: 1000));

        Assert.Equal("subscribed", error.ParamName);
    }

    [Fact]
    public void Start_DisposedBeforeSubscribed_Throws()
    {
        var scheduler = new TestScheduler();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            scheduler.Start(Observable.Never<int>, created: 100, subscribed: 200, disposed: 150));

        Assert.Equal("disposed", error.ParamName);
    }

    [Fact]
    public void Start_FactoryReturnsNull_ThrowsClearError()
    {
        var scheduler = new TestScheduler();

        var error = Assert.Throws<InvalidOperationException>(() => scheduler.Start<int>(() => null!));

        Assert.Contains("returned null", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScheduleAbsolute_EqualTimes_RunInSchedulingOrder()
    {
        var scheduler = new TestScheduler();
        var log = new List<string>();

        scheduler.ScheduleAbsolute(20, () => log.Add("b@20"));
        scheduler.ScheduleAbsolute(10, () => log.Add("a@10"));
        scheduler.ScheduleAbsolute(20, () => log.Add("c@20"));
        scheduler.ScheduleAbsolute(10, () => log.Add("d@10"));
        scheduler.ScheduleAbsolute(20, () => log.Add("e@20"));
        scheduler.Start();

        Assert.Equal(["a@10", "d@10", "b@20", "c@20", "e@20"], log);
    }

    [Fact]
    public void ScheduleAbsolute_ActionRuns_ClockEqualsDueTime()
    {
        var scheduler = new TestScheduler();
        var seen = new List<long>();

        scheduler.ScheduleAbsolute(5, () => seen.Add(scheduler.Clock));
        scheduler.ScheduleAbsolute(42, () => seen.Add(scheduler.Clock));
        scheduler.Start();

        Assert.Equal([5L, 42L], seen);
    }

    [Fact]
    public void ScheduleAbsolute_TimeNotAfterClock_RunsAtClockPlusOne()
    {
        var scheduler = new TestScheduler();
        var seen = new List<long>();

        scheduler.ScheduleAbsolute(100, () =>
        {
            scheduler.ScheduleAbsolute(100, () => seen.Add(scheduler.Clock));
            scheduler.ScheduleAbsolute(50, () => seen.Add(scheduler.Clock));
        });
        scheduler.Start();

        Assert.Equal([101L, 101L], seen);
    }

    [Fact]
    public void ScheduleAbsolute_DisposedBeforeDue_DoesNotRun()
    {
        var scheduler = new TestScheduler();
        var ran = false;

        var pending = scheduler.ScheduleAbsolute(10, () => ran = true);
        scheduler.ScheduleAbsolute(5, pending.Dispose);
        scheduler.Start();

        Assert.False(ran);
    }

    [Fact]
    public void AdvanceTo_RunsOnlyDueActions_AndSetsClock()
    {
        var scheduler = new TestScheduler();
        var log = new List<long>();
        scheduler.ScheduleAbsolute(10, () => log.Add(scheduler.Clock));
        scheduler.ScheduleAbsolute(30, () => log.Add(scheduler.Clock));

        scheduler.AdvanceTo(20);

        Assert.Equal([10L], log);
        Assert.Equal(20, scheduler.Clock);

        scheduler.AdvanceBy(10);

        Assert.Equal([10L, 30L], log);
        Assert.Equal(30, scheduler.Clock);
    }

    [Fact]
    public void NowMs_ReadsClockAsMilliseconds()
    {
        var scheduler = new TestScheduler();

        scheduler.AdvanceTo(1_500);

        Assert.Equal(1_500, scheduler.NowMs);
        Assert.Equal(scheduler.Clock, scheduler.NowMs);
    }

    [Fact]
    public void Now_IsClockInTimeSpanTicks_AsRx()
    {
        var scheduler = new TestScheduler();

        scheduler.AdvanceTo(1_234);

        Assert.Equal(new DateTimeOffset(1_234, TimeSpan.Zero), scheduler.Now);
    }

    [Fact]
    public void ScheduleRelative_TimeSpan_CountsTicks()
    {
        var scheduler = new TestScheduler();
        long ranAt = -1;
        scheduler.AdvanceTo(100);

        ((IScheduler)scheduler).Schedule(TimeSpan.FromTicks(25), () => ranAt = scheduler.Clock);
        scheduler.Start();

        Assert.Equal(125, ranAt);
    }

    [Fact]
    public void ScheduleRelative_HugeTimeSpan_SaturatesInsteadOfRunningNow()
    {
        var scheduler = new TestScheduler();
        var ran = false;
        scheduler.AdvanceTo(100);

        ((IScheduler)scheduler).Schedule(TimeSpan.MaxValue, () => ran = true);
        scheduler.AdvanceTo(1_000_000);

        Assert.False(ran);
    }

    [Fact]
    public void CreateObserver_RecordsOnNextOnErrorOnCompletedAtClock()
    {
        var scheduler = new TestScheduler();
        var observer = scheduler.CreateObserver<int>();
        var error = new InvalidOperationException("boom");

        scheduler.ScheduleAbsolute(10, () => observer.OnNext(1));
        scheduler.ScheduleAbsolute(20, () => observer.OnError(error));
        scheduler.ScheduleAbsolute(30, () => observer.OnCompleted());
        scheduler.Start();

        observer.Messages.AssertEqual(OnNext(10, 1), OnError<int>(20, error), OnCompleted<int>(30));
    }

    [Fact]
    public void Start_SourceErrors_RecordsOnErrorAtItsTime()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("boom");
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnError<int>(250, error), OnNext(260, 2));

        var results = scheduler.Start(() => xs);

        results.Messages.AssertEqual(OnNext(210, 1), OnError<int>(250, error), OnNext(260, 2));
        Assert.Same(error, results.Messages[1].Value.Exception);
    }

    [Fact]
    public void Start_SourceCompletes_RecordsOnCompletedAndKeepsSubscriptionUntilDisposal()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnCompleted<int>(250));

        var results = scheduler.Start(() => xs);

        results.Messages.AssertEqual(OnNext(210, 1), OnCompleted<int>(250));
        // A raw test observable has no auto-detach: the subscription ends when Start disposes it.
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void Start_ThroughRxOperator_SubscriptionEndsAtCompletion()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnCompleted<int>(250));

        var results = scheduler.Start(() => xs.Select(x => x));

        results.Messages.AssertEqual(OnNext(210, 1), OnCompleted<int>(250));
        // Rx operators dispose their upstream on a terminal notification.
        xs.Subscriptions.AssertEqual(Subscribe(200, 250));
    }

    [Fact]
    public void Schedule_Unused_ReturnsDisposableThatCancels()
    {
        var scheduler = new TestScheduler();
        var count = 0;
        var disposables = new CompositeDisposable(
            scheduler.ScheduleAbsolute(10, () => count++),
            scheduler.ScheduleAbsolute(20, () => count++));

        scheduler.AdvanceTo(15);
        disposables.Dispose();
        scheduler.Start();

        Assert.Equal(1, count);
    }
}
