using System.Reactive.Linq;
using static Cep.Testing.ReactiveTest;

namespace Cep.Testing.Tests;

/// <summary>Known Rx operators on the TestScheduler give the virtual times Rx.NET's own tests expect.</summary>
public sealed class RxOperatorTests
{
    [Fact]
    public void Where_HotSource_PassesMatchingValuesAtTheirTimes()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(
            OnNext(110, 1),
            OnNext(210, 2),
            OnNext(230, 3),
            OnNext(270, 4),
            OnNext(340, 5),
            OnCompleted<int>(600));

        var results = scheduler.Start(() => xs.Where(x => x % 2 == 0));

        results.Messages.AssertEqual(OnNext(210, 2), OnNext(270, 4), OnCompleted<int>(600));
        xs.Subscriptions.AssertEqual(Subscribe(200, 600));
    }

    [Fact]
    public void Where_PredicateThrows_ErrorsAtThatTime()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("bad value");
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnNext(230, 2), OnNext(240, 3));

        var results = scheduler.Start(() => xs.Where(x => x == 2 ? throw error : true));

        results.Messages.AssertEqual(OnNext(210, 1), OnError<int>(230, error));
        xs.Subscriptions.AssertEqual(Subscribe(200, 230));
    }

    [Fact]
    public void Throttle_Ticks_EmitsAfterQuietPeriod()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(
            OnNext(210, 1),
            OnNext(220, 2),
            OnNext(250, 3),
            OnNext(300, 4),
            OnNext(310, 5),
            OnCompleted<int>(400));

        var results = scheduler.Start(() => xs.Throttle(TimeSpan.FromTicks(20), scheduler));

        results.Messages.AssertEqual(OnNext(240, 2), OnNext(270, 3), OnNext(330, 5), OnCompleted<int>(400));
    }

    [Fact]
    public void Throttle_BurstThenQuiet_EmitsLastOfBurstAfterQuietPeriod()
    {
        // The example in docs/testing-kit.md, kept here so the document cannot drift from the kit.
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(
            OnNext(150, 0),
            OnNext(210, 1),
            OnNext(220, 2),
            OnNext(250, 3),
            OnCompleted<int>(400));

        var results = scheduler.Start(() => xs.Throttle(TimeSpan.FromTicks(20), scheduler));

        results.Messages.AssertEqual(OnNext(240, 2), OnNext(270, 3), OnCompleted<int>(400));
        xs.Subscriptions.AssertEqual(Subscribe(200, 400));
    }

    [Fact]
    public void Timeout_NoValueInTime_ErrorsAtDeadline()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(250, 1), OnNext(400, 2));

        var results = scheduler.Start(() => xs.Timeout(TimeSpan.FromTicks(100), scheduler));

        results.Messages.AssertEqual(OnNext(250, 1), OnError<int>(350, e => e is TimeoutException));
        xs.Subscriptions.AssertEqual(Subscribe(200, 350));
    }

    [Fact]
    public void Return_OnTestScheduler_YieldsOneTickAfterSubscribing()
    {
        var scheduler = new TestScheduler();

        var results = scheduler.Start(() => Observable.Return(42, scheduler));

        results.Messages.AssertEqual(OnNext(201, 42), OnCompleted<int>(201));
    }

    [Fact]
    public void Interval_UntilDisposed_TicksAtPeriod()
    {
        var scheduler = new TestScheduler();

        var results = scheduler.Start(() => Observable.Interval(TimeSpan.FromTicks(100), scheduler), 550);

        results.Messages.AssertEqual(OnNext(300, 0L), OnNext(400, 1L), OnNext(500, 2L));
    }
}
