using System.Reactive;
using Cep.Linq;
using Cep.Nfa;
using static Cep.Testing.PatternTest;
using static Cep.Testing.ReactiveTest;

namespace Cep.Testing.Tests;

public sealed class PatternTestTests
{
    private static readonly Order CreateA = new("A", "create");
    private static readonly Order PayA = new("A", "pay");
    private static readonly Order CreateB = new("B", "create");
    private static readonly Order CreateC = new("C", "create");
    private static readonly Order CreateD = new("D", "create");

    // create followed by pay of the same order, within 100 ms of the create.
    private static readonly CompiledPattern<Order> CreateThenPay =
        Pattern.Begin<Order>("create").Where(o => o.Type == "create")
            .FollowedBy("pay").Where(o => o.Type == "pay")
            .Within(TimeSpan.FromMilliseconds(100))
            .Compile();

    [Fact]
    public void MatchPattern_EventTime_EmitsAtTheVirtualTimeOfEachDecision()
    {
        var scheduler = new TestScheduler();
        var input = scheduler.CreateHotObservable(
            Event(210, CreateA),
            Event(220, CreateB),
            Event(250, PayA),
            Watermark<Order>(300),
            Event(310, CreateC, timestamp: 280),
            Watermark<Order>(330),
            Event(340, CreateD),
            EndOfInput<Order>(400));

        var results = scheduler.Start(() => input.MatchPattern(CreateThenPay, o => o.Id));

        results.Messages.AssertEqual(
            // The match is complete at 250 but is released only when the watermark passes it.
            OnNext(300, Match("A", 250, Step("create", CreateA), Step("pay", PayA))),
            // 280 is behind the watermark of 300.
            OnNext(310, Late<Order, string>(CreateC, 280)),
            // B's window ends at 220 + 100; the watermark of 330 closes it.
            OnNext(330, Timeout("B", 320, Step("create", CreateB))),
            // The end of the input closes every window, D's (ending at 440) included.
            OnNext(400, Timeout("D", 440, Step("create", CreateD))),
            OnCompleted<PatternRecord<Order, string>>(400));
        input.Subscriptions.AssertEqual(Subscribe(200, 400));
    }

    [Fact]
    public void MatchPattern_EventsBeforeSubscription_AreNotSeen()
    {
        var scheduler = new TestScheduler();
        var input = scheduler.CreateHotObservable(
            Event(150, CreateA),
            Event(250, PayA),
            EndOfInput<Order>(400));

        var results = scheduler.Start(() => input.MatchPattern(CreateThenPay, o => o.Id));

        results.Messages.AssertEqual(OnCompleted<PatternRecord<Order, string>>(400));
    }

    [Fact]
    public void MatchPattern_DisposedBeforeWatermark_RecordsNothingAfterDisposal()
    {
        var scheduler = new TestScheduler();
        var input = scheduler.CreateHotObservable(
            Event(210, CreateA),
            Event(250, PayA),
            Watermark<Order>(300),
            Event(320, CreateB),
            Watermark<Order>(500));

        var results = scheduler.Start(() => input.MatchPattern(CreateThenPay, o => o.Id), disposed: 400);

        results.Messages.AssertEqual(OnNext(300, Match("A", 250, Step("create", CreateA), Step("pay", PayA))));
        input.Subscriptions.AssertEqual(Subscribe(200, 400));
    }

    [Fact]
    public void MatchPattern_ColdInput_TimestampsAreOffsetsAndArrivalShifts()
    {
        var scheduler = new TestScheduler();
        var input = scheduler.CreateColdObservable(
            Event(10, CreateA),
            Event(50, PayA),
            EndOfInput<Order>(60));

        var results = scheduler.Start(() => input.MatchPattern(CreateThenPay, o => o.Id));

        // Event(t, e) stamps the event with t itself, so a cold script carries its offsets as timestamps.
        results.Messages.AssertEqual(
            OnNext(260, Match("A", 50, Step("create", CreateA), Step("pay", PayA))),
            OnCompleted<PatternRecord<Order, string>>(260));
    }

    [Fact]
    public void MatchPattern_PredicateExpectation_MatchesRecordKind()
    {
        var scheduler = new TestScheduler();
        var input = scheduler.CreateHotObservable(Event(210, CreateA), EndOfInput<Order>(300));

        var results = scheduler.Start(() => input.MatchPattern(CreateThenPay, o => o.Id));

        results.Messages.AssertEqual(
            OnNext<PatternRecord<Order, string>>(300, r => r.Kind == PatternRecordKind.Timeout && r.Key == "A"),
            OnCompleted<PatternRecord<Order, string>>(300));
    }

    [Fact]
    public void MatchPattern_ProcessingTimeOnMillisecondView_TimesOutAtVirtualDeadline()
    {
        var scheduler = new TestScheduler();
        var input = scheduler.CreateHotObservable(
            OnNext(210, CreateA),
            OnNext(220, CreateB),
            OnNext(250, PayA),
            OnNext(340, CreateD),
            OnCompleted<Order>(600));

        var results = scheduler.Start(() => input.MatchPattern(CreateThenPay, o => o.Id, scheduler.Milliseconds));

        results.Messages.AssertEqual(
            OnNext(250, Match("A", 250, Step("create", CreateA), Step("pay", PayA))),
            OnNext(320, Timeout("B", 320, Step("create", CreateB))),
            OnNext(440, Timeout("D", 440, Step("create", CreateD))),
            OnCompleted<PatternRecord<Order, string>>(600));
    }

    [Fact]
    public void MatchPattern_WrongExpectation_DiffShowsRecordsOnePerLine()
    {
        var scheduler = new TestScheduler();
        var input = scheduler.CreateHotObservable(Event(210, CreateA), Event(250, PayA), EndOfInput<Order>(300));

        var results = scheduler.Start(() => input.MatchPattern(CreateThenPay, o => o.Id));

        var error = Assert.Throws<ReactiveAssertException>(() => results.Messages.AssertEqual(
            OnNext(300, Match("A", 260, Step("create", CreateA), Step("pay", PayA))),
            OnCompleted<PatternRecord<Order, string>>(300)));
        Assert.Contains(
            "  * 0  expected: OnNext(Match(A@260: create=[Order { Id = A, Type = create }]; pay=[Order { Id = A, Type = pay }]))@300\n"
            + "       actual:   OnNext(Match(A@250: create=[Order { Id = A, Type = create }]; pay=[Order { Id = A, Type = pay }]))@300",
            error.Message.ReplaceLineEndings("\n"),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Event_WithoutTimestamp_UsesArrivalTime()
    {
        var message = Event(210, CreateA);

        Assert.Equal(210, message.Time);
        Assert.Equal(StreamElement<Order>.Of(CreateA, 210), message.Value.Value);
    }

    [Fact]
    public void Event_WithTimestamp_KeepsArrivalAndTimestampApart()
    {
        var message = Event(310, CreateA, timestamp: 280);

        Assert.Equal(310, message.Time);
        Assert.Equal(280, message.Value.Value.Timestamp);
        Assert.False(message.Value.Value.IsWatermark);
    }

    [Fact]
    public void Watermark_Factories_BuildWatermarkElements()
    {
        var plain = Watermark<Order>(300);
        var lagging = Watermark<Order>(300, 250);

        Assert.Equal(OnNext(300, StreamElement<Order>.Watermark(300)), plain);
        Assert.Equal(OnNext(300, StreamElement<Order>.Watermark(250)), lagging);
        Assert.True(lagging.Value.Value.IsWatermark);
    }

    [Fact]
    public void EndOfInput_IsCompletion()
    {
        Assert.Equal(NotificationKind.OnCompleted, EndOfInput<Order>(400).Value.Kind);
        Assert.Equal(400, EndOfInput<Order>(400).Time);
    }

    [Fact]
    public void Match_EqualsStructurally()
    {
        var a = Match("A", 250, Step("create", CreateA), Step("pay", PayA));
        var b = Match("A", 250, Step("pay", new Order("A", "pay")), Step("create", new Order("A", "create")));

        Assert.Equal(a, b);
        Assert.NotEqual(a, Timeout("A", 250, Step("create", CreateA), Step("pay", PayA)));
        Assert.NotEqual(a, Match("A", 250, Step("create", CreateA)));
    }

    [Fact]
    public void Match_DuplicateStep_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => Match("A", 250, Step("create", CreateA), Step("create", PayA)));

        Assert.Contains("'create' is listed twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_NoEvents_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => Step<Order>("create"));

        Assert.Contains("lists no events", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Late_HasNoKeyAndNoSteps()
    {
        var late = Late<Order, string>(CreateC, 280);

        Assert.Equal(PatternRecordKind.Late, late.Kind);
        Assert.Equal(280, late.Time);
        Assert.Same(CreateC, late.LateEvent);
        Assert.Empty(late.Events);
    }

    private sealed record Order(string Id, string Type);
}
