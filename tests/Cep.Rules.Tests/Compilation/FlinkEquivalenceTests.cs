using System.Text;
using Cep.Nfa;
using Cep.Rules.Events;
using Cep.Runtime;

namespace Cep.Rules.Tests.Compilation;

/// <summary>
/// Flink CEP's documented examples written twice — as a YAML rule and with the fluent API over the same events —
/// must produce the same matches, and those must be Flink's documented results.
/// </summary>
public sealed class FlinkEquivalenceTests
{
    private sealed class Sink : IPatternSink<JsonEvent, string>
    {
        public List<string> Records { get; } = [];

        public int IdSlot { get; init; }

        public void OnMatch(in PatternResult<JsonEvent, string> match) =>
            Records.Add("match:" + string.Join(" ", match.Events().Select(n => n.Event.Get(IdSlot).Text)));

        public void OnTimeout(in PatternResult<JsonEvent, string> timeout) =>
            Records.Add("timeout:" + string.Join(" ", timeout.Events().Select(n => n.Event.Get(IdSlot).Text)));

        public void OnLate(int input, JsonEvent @event, long timestamp) => Records.Add("late:" + @event.Get(IdSlot).Text);

        public void OnConditionError(ConditionError<JsonEvent> error) => throw error.Exception;
    }

    /// <summary>Events named by id; their kind is the id's first letter; timestamps 1, 2, 3, …</summary>
    private static List<JsonEvent> Events(FieldTable fields, params string[] ids)
    {
        var events = new List<JsonEvent>();
        for (var i = 0; i < ids.Length; i++)
        {
            var line = Encoding.UTF8.GetBytes($$"""{"id":"{{ids[i]}}","kind":"{{ids[i][..1]}}","ts":{{i + 1}}}""");
            Assert.True(JsonEventParser.TryParse(line, "s", i + 1, fields, out var e, out var error), error);
            events.Add(e);
        }
        return events;
    }

    private static List<string> Run(CompiledPattern<JsonEvent> pattern, FieldTable fields, IEnumerable<JsonEvent> events)
    {
        var sink = new Sink { IdSlot = fields.Slot("id") };
        var op = new KeyedPatternOperator<JsonEvent, string>(pattern, new OperatorOptions(), sink);
        var ts = 0L;
        foreach (var e in events)
        {
            op.OnEvent(0, "k", e, ++ts, 0);
        }
        op.EndInput(0);
        return [.. sink.Records.Order(StringComparer.Ordinal)];
    }

    private static void AssertEquivalent(string patternYaml, Func<Func<string, Condition<JsonEvent>>, CompiledPattern<JsonEvent>> fluent, string[] stream, params string[] flinkResults)
    {
        var fields = new FieldTable();
        var set = RuleLoader.LoadText("rule: r\n" + patternYaml, "flink.yaml", fields);
        Assert.Empty(set.Errors);
        var kind = fields.Slot("kind");
        fields.Slot("id"); // registered before the events are parsed, so records can name them
        Condition<JsonEvent> Is(string k) => (e, _) => e.Get(kind).Text == k;
        var events = Events(fields, stream);

        var fromYaml = Run(set.Rules[0].Compiled, fields, events);
        var fromFluent = Run(fluent(Is), fields, events);

        Assert.Equal(fromFluent, fromYaml);
        Assert.Equal([.. flinkResults.Order(StringComparer.Ordinal)], fromYaml);
        Assert.Equal(fluent(Is).Fingerprint, set.Rules[0].Compiled.Fingerprint);
    }

    private static Pattern<JsonEvent> Where(Pattern<JsonEvent> p, Condition<JsonEvent> c) => p.Where((e, ctx) => c(e, ctx));

    [Theory]
    [InlineData("next", "")]
    [InlineData("followedBy", "match:a1 b1")]
    [InlineData("followedByAny", "match:a1 b1|match:a1 b2")]
    public void Contiguity_ACB1B2(string contiguity, string expected) =>
        AssertEquivalent(
            $"pattern:\n  - begin: a\n    where: kind == 'a'\n  - {contiguity}: b\n    where: kind == 'b'\n",
            @is =>
            {
                var a = Where(Pattern.Begin<JsonEvent>("a"), @is("a"));
                var b = contiguity switch { "next" => a.Next("b"), "followedBy" => a.FollowedBy("b"), _ => a.FollowedByAny("b") };
                return Where(b, @is("b")).Compile();
            },
            ["a1", "c1", "b1", "b2"],
            expected.Length == 0 ? [] : expected.Split('|'));

    [Theory]
    [InlineData("consecutive: true", "match:c1 a1 b1|match:c1 a1 a2 b1|match:c1 a1 a2 a3 b1")]
    [InlineData("", "match:c1 a1 b1|match:c1 a1 a2 b1|match:c1 a1 a2 a3 b1|match:c1 a1 a2 a3 a4 b1")]
    [InlineData("allowCombinations: true", "match:c1 a1 b1|match:c1 a1 a2 b1|match:c1 a1 a3 b1|match:c1 a1 a4 b1|match:c1 a1 a2 a3 b1|match:c1 a1 a2 a4 b1|match:c1 a1 a3 a4 b1|match:c1 a1 a2 a3 a4 b1")]
    public void Looping_CD_A1A2A3_D_A4_B(string inner, string expected) =>
        AssertEquivalent(
            $"pattern:\n  - begin: c\n    where: kind == 'c'\n  - followedBy: a\n    where: kind == 'a'\n    oneOrMore: true\n{(inner.Length > 0 ? "    " + inner + "\n" : "")}  - followedBy: b\n    where: kind == 'b'\n",
            @is =>
            {
                var p = Where(Where(Pattern.Begin<JsonEvent>("c"), @is("c")).FollowedBy("a"), @is("a")).OneOrMore();
                p = inner.StartsWith("consecutive", StringComparison.Ordinal) ? p.Consecutive() : inner.StartsWith("allow", StringComparison.Ordinal) ? p.AllowCombinations() : p;
                return Where(p.FollowedBy("b"), @is("b")).Compile();
            },
            ["c1", "d1", "a1", "a2", "a3", "d2", "a4", "b1"],
            expected.Split('|'));

    [Theory]
    [InlineData("noSkip", "match:b1 b2 b3 c1|match:b2 b3 c1|match:b3 c1")]
    [InlineData("skipToNext", "match:b1 b2 b3 c1|match:b2 b3 c1|match:b3 c1")]
    [InlineData("skipPastLastEvent", "match:b1 b2 b3 c1")]
    [InlineData("{skipToFirst: b}", "match:b1 b2 b3 c1|match:b2 b3 c1|match:b3 c1")]
    [InlineData("{skipToLast: b}", "match:b1 b2 b3 c1|match:b3 c1")]
    public void AfterMatchSkip_BPlusC_OverB1B2B3C(string skip, string expected) =>
        AssertEquivalent(
            $"pattern:\n  - begin: b\n    where: kind == 'b'\n    oneOrMore: true\n    greedy: true\n  - followedBy: c\n    where: kind == 'c'\nafterMatch: {skip}\n",
            @is =>
            {
                var strategy = skip switch
                {
                    "noSkip" => AfterMatchSkip.NoSkip,
                    "skipToNext" => AfterMatchSkip.SkipToNext,
                    "skipPastLastEvent" => AfterMatchSkip.SkipPastLastEvent,
                    "{skipToFirst: b}" => AfterMatchSkip.SkipToFirst("b"),
                    _ => AfterMatchSkip.SkipToLast("b"),
                };
                return Where(Where(Pattern.Begin<JsonEvent>("b"), @is("b")).OneOrMore().Greedy().FollowedBy("c"), @is("c")).AfterMatch(strategy).Compile();
            },
            ["b1", "b2", "b3", "c1"],
            expected.Split('|'));

    [Fact]
    public void NotFollowedBy_InTheMiddle() =>
        AssertEquivalent(
            "pattern:\n  - begin: a\n    where: kind == 'a'\n  - notFollowedBy: n\n    where: kind == 'n'\n  - followedBy: b\n    where: kind == 'b'\n",
            @is => Where(Where(Where(Pattern.Begin<JsonEvent>("a"), @is("a")).NotFollowedBy("n"), @is("n")).FollowedBy("b"), @is("b")).Compile(),
            ["a1", "x1", "n1", "b1", "a2", "x2", "b2"],
            "match:a2 b2");
}
