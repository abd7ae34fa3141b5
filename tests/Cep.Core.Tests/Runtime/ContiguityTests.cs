using static Cep.Tests.Runtime.Harness;

namespace Cep.Tests.Runtime;

/// <summary>Flink CEP's documented contiguity semantics, as our own cases.</summary>
public class ContiguityTests
{
    private static readonly Ev A = new("a", "a");
    private static readonly Ev C = new("c", "c");
    private static readonly Ev B1 = new("b1", "b");
    private static readonly Ev B2 = new("b2", "b");

    private static Pattern<Ev> AThenB(Func<Pattern<Ev>, string, Pattern<Ev>> then) =>
        then(Pattern.Begin<Ev>("a").Where(e => e.Kind == "a"), "b").Where(e => e.Kind == "b");

    [Fact]
    public void Strict_ACB1B2_NoMatch() =>
        AssertRecords(Run(AThenB((p, n) => p.Next(n)), A, C, B1, B2));

    [Fact]
    public void Relaxed_ACB1B2_MatchesFirstB() =>
        AssertRecords(Run(AThenB((p, n) => p.FollowedBy(n)), A, C, B1, B2), "match:a b1");

    [Fact]
    public void NonDeterministic_ACB1B2_MatchesEachB() =>
        AssertRecords(Run(AThenB((p, n) => p.FollowedByAny(n)), A, C, B1, B2), "match:a b1", "match:a b2");

    // Flink docs, consecutive(): pattern C, A+ , B over "C D A1 A2 A3 D A4 B".
    private static readonly Ev[] Stream =
    [
        new("c", "c"), new("d1", "d"), new("a1", "a"), new("a2", "a"), new("a3", "a"), new("d2", "d"), new("a4", "a"), new("b", "b"),
    ];

    private static Pattern<Ev> CAB(Func<Pattern<Ev>, Pattern<Ev>> loop) =>
        loop(Pattern.Begin<Ev>("c").Where(e => e.Kind == "c").FollowedBy("a").Where(e => e.Kind == "a").OneOrMore())
            .FollowedBy("b").Where(e => e.Kind == "b");

    [Fact]
    public void Looping_Consecutive_StopsAtGap() =>
        AssertRecords(Run(CAB(p => p.Consecutive()), Stream), "match:c a1 b", "match:c a1 a2 b", "match:c a1 a2 a3 b");

    [Fact]
    public void Looping_Relaxed_SkipsNonMatching() =>
        AssertRecords(Run(CAB(p => p), Stream), "match:c a1 b", "match:c a1 a2 b", "match:c a1 a2 a3 b", "match:c a1 a2 a3 a4 b");

    [Fact]
    public void Looping_AllowCombinations_AllSubsequences() =>
        AssertRecords(
            Run(CAB(p => p.AllowCombinations()), Stream),
            "match:c a1 b", "match:c a1 a2 b", "match:c a1 a3 b", "match:c a1 a4 b",
            "match:c a1 a2 a3 b", "match:c a1 a2 a4 b", "match:c a1 a3 a4 b", "match:c a1 a2 a3 a4 b");

    [Fact]
    public void Times_Exactly_TakesThatMany() =>
        AssertRecords(
            Run(Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").Times(2), new Ev("a1", "a"), new Ev("a2", "a"), new Ev("a3", "a")),
            "match:a1 a2", "match:a2 a3");

    [Fact]
    public void TimesRange_EmitsEachLengthInRange() =>
        AssertRecords(
            Run(Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").Times(2, 3), new Ev("a1", "a"), new Ev("a2", "a"), new Ev("a3", "a")),
            "match:a1 a2", "match:a1 a2 a3", "match:a2 a3");

    [Fact]
    public void Optional_MiddleStep_MatchesWithAndWithout() =>
        AssertRecords(
            Run(Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedBy("b").Where(e => e.Kind == "b").Optional().FollowedBy("c").Where(e => e.Kind == "c"),
                new Ev("a", "a"), new Ev("b", "b"), new Ev("c", "c")),
            "match:a b c", "match:a c");

    [Fact]
    public void Until_StopsLoop() =>
        AssertRecords(
            Run(Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").OneOrMore().Until(e => e.Value > 5).FollowedBy("z").Where(e => e.Kind == "z"),
                new Ev("a1", "a"), new Ev("a2", "a", 10), new Ev("a3", "a"), new Ev("z", "z")),
            "match:a1 z", "match:a3 z");

    [Fact]
    public void IterativeCondition_ReadsOwnTakenEvents() =>
        AssertRecords(
            Run(Pattern.Begin<Ev>("up").Where((e, ctx) => ctx.Last(0) is not { } last || e.Value > last.Event.Value).Times(3).Consecutive(),
                new Ev("x1", "r", 1), new Ev("x2", "r", 2), new Ev("x3", "r", 3), new Ev("x4", "r", 2)),
            "match:x1 x2 x3");

    [Fact]
    public void Greedy_LoopTakesAllBeforeNextStep() =>
        AssertRecords(Run(CAB(p => p.Greedy()), Stream), "match:c a1 a2 a3 a4 b");

    [Fact]
    public void Greedy_NextStepCannotTakeWhatLoopCanTake() =>
        AssertRecords(
            Run(Pattern.Begin<Ev>("a").Where(e => e.Kind == "a").FollowedBy("b").Where(e => e.Value > 0).OneOrMore().Greedy().FollowedBy("c").Where(e => e.Value > 5),
                new Ev("a", "a"), new Ev("b1", "b", 1), new Ev("b2", "b", 7), new Ev("c", "c", 8)));
}
