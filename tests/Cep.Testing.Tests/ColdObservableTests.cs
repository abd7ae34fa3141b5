using System.Reactive.Linq;
using static Cep.Testing.ReactiveTest;

namespace Cep.Testing.Tests;

public sealed class ColdObservableTests
{
    [Fact]
    public void Cold_Start_MessagesAreOffsetsFromSubscription()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateColdObservable(OnNext(10, 1), OnNext(20, 2), OnCompleted<int>(30));

        var results = scheduler.Start(() => xs);

        results.Messages.AssertEqual(OnNext(210, 1), OnNext(220, 2), OnCompleted<int>(230));
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void Cold_EachSubscriber_GetsOwnReplay()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateColdObservable(OnNext(10, "a"), OnNext(50, "b"));
        var first = scheduler.CreateObserver<string>();
        var second = scheduler.CreateObserver<string>();

        scheduler.ScheduleAbsolute(100, () => xs.Subscribe(first));
        scheduler.ScheduleAbsolute(300, () => xs.Subscribe(second));
        scheduler.Start();

        first.Messages.AssertEqual(OnNext(110, "a"), OnNext(150, "b"));
        second.Messages.AssertEqual(OnNext(310, "a"), OnNext(350, "b"));
        xs.Subscriptions.AssertEqual(Subscribe(100), Subscribe(300));
    }

    [Fact]
    public void Cold_Disposed_CancelsPendingMessages()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateColdObservable(OnNext(10, 1), OnNext(100, 2), OnCompleted<int>(200));

        var results = scheduler.Start(() => xs, 250);

        results.Messages.AssertEqual(OnNext(210, 1));
        xs.Subscriptions.AssertEqual(Subscribe(200, 250));
    }

    [Fact]
    public void Cold_OffsetZero_ArrivesOneTickAfterSubscribing()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateColdObservable(OnNext(0, 1), OnCompleted<int>(0));

        var results = scheduler.Start(() => xs);

        results.Messages.AssertEqual(OnNext(201, 1), OnCompleted<int>(201));
    }

    [Fact]
    public void Cold_Concat_SubscribesSecondWhenFirstCompletes()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateColdObservable(OnNext(10, 1), OnCompleted<int>(50));
        var ys = scheduler.CreateColdObservable(OnNext(10, 2), OnCompleted<int>(20));

        var results = scheduler.Start(() => xs.Concat(ys));

        results.Messages.AssertEqual(OnNext(210, 1), OnNext(260, 2), OnCompleted<int>(270));
        xs.Subscriptions.AssertEqual(Subscribe(200, 250));
        ys.Subscriptions.AssertEqual(Subscribe(250, 270));
    }

    [Fact]
    public void Cold_Error_RecordedAtOffset()
    {
        var scheduler = new TestScheduler();
        var error = new FormatException("bad");
        var xs = scheduler.CreateColdObservable(OnNext(5, 1), OnError<int>(15, error));

        var results = scheduler.Start(() => xs);

        results.Messages.AssertEqual(OnNext(205, 1), OnError<int>(215, error));
    }

    [Fact]
    public void Cold_PredicateMessage_IsRejected()
    {
        var scheduler = new TestScheduler();

        Assert.Throws<ArgumentException>(() => scheduler.CreateColdObservable(OnError<int>(10, _ => true)));
    }
}
