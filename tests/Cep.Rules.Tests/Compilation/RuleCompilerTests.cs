using System.Text;
using Cep.Nfa;
using Cep.Rules.Diagnostics;
using Cep.Rules.Events;
using Cep.Rules.Compilation;
using Cep.Rules.Expressions;
using Cep.Rules.Model;
using ErrorCodes = Cep.Rules.Diagnostics.ErrorCodes;

namespace Cep.Rules.Tests.Compilation;

public sealed class RuleCompilerTests
{
    private readonly FieldTable _fields = new();

    [Fact]
    public void Compile_Steps_BuildStepSpecsAsWritten()
    {
        var rule = Compile("""
            rule: r
            pattern:
              - begin: a
                times: 3
              - next: b
                times: [2, 4]
                consecutive: true
                optional: true
              - followedBy: c
                oneOrMore: true
                greedy: true
                until: v > 10
              - followedByAny: d
                timesOrMore: 2
                allowCombinations: true
                within: 5s
              - notNext: e
              - followedBy: f
              - notFollowedBy: g
            within: 1h
            afterMatch: {skipToLast: c}
            """);

        var s = rule.Pattern.Steps;
        Assert.Equal(["a", "b", "c", "d", "e", "f", "g"], s.Select(x => x.Name));
        Assert.Equal([Contiguity.Begin, Contiguity.Strict, Contiguity.Relaxed, Contiguity.NonDeterministic, Contiguity.NotNext, Contiguity.Relaxed, Contiguity.NotFollowedBy],
            s.Select(x => x.Contiguity));
        Assert.Equal((3, 3), (s[0].MinTimes, s[0].MaxTimes));
        Assert.Equal((2, 4, Contiguity.Strict, true), (s[1].MinTimes, s[1].MaxTimes, s[1].InnerContiguity, s[1].Optional));
        Assert.Equal((1, int.MaxValue, true), (s[2].MinTimes, s[2].MaxTimes, s[2].Greedy));
        Assert.NotNull(s[2].Until);
        Assert.Equal("v > 10", s[2].UntilText);
        Assert.Equal((2, int.MaxValue, Contiguity.NonDeterministic, 5_000L), (s[3].MinTimes, s[3].MaxTimes, s[3].InnerContiguity, s[3].WithinMs));
        Assert.All(s, x => Assert.Null(x.Condition));
        Assert.All(s, x => Assert.False(x.ConditionReadsContext));
        Assert.Equal(3_600_000, rule.Pattern.WithinMs);
        Assert.Equal(AfterMatchSkip.SkipToLast("c"), rule.Pattern.AfterMatch);
        Assert.Equal(rule.Pattern.Steps.Select(x => x.Name), rule.Compiled.StepNames);
    }

    [Fact]
    public void Compile_YamlRule_HasTheFingerprintOfTheSamePatternBuiltByHand()
    {
        var rule = Compile("""
            rule: r
            pattern:
              - begin: start
                where: type == 'a'
              - next: middle
                oneOrMore: true
                consecutive: true
                where: v > start.v
                optional: true
              - followedBy: end
                within: 2s
              - notFollowedBy: never
            within: 10s
            afterMatch: {skipToFirst: middle}
            """);
        var byHand = new PatternSpec<JsonEvent>(
            [
                new StepSpec<JsonEvent>("start", Contiguity.Begin),
                new StepSpec<JsonEvent>("middle", Contiguity.Strict) { MaxTimes = int.MaxValue, InnerContiguity = Contiguity.Strict, Optional = true },
                new StepSpec<JsonEvent>("end", Contiguity.Relaxed) { WithinMs = 2_000 },
                new StepSpec<JsonEvent>("never", Contiguity.NotFollowedBy),
            ],
            withinMs: 10_000,
            afterMatch: AfterMatchSkip.SkipToFirst("middle"));

        Assert.Equal(PatternCompiler.Compile(byHand).Fingerprint, rule.Compiled.Fingerprint);
    }

    [Fact]
    public void Compile_AnyOrderRule_HasTheFingerprintOfTheSamePatternBuiltByHand()
    {
        var rule = Compile("rule: r\norder: any\npattern:\n  - begin: a\n    from: x\n  - followedBy: b\nwithin: 5s\n");
        var byHand = new PatternSpec<JsonEvent>(
            [new StepSpec<JsonEvent>("a", Contiguity.Begin), new StepSpec<JsonEvent>("b", Contiguity.Relaxed)],
            withinMs: 5_000,
            anyOrder: true);

        Assert.True(rule.Compiled.AnyOrder);
        Assert.Equal(PatternCompiler.Compile(byHand).Fingerprint, rule.Compiled.Fingerprint);
    }

    [Fact]
    public void Compile_SameStructure_GivesTheFingerprintEarlierBuildsSaved()
    {
        // State files carry this value: a change to how it is computed would make every saved rule look changed.
        var rule = Compile("rule: r\npattern:\n  - begin: create\n    where: type == 'create'\n  - followedBy: pay\nwithin: 15m\n");

        Assert.Equal("ca28bcc941cd539f43f296e0", rule.Compiled.Fingerprint);
    }

    [Fact]
    public void Compile_DifferentStructure_ChangesTheFingerprint()
    {
        var sequence = Compile("rule: r\npattern:\n  - begin: a\n  - next: b\n");
        var relaxed = Compile("rule: r\npattern:\n  - begin: a\n  - followedBy: b\n");

        Assert.NotEqual(sequence.Compiled.Fingerprint, relaxed.Compiled.Fingerprint);
    }

    [Fact]
    public void Compile_FromAndWhere_FormOneCondition()
    {
        var rule = Compile("rule: r\npattern:\n  - begin: a\n    from: [app, bank]\n    where:\n      - amount > 10\n      - currency == 'EUR'\n");
        var step = rule.Pattern.Steps[0];
        var context = TestHooks.Context(["a"], 0);

        Assert.True(step.Condition!(Event("app", """{"amount":11,"currency":"EUR"}"""), context));
        Assert.True(step.Condition(Event("bank", """{"amount":11,"currency":"EUR"}"""), context));
        Assert.False(step.Condition(Event("other", """{"amount":11,"currency":"EUR"}"""), context));
        Assert.False(step.Condition(Event("app", """{"amount":9,"currency":"EUR"}"""), context));
        Assert.False(step.Condition(Event("app", """{"amount":11,"currency":"USD"}"""), context));
        Assert.False(step.ConditionReadsContext);
        Assert.Equal("($stream == 'app' || $stream == 'bank') && (amount > 10) && (currency == 'EUR')", step.ConditionText);
    }

    [Fact]
    public void Compile_FromOnly_TestsTheStream()
    {
        var step = Compile("rule: r\npattern:\n  - begin: a\n    from: app\n").Pattern.Steps[0];
        var context = TestHooks.Context(["a"], 0);

        Assert.True(step.Condition!(Event("app", "{}"), context));
        Assert.False(step.Condition(Event("apps", "{}"), context));
        Assert.Equal("$stream == 'app'", step.ConditionText);
    }

    [Fact]
    public void Compile_WhereReadingAStep_ReadsContext()
    {
        var rule = Compile("rule: r\npattern:\n  - begin: a\n  - next: b\n    where: v > a.v\n");

        Assert.False(rule.Pattern.Steps[0].ConditionReadsContext);
        Assert.True(rule.Pattern.Steps[1].ConditionReadsContext);
        Assert.Equal("v > a.v", rule.Pattern.Steps[1].ConditionText);
    }

    [Fact]
    public void Compile_Emit_EvaluatesAgainstTheMatch()
    {
        var rule = Compile("rule: r\npattern:\n  - begin: a\n  - next: b\nemit:\n  total: a.v + b.v\n  name: \"a.name\"\n");
        var a = Event("s", """{"v":2,"name":"x"}""");
        var b = Event("s", """{"v":40}""");
        var context = TestHooks.Context(["a", "b"], 0, (0, a, 1), (1, b, 2));

        Assert.Equal(["total", "name"], rule.Emit.Select(e => e.Name));
        Assert.Equal(JsonValue.From(42), rule.Emit[0].Evaluate(null, context));
        Assert.Equal(JsonValue.From("x"), rule.Emit[1].Evaluate(null, context));
    }

    [Fact]
    public void Compile_DocumentedForms_CompileAndEvaluate()
    {
        var rule = Compile("""
            rule: r
            pattern:
              - begin: a
                where: |
                  type == 'pay'
                  && amount > 100
              - next: b
                where: "'gold' == tier"
            emit:
              label: "'order ' + a.orderId"
            """);
        var a = Event("s", """{"type":"pay","amount":150,"orderId":"o1"}""");
        var context = TestHooks.Context(["a", "b"], 0, (0, a, 1));

        Assert.True(rule.Pattern.Steps[0].Condition!(a, TestHooks.Context(["a", "b"], 0)));
        Assert.False(rule.Pattern.Steps[0].Condition!(Event("s", """{"type":"pay","amount":50}"""), TestHooks.Context(["a", "b"], 0)));
        Assert.True(rule.Pattern.Steps[1].Condition!(Event("s", """{"tier":"gold"}"""), context));
        Assert.Equal(JsonValue.From("order o1"), rule.Emit[0].Evaluate(null, context));
    }

    [Fact]
    public void Compile_ExpressionError_PointsIntoThePlainScalar()
    {
        var errors = Errors("rule: r\npattern:\n  - begin: a\n    where: amount > nosuch(1)\n");

        var error = Assert.Single(errors);
        Assert.StartsWith("CEP01", error.Code, StringComparison.Ordinal);
        Assert.Equal((4, 21), (error.Line, error.Column));
    }

    [Fact]
    public void Compile_ExpressionError_PointsIntoTheQuotedScalar()
    {
        var errors = Errors("rule: r\npattern:\n  - begin: a\n    where: \"amount > nosuch(1)\"\n");

        Assert.Equal((4, 22), (Assert.Single(errors).Line, Assert.Single(errors).Column));
    }

    [Fact]
    public void Compile_ExpressionErrorInAListItem_PointsIntoTheItem()
    {
        var errors = Errors("rule: r\npattern:\n  - begin: a\n    where:\n      - x > 1\n      - y > nosuch(1)\n");

        Assert.Equal((6, 13), (Assert.Single(errors).Line, Assert.Single(errors).Column));
    }

    [Fact]
    public void Compile_StructuralAndExpressionErrors_AreReportedTogether()
    {
        var errors = Errors("rule: r\nwithin: 0s\npattern:\n  - begin: a\n    where: x >\n");

        Assert.Equal([ErrorCodes.InvalidDuration, "CEP0101"], errors.Select(e => e.Code));
    }

    [Fact]
    public void Compile_EmitError_IsReported()
    {
        var errors = Errors("rule: r\npattern:\n  - begin: a\nemit:\n  x: nosuch.v\n");

        Assert.Equal(5, Assert.Single(errors).Line);
    }

    [Fact]
    public void Compile_PatternCompilerRefusal_IsAnErrorAtTheRule()
    {
        // The binder refuses every pattern the pattern compiler is known to refuse, so hand it one directly.
        var at = new SourceLocation("test.yaml", 3, 1);
        var definition = new RuleDefinition
        {
            Name = new Located<string>("r", at),
            Location = at,
            Steps = [new StepDefinition { Name = new Located<string>("a", at), Location = at, Kind = "next", Contiguity = Contiguity.Strict }],
        };
        var errors = new List<RuleError>();

        var rule = RuleCompiler.Compile(definition, _fields, errors, structureValid: true);

        Assert.Null(rule);
        var error = Assert.Single(errors);
        Assert.Equal((ErrorCodes.PatternRejected, 3, 1), (error.Code, error.Line, error.Column));
        Assert.Contains("rule 'r': The first step 'a' must be 'begin'.", error.Message);
    }

    [Fact]
    public void Compile_NoFrom_ReadsEveryStream()
    {
        Assert.Null(Compile("rule: r\npattern:\n  - begin: a\n").Streams);
        Assert.Equal(["a", "b"], Compile("rule: r\nfrom: [a, b]\npattern:\n  - begin: a\n").Streams!.Order());
        Assert.Equal(["x", "y"], Compile("rule: r\nkey: {x: id, y: ref}\npattern:\n  - begin: a\n").Streams!.Order());
    }

    [Fact]
    public void Compile_Settings_AreCarriedOver()
    {
        var rule = Compile("""
            rule: r
            description: d
            time:
              field: ts
              outOfOrderness: 2s
              idleness: 1m
            pattern:
              - begin: a
            onTimeout: t
            onLate: l
            """);

        Assert.Equal(("r", "d", "ts", 2_000L, (long?)60_000, "t", "l"),
            (rule.Name, rule.Description, rule.TimeField, rule.OutOfOrdernessMs, rule.IdlenessMs, rule.OnTimeout, rule.OnLate));
        Assert.True(rule.IsEventTime);
        Assert.False(rule.IsKeyed);
        Assert.Equal(new SourceLocation("test.yaml", 1, 1), rule.Location);
    }

    private CompiledRule Compile(string yaml)
    {
        var set = RuleLoader.LoadText(yaml, "test.yaml", _fields);
        Assert.True(set.Errors.Count == 0, string.Join(Environment.NewLine, set.Errors));
        return Assert.Single(set.Rules);
    }

    private IReadOnlyList<RuleError> Errors(string yaml)
    {
        var set = RuleLoader.LoadText(yaml, "test.yaml", _fields);
        Assert.True(set.Rules.Count == 0 || set.Errors.Count == 0);
        return set.Errors;
    }

    private JsonEvent Event(string stream, string json)
    {
        Assert.True(JsonEventParser.TryParse(Encoding.UTF8.GetBytes(json), stream, 1, _fields, out var e, out var error), error);
        return e;
    }
}
