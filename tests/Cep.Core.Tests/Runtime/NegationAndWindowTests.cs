using Cep.Nfa;
using static Cep.Tests.Runtime.Harness;

namespace Cep.Tests.Runtime;

public class NegationAndWindowTests
{
    private static Ev E(string name) => new(name, name[..1]);

    [Fact]
    public void NotNext_Middle_KillsWhenNextMatches()
    {
        var p = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").NotNext("n").Where(e => e.Kind == "n").FollowedBy("b").Where(e => e.Kind == "b");
        AssertRecords(Run(p, E("a1"), E("n1"), E("b1")));
        AssertRecords(Run(p, E("a1"), E("x1"), E("b1")), "match:a1 b1");
    }

    [Fact]
    public void NotNext_Last_MatchesWhenNextEventIsNotNegated()
    {
        var p = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").NotNext("n").Where(e => e.Kind == "n");
        AssertRecords(Run(p, E("a1"), E("n1"), E("a2"), E("x1"), E("a3")), "match:a2");
    }

    [Fact]
    public void NotFollowedBy_Middle_KillsWhenNegatedEventComesBeforeNext()
    {
        var p = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").NotFollowedBy("n").Where(e => e.Kind == "n").FollowedBy("b").Where(e => e.Kind == "b");
        AssertRecords(Run(p, E("a1"), E("x1"), E("n1"), E("b1")));
        AssertRecords(Run(p, E("a1"), E("x1"), E("b1"), E("n1")), "match:a1 b1");
    }

    [Fact]
    public void NotFollowedBy_Last_MatchesWhenWindowPassesWithoutIt()
    {
        var p = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").NotFollowedBy("n").Where(e => e.Kind == "n").Within(TimeSpan.FromMilliseconds(10));
        var records = Run(p, [(E("a1"), 1), (E("n1"), 12), (E("a2"), 20), (E("n2"), 25), (E("a3"), 40)], withTime: true);
        AssertRecords(records, "match:a1@11", "match:a3@50");
    }

    [Fact]
    public void NotFollowedBy_LastWithoutWithin_IsRejected() =>
        Assert.Throws<PatternException>(() => Pattern.Begin<Ev>("a").NotFollowedBy("n").Compile());

    [Fact]
    public void Within_IsExclusive_EventAtBoundCannotExtend()
    {
        var p = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedBy("b").Where(e => e.Kind == "b").Within(TimeSpan.FromMilliseconds(10));
        AssertRecords(Run(p, [(E("a1"), 0), (E("b1"), 10)], withTime: true), "timeout:a1@10");
        AssertRecords(Run(p, [(E("a1"), 0), (E("b1"), 9)], withTime: true), "match:a1 b1@9");
    }

    [Fact]
    public void Timeout_AfterFollowedByAnyMatch_StillTimesOut()
    {
        var p = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedByAny("b").Where(e => e.Kind == "b").Within(TimeSpan.FromMilliseconds(10));
        AssertRecords(Run(p, [(E("a1"), 0), (E("b1"), 2), (E("b2"), 4)], withTime: true), "match:a1 b1@2", "match:a1 b2@4", "timeout:a1@10");
    }

    [Fact]
    public void Timeout_OneOrMoreThatMatched_StillTimesOutWithItsEvents()
    {
        var p = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").OneOrMore().Within(TimeSpan.FromMilliseconds(10));
        var records = Run(p, [(E("a1"), 0), (E("a2"), 2)], withTime: true);
        AssertRecords(records, "match:a1@0", "match:a1 a2@2", "match:a2@2", "timeout:a1 a2@10", "timeout:a2@12");
    }

    [Fact]
    public void StepWithin_CountsFromPreviousEvent()
    {
        var p = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedBy("b").Where(e => e.Kind == "b").StepWithin(TimeSpan.FromMilliseconds(5));
        AssertRecords(Run(p, [(E("a1"), 0), (E("b1"), 6)], withTime: true), "timeout:a1@5");
        AssertRecords(Run(p, [(E("a1"), 0), (E("b1"), 4)], withTime: true), "match:a1 b1@4");
    }

    [Fact]
    public void NoWithin_EndOfInput_DiscardsPartialMatchesSilently() =>
        AssertRecords(Run(Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedBy("b").Where(e => e.Kind == "b"), E("a1")));

    [Fact]
    public void EventTime_OutOfOrderWithinBound_ReorderedAndLateBeyond()
    {
        var p = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedBy("b").Where(e => e.Kind == "b");
        // b1 at 5 arrives after a1 at 7 but within 3 ms of disorder: it is sorted before a1. x at 1 is late.
        var records = Run(p, [(E("a1"), 7), (E("b1"), 5), (E("a2"), 10), (E("x1"), 1), (E("b2"), 12)], outOfOrderness: 3);
        AssertRecords(records, "late:x1", "match:a1 b2", "match:a2 b2");
    }

    [Fact]
    public void AnyOrder_EitherOrder_OneOpenMatchPerKey()
    {
        var p = Pattern.Begin<Ev>("x").Where(e => e.Kind == "x").FollowedBy("y").Where(e => e.Kind == "y").InAnyOrder().Within(TimeSpan.FromMilliseconds(100));
        var records = Run(p, [(E("y1"), 1), (E("y2"), 2), (E("x1"), 3), (E("x2"), 4)], withTime: true);
        AssertRecords(records, "match:y1 x1@3", "timeout:x2@104");
    }

    [Fact]
    public void ConditionThatThrows_IsReportedAndDoesNotMatch()
    {
        var sink = new RecordingSink();
        var p = Pattern.Begin<Ev>("a").Where(e => e.Value > 0 ? throw new InvalidOperationException("boom") : e.Kind == "a").Compile();
        var op = new Cep.Runtime.KeyedPatternOperator<Ev, string>(p, new Cep.Runtime.OperatorOptions(), sink);
        op.OnEvent(0, "k", new Ev("bad", "a", 1), 1, 0);
        op.OnEvent(0, "k", new Ev("good", "a"), 2, 0);
        op.EndInput(0);
        AssertRecords(sink.Records, "match:good");
        var error = Assert.Single(sink.Errors);
        Assert.Equal("a", error.Step);
        Assert.Equal("bad", error.Event.Name);
    }
}

public class TimerStalenessTests
{
    [Fact]
    public void Timers_OfFinishedKeys_NeverFireForTheKeysNextRuns()
    {
        // Many keys (more than the operator pools) finish before their window ends, then start again: the queued
        // timers of the first runs must not close the second ones early.
        var sink = new RecordingSink { WithTime = true, WithKey = true };
        var pattern = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedBy("b").Where(e => e.Kind == "b")
            .Within(TimeSpan.FromMilliseconds(100)).Compile();
        var op = new Cep.Runtime.KeyedPatternOperator<Ev, string>(pattern, new Cep.Runtime.OperatorOptions(), sink);
        const int keys = 3000;
        for (var k = 0; k < keys; k++)
        {
            op.OnEvent(0, $"k{k}", new Ev($"a{k}", "a", Key: $"k{k}"), 10, 0);
        }
        for (var k = 0; k < keys; k++)
        {
            op.OnEvent(0, $"k{k}", new Ev($"b{k}", "b", Key: $"k{k}"), 20, 0);
        }
        for (var k = 0; k < keys; k++)
        {
            op.OnEvent(0, $"k{k}", new Ev($"c{k}", "a", Key: $"k{k}"), 50, 0);
        }
        op.OnWatermark(0, 120); // past the first runs' deadline (110), before the second runs' (150)
        Assert.Equal(keys, sink.Records.Count);
        Assert.All(sink.Records, r => Assert.StartsWith("match:", r, StringComparison.Ordinal));
        Assert.Equal(keys, op.KeyCount);
        for (var k = 0; k < keys; k += 2)
        {
            op.OnEvent(0, $"k{k}", new Ev($"d{k}", "b", Key: $"k{k}"), 130, 0);
        }
        op.OnWatermark(0, 160);
        Assert.Equal(2 * keys, sink.Records.Count);
        Assert.Equal(keys / 2, sink.Records.Count(r => r.StartsWith("match:k", StringComparison.Ordinal) && r.EndsWith("@130", StringComparison.Ordinal)));
        Assert.Equal(keys / 2, sink.Records.Count(r => r.StartsWith("timeout:", StringComparison.Ordinal) && r.EndsWith("@150", StringComparison.Ordinal)));
    }
}

public class KeyEntryTests
{
    [Fact]
    public void OnEvent_EventsThatStartNothing_LeaveNoKeys()
    {
        var sink = new RecordingSink();
        var pattern = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedBy("b").Where(e => e.Kind == "b")
            .Within(TimeSpan.FromMilliseconds(100)).Compile();
        var op = new Cep.Runtime.KeyedPatternOperator<Ev, string>(pattern, new Cep.Runtime.OperatorOptions(), sink);
        for (var k = 0; k < 100; k++)
        {
            op.OnEvent(0, $"k{k}", new Ev($"x{k}", "x", Key: $"k{k}"), 10 + k, 0);
        }
        op.OnWatermark(0, 200);
        Assert.Equal(0, op.KeyCount);
        Assert.Empty(sink.Records);

        // The same keys still start and complete matches afterwards.
        op.OnEvent(0, "k1", new Ev("a1", "a", Key: "k1"), 210, 0);
        op.OnWatermark(0, 210);
        Assert.Equal(1, op.KeyCount);
        op.OnEvent(0, "k1", new Ev("b1", "b", Key: "k1"), 220, 0);
        op.OnWatermark(0, 220);
        Assert.Equal(0, op.KeyCount);
        Assert.Equal(["match:a1 b1"], sink.Records);
    }

    [Fact]
    public void OnEvent_OneStepPatternMatchingAtOnce_EmitsWithoutKeepingTheKey()
    {
        var sink = new RecordingSink();
        var pattern = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").Compile();
        var op = new Cep.Runtime.KeyedPatternOperator<Ev, string>(pattern, new Cep.Runtime.OperatorOptions(), sink);
        op.OnEvent(0, "k1", new Ev("a1", "a", Key: "k1"), 10, 0);
        op.OnEvent(0, "k2", new Ev("a2", "a", Key: "k2"), 11, 0);
        op.OnWatermark(0, 11);
        Assert.Equal(["match:a1", "match:a2"], sink.Records);
        Assert.Equal(0, op.KeyCount);
    }
}
