using System.Reactive.Linq;
using static Cep.Testing.ReactiveTest;

namespace Cep.Testing.Tests;

public sealed class HotObservableTests
{
    [Fact]
    public void Hot_EventsBeforeSubscribe_AreMissed()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(
            OnNext(150, 1),
            OnNext(199, 2),
            OnNext(200, 3),
            OnNext(210, 4),
            OnCompleted<int>(250));

        var results = scheduler.Start(() => xs);

        // 200 fires before the subscription made at 200: the hot observable scheduled it first.
        results.Messages.AssertEqual(OnNext(210, 4), OnCompleted<int>(250));
    }

    [Fact]
    public void Hot_TwoSubscribers_ShareTheSameAbsoluteTimes()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnNext(310, 2), OnNext(410, 3));
        var early = scheduler.CreateObserver<int>();
        var late = scheduler.CreateObserver<int>();
        IDisposable? earlySubscription = null;

        scheduler.ScheduleAbsolute(200, () => earlySubscription = xs.Subscribe(early));
        scheduler.ScheduleAbsolute(300, () => xs.Subscribe(late));
        scheduler.ScheduleAbsolute(400, () => earlySubscription!.Dispose());
        scheduler.Start();

        early.Messages.AssertEqual(OnNext(210, 1), OnNext(310, 2));
        late.Messages.AssertEqual(OnNext(310, 2), OnNext(410, 3));
        xs.Subscriptions.AssertEqual(Subscribe(200, 400), Subscribe(300));
    }

    [Fact]
    public void Hot_DisposeTwice_RecordsFirstDisposal()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable<int>();
        IDisposable? subscription = null;

        scheduler.ScheduleAbsolute(200, () => subscription = xs.Subscribe(scheduler.CreateObserver<int>()));
        scheduler.ScheduleAbsolute(300, () => subscription!.Dispose());
        scheduler.ScheduleAbsolute(400, () => subscription!.Dispose());
        scheduler.Start();

        xs.Subscriptions.AssertEqual(Subscribe(200, 300));
    }

    [Fact]
    public void Hot_SameObserverTwice_DisposingOneKeepsTheOther()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(250, 1), OnNext(350, 2));
        var observer = scheduler.CreateObserver<int>();
        IDisposable? second = null;

        scheduler.ScheduleAbsolute(200, () => xs.Subscribe(observer));
        scheduler.ScheduleAbsolute(210, () => second = xs.Subscribe(observer));
        scheduler.ScheduleAbsolute(300, () => second!.Dispose());
        scheduler.Start();

        observer.Messages.AssertEqual(OnNext(250, 1), OnNext(250, 1), OnNext(350, 2));
        xs.Subscriptions.AssertEqual(Subscribe(200), Subscribe(210, 300));
    }

    [Fact]
    public void Hot_SubscribeDuringNotification_GetsOnlyLaterMessages()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnNext(220, 2));
        var inner = scheduler.CreateObserver<int>();
        var subscribed = false;

        scheduler.ScheduleAbsolute(200, () => xs.Subscribe(_ =>
        {
            if (!subscribed)
            {
                subscribed = true;
                xs.Subscribe(inner);
            }
        }));
        scheduler.Start();

        inner.Messages.AssertEqual(OnNext(220, 2));
    }

    [Fact]
    public void Hot_MessageAtOrBeforeCreationClock_FiresAtClockPlusOne()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(50);
        var xs = scheduler.CreateHotObservable(OnNext(10, 1), OnNext(50, 2), OnNext(60, 3));
        var observer = scheduler.CreateObserver<int>();
        xs.Subscribe(observer);

        scheduler.Start();

        observer.Messages.AssertEqual(OnNext(51, 1), OnNext(51, 2), OnNext(60, 3));
    }

    [Fact]
    public void Hot_Messages_ExposesScriptAsGiven()
    {
        var scheduler = new TestScheduler();
        var script = new[] { OnNext(210, 'a'), OnCompleted<char>(300) };

        var xs = scheduler.CreateHotObservable(script);
        script[0] = OnNext(999, 'z');

        xs.Messages.AssertEqual(OnNext(210, 'a'), OnCompleted<char>(300));
    }

    [Fact]
    public void Hot_PredicateMessage_IsRejected()
    {
        var scheduler = new TestScheduler();

        var error = Assert.Throws<ArgumentException>(() => scheduler.CreateHotObservable(OnNext<int>(210, x => x > 0)));

        Assert.Contains("predicate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hot_NullObserver_Throws()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable<int>();

        Assert.Throws<ArgumentNullException>(() => xs.Subscribe((IObserver<int>)null!));
    }
}
