using Cep.Nfa;
using static Cep.Tests.Runtime.Harness;

namespace Cep.Tests.Runtime;

/// <summary>Flink's after-match skip table for the pattern <c>b+ c</c> (greedy) over <c>b1 b2 b3 c</c>.</summary>
public class AfterMatchSkipTests
{
    private static List<string> RunBPlusC(AfterMatchSkip skip) =>
        Run(Pattern.Begin<Ev>("b").Where(e => e.Kind == "b").OneOrMore().Greedy().FollowedBy("c").Where(e => e.Kind == "c").AfterMatch(skip),
            new Ev("b1", "b"), new Ev("b2", "b"), new Ev("b3", "b"), new Ev("c", "c"));

    [Fact]
    public void NoSkip_KeepsAll() =>
        AssertRecords(RunBPlusC(AfterMatchSkip.NoSkip), "match:b1 b2 b3 c", "match:b2 b3 c", "match:b3 c");

    [Fact]
    public void SkipToNext_DiscardsOnlyThoseStartingAtTheFirstEvent() =>
        AssertRecords(RunBPlusC(AfterMatchSkip.SkipToNext), "match:b1 b2 b3 c", "match:b2 b3 c", "match:b3 c");

    [Fact]
    public void SkipPastLastEvent_KeepsOne() =>
        AssertRecords(RunBPlusC(AfterMatchSkip.SkipPastLastEvent), "match:b1 b2 b3 c");

    [Fact]
    public void SkipToFirst_KeepsFromFirstB() =>
        AssertRecords(RunBPlusC(AfterMatchSkip.SkipToFirst("b")), "match:b1 b2 b3 c", "match:b2 b3 c", "match:b3 c");

    [Fact]
    public void SkipToLast_JumpsToLastB() =>
        AssertRecords(RunBPlusC(AfterMatchSkip.SkipToLast("b")), "match:b1 b2 b3 c", "match:b3 c");

    [Fact]
    public void SkipToNext_WithTimesTwo_AdvancesByOne() =>
        AssertRecords(
            Run(Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").Times(2).AfterMatch(AfterMatchSkip.SkipToNext),
                new Ev("a1", "a"), new Ev("a2", "a"), new Ev("a3", "a")),
            "match:a1 a2", "match:a2 a3");

    [Fact]
    public void SkipPastLastEvent_WithTimesTwo_DoesNotOverlap() =>
        AssertRecords(
            Run(Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").Times(2).AfterMatch(AfterMatchSkip.SkipPastLastEvent),
                new Ev("a1", "a"), new Ev("a2", "a"), new Ev("a3", "a"), new Ev("a4", "a")),
            "match:a1 a2", "match:a3 a4");

    [Fact]
    public void SkipStrategy_CompletedMatchWaitsForEarlierPartialMatch()
    {
        // a1 starts a run that needs a "c"; a2 b completes first but must wait behind a1's open run.
        var pattern = Pattern.Begin<Ev>("a").Where(e => e.Kind == "a")
            .FollowedBy("b").Where((e, ctx) => e.Kind == "b" || (e.Kind == "c" && ctx.Last(0)!.Event.Name == "a1"))
            .AfterMatch(AfterMatchSkip.SkipPastLastEvent);
        var records = Run(pattern, [(new Ev("a1", "a"), 1), (new Ev("a2", "a"), 2), (new Ev("c", "c"), 3)]);
        AssertRecords(records, "match:a1 c");
    }

    [Fact]
    public void SkipToFirst_TargetIsOwnFirstEvent_NoError() =>
        AssertRecords(
            Run(Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedBy("b").Where(e => e.Kind == "b").AfterMatch(AfterMatchSkip.SkipToFirst("a")),
                new Ev("a1", "a"), new Ev("a2", "a"), new Ev("b", "b")),
            "match:a1 b", "match:a2 b");
}
