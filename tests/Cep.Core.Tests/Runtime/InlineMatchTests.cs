using Cep.Nfa;
using Cep.Runtime;

namespace Cep.Tests.Runtime;

/// <summary>
/// Matches and timeouts of a partial match that held its only event inline (CompiledPattern.KeepsInline): the result
/// carries the events without shared-buffer nodes, reads the same as one with nodes, and costs no allocation.
/// </summary>
public class InlineMatchTests
{
    private static Pattern<Ev> AThenB() =>
        Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedBy("b").Where(e => e.Kind == "b").Within(TimeSpan.FromMilliseconds(100));

    [Fact]
    public void Match_OfAnInlineRun_HoldsBothEventsOldestFirst()
    {
        var a = new Ev("a", "a");
        var c = new Ev("c", "c");
        var b = new Ev("b", "b");
        var sink = new CapturingSink();
        var op = new KeyedPatternOperator<Ev, string>(AThenB().Compile(), new OperatorOptions(), sink);

        op.OnEvent(0, "k", a, 10, 0);
        op.OnEvent(0, "k", c, 20, 0);
        op.OnEvent(0, "k", b, 30, 0);
        op.EndInput(0);

        var match = Assert.Single(sink.Matches);
        Assert.Equal(30, match.Time);
        Assert.Equal(2, match.Count);
        var events = new MatchedEvent<Ev>[2];
        Assert.Equal(2, match.CopyTo(events));
        Assert.Equal([new MatchedEvent<Ev>(a, 10, 0, 0), new MatchedEvent<Ev>(b, 30, 2, 1)], events);
        Assert.Equal(events[0], match.Oldest);
        Assert.Equal(events[1], match.Newest);
        Assert.False(match.HasNodes);
        // Nodes on demand read the same.
        Assert.Equal(["a", "b"], match.Events().Select(n => n.Event.Name));
        Assert.Equal([(10L, 0L, 0), (30L, 2L, 1)], match.Events().Select(n => (n.Timestamp, n.Sequence, n.Step)));
        Assert.Equal(["a", "b"], match.ByStep().Keys);
    }

    [Fact]
    public void Timeout_OfAnInlineRun_HoldsItsOneEvent()
    {
        var a = new Ev("a", "a");
        var sink = new CapturingSink();
        var op = new KeyedPatternOperator<Ev, string>(AThenB().Compile(), new OperatorOptions(), sink);

        op.OnEvent(0, "k", a, 10, 0);
        op.OnEvent(0, "k", new Ev("c", "c"), 20, 0);
        op.OnWatermark(0, 200);

        var timeout = Assert.Single(sink.Timeouts);
        Assert.Equal(110, timeout.Time);
        Assert.Equal(1, timeout.Count);
        Assert.Equal(new MatchedEvent<Ev>(a, 10, 0, 0), timeout.Newest);
        var node = timeout.Head;
        Assert.Same(a, node.Event);
        Assert.Null(node.Previous);
    }

    [Fact]
    public void Match_OfThreeSteps_IsAChainOfNodes_ReadTheSameWay()
    {
        var pattern = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedBy("b").Where(e => e.Kind == "b").FollowedBy("c").Where(e => e.Kind == "c");
        var sink = new CapturingSink();
        var op = new KeyedPatternOperator<Ev, string>(pattern.Compile(), new OperatorOptions(), sink);
        op.OnEvent(0, "k", new Ev("a", "a"), 10, 0);
        op.OnEvent(0, "k", new Ev("b", "b"), 20, 0);
        op.OnEvent(0, "k", new Ev("c", "c"), 30, 0);
        op.EndInput(0);

        var match = Assert.Single(sink.Matches);
        Assert.True(match.HasNodes);
        Assert.Equal(3, match.Count);
        var events = new MatchedEvent<Ev>[4];
        Assert.Equal(3, match.CopyTo(events));
        Assert.Equal(["a", "b", "c"], events.Take(3).Select(e => e.Event.Name));
        Assert.Equal([0, 1, 2], events.Take(3).Select(e => e.Step));
        Assert.Equal("a", match.Oldest.Event.Name);
        Assert.Equal(new MatchedEvent<Ev>(events[2].Event, 30, 2, 2), match.Newest);
        Assert.Same(events[2].Event, match.Head.Event);
    }

    [Fact]
    public void CopyTo_DestinationTooShort_Throws()
    {
        var sink = new CapturingSink();
        var op = new KeyedPatternOperator<Ev, string>(AThenB().Compile(), new OperatorOptions(), sink);
        op.OnEvent(0, "k", new Ev("a", "a"), 10, 0);
        op.OnEvent(0, "k", new Ev("b", "b"), 20, 0);
        op.EndInput(0);

        var match = Assert.Single(sink.Matches);
        Assert.Throws<ArgumentException>(() => match.CopyTo(new MatchedEvent<Ev>[1]));
    }

    [Fact]
    public void DefaultResult_Head_ThrowsInsteadOfInventingAnEvent() =>
        Assert.Throws<InvalidOperationException>(() => default(PatternResult<Ev, string>).Head);

    [Fact]
    public void FollowedByAny_InlineRunMatchesEachB_AndStillTimesOut()
    {
        var pattern = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedByAny("b").Where(e => e.Kind == "b").Within(TimeSpan.FromMilliseconds(100));
        var records = Harness.Run(pattern, [(new Ev("a", "a"), 1), (new Ev("b1", "b"), 2), (new Ev("c", "c"), 3), (new Ev("b2", "b"), 4), (new Ev("x", "x"), 500)], withTime: true);

        Harness.AssertRecords(records, "match:a b1@2", "match:a b2@4", "timeout:a@101");
    }

    [Fact]
    public void ConditionReadingTheMatch_SeesTheInlineEvent()
    {
        // b's condition reads a's value: the run's event goes into a node first (no KeepsInline), with the same result.
        var pattern = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a")
            .FollowedBy("b").Where((e, ctx) => e.Kind == "b" && e.Value > ctx.First(0)!.Event.Value);
        Assert.DoesNotContain(true, pattern.Compile().KeepsInline);

        var records = Harness.Run(pattern, new Ev("a", "a", 5), new Ev("b1", "b", 4), new Ev("b2", "b", 6));

        Harness.AssertRecords(records, "match:a b2");
    }

    [Fact]
    public void KeepsInline_OnlyWhereTheNextEventNeedsNoNode()
    {
        static bool[] Keeps(Pattern<Ev> p) => p.Compile().KeepsInline;
        static Pattern<Ev> A() => Pattern.Begin<Ev>("a").Where(e => e.Kind == "a");

        // a -> (b: take to final, ignore) -> final: the state waiting for b keeps the run inline.
        Assert.Equal(1, Keeps(A().FollowedBy("b").Where(e => e.Kind == "b")).Count(keeps => keeps));
        // Three steps: b's take leads on to c (b needs a node); only the state waiting for c keeps a run inline.
        var threeSteps = Keeps(A().FollowedBy("b").Where(e => e.Kind == "b").FollowedBy("c").Where(e => e.Kind == "c"));
        Assert.Equal(1, threeSteps.Count(keeps => keeps));
        // A skip strategy holds matches back; a negation has stop states; neither keeps runs inline.
        Assert.DoesNotContain(true, Keeps(A().FollowedBy("b").Where(e => e.Kind == "b").AfterMatch(AfterMatchSkip.SkipPastLastEvent)));
        Assert.DoesNotContain(true, Keeps(A().NotNext("n").Where(e => e.Kind == "n").FollowedBy("b").Where(e => e.Kind == "b")));
    }

    [Fact]
    public void SteadyState_TwoStepMatchesAndTimeouts_AllocateNothing()
    {
        var sink = new CountingSink();
        var op = new KeyedPatternOperator<Ev, long>(AThenB().Compile(), new OperatorOptions(), sink);
        var creates = Enumerable.Range(0, 1000).Select(i => new Ev("a" + i, "a")).ToArray();
        var pay = new Ev("b", "b");
        var time = 0L;

        void Round()
        {
            // 1000 keys, about 70 open at once: every other one paid ~75 ms after its create, the rest time out
            // 100 ms after theirs.
            for (var i = 0; i < 1000; i++)
            {
                op.OnEvent(0, i, creates[i], ++time, 0);
                if (i >= 50 && (i - 50) % 2 == 0)
                {
                    op.OnEvent(0, i - 50, pay, ++time, 0);
                }
            }
            time += 1000;
        }

        for (var warmUp = 0; warmUp < 3; warmUp++)
        {
            Round();
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        Round();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(4 * 475, sink.Matches);
        // The measured round timed out its own unpaid keys too, all but those whose deadline its last events did not pass.
        Assert.InRange(sink.Timeouts, 3 * 525 + 400, 4 * 525);
        Assert.Equal(0, allocated);
    }

    private sealed class CapturingSink : IPatternSink<Ev, string>
    {
        public List<PatternResult<Ev, string>> Matches { get; } = [];

        public List<PatternResult<Ev, string>> Timeouts { get; } = [];

        public void OnMatch(in PatternResult<Ev, string> match) => Matches.Add(match);

        public void OnTimeout(in PatternResult<Ev, string> timeout) => Timeouts.Add(timeout);

        public void OnLate(int input, Ev @event, long timestamp) => throw new InvalidOperationException("no late events here");

        public void OnConditionError(ConditionError<Ev> error) => throw error.Exception;
    }

    private sealed class CountingSink : IPatternSink<Ev, long>
    {
        public int Matches { get; private set; }

        public int Timeouts { get; private set; }

        public void OnMatch(in PatternResult<Ev, long> match) => Matches++;

        public void OnTimeout(in PatternResult<Ev, long> timeout) => Timeouts++;

        public void OnLate(int input, Ev @event, long timestamp) => throw new InvalidOperationException("no late events here");

        public void OnConditionError(ConditionError<Ev> error) => throw error.Exception;
    }
}
