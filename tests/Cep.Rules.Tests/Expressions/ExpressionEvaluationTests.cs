using Cep.Rules.Diagnostics;
using Cep.Rules.Events;
using Cep.Rules.Expressions;

namespace Cep.Rules.Tests.Expressions;

public sealed class ExpressionEvaluationTests
{
    [Theory]
    // literals and durations
    [InlineData("42", "42")]
    [InlineData("1.5e2", "150")]
    [InlineData("'it\\'s'", "\"it's\"")]
    [InlineData("\"double\"", "\"double\"")]
    [InlineData("'\\u00e9\\n'", "\"é\\n\"")]
    [InlineData("null", "null")]
    [InlineData("250ms", "250")]
    [InlineData("5s", "5000")]
    [InlineData("1.5m", "90000")]
    [InlineData("2h", "7200000")]
    [InlineData("1d", "86400000")]
    // arithmetic and precedence
    [InlineData("1 + 2 * 3", "7")]
    [InlineData("(1 + 2) * 3", "9")]
    [InlineData("10 - 4 - 3", "3")]
    [InlineData("2 * 3 % 4", "2")]
    [InlineData("7 % 4", "3")]
    [InlineData("-7 % 4", "-3")]
    [InlineData("-(2 + 3)", "-5")]
    [InlineData("1 / 4", "0.25")]
    [InlineData("1 / 0", "null")]
    [InlineData("1 % 0", "null")]
    [InlineData("amount + 1", "13.5")]
    [InlineData("-amount", "-12.5")]
    [InlineData("n + 1", "null")]
    [InlineData("nothing * 2", "null")]
    [InlineData("type - 1", "null")]
    [InlineData("1e308 * 10", "null")]
    // string concatenation
    [InlineData("'a' + 'b'", "\"ab\"")]
    [InlineData("'a' + 1", "\"a1\"")]
    [InlineData("1.5 + 'x'", "\"1.5x\"")]
    [InlineData("type + '-' + a.orderId", "\"pay-o1\"")]
    [InlineData("type + n", "null")]
    [InlineData("type + flag", "\"paytrue\"")]
    [InlineData("'v' + true", "\"vtrue\"")]
    [InlineData("'x' + null", "null")]
    // fields
    [InlineData("type", "\"pay\"")]
    [InlineData("`type`", "\"pay\"")]
    [InlineData("user.id", "\"u1\"")]
    [InlineData("user.tags", "[\"x\"]")]
    [InlineData("user.id.x", "missing")]
    [InlineData("nothing", "missing")]
    [InlineData("n", "null")]
    [InlineData("$ts", "5000")]
    [InlineData("$stream", "\"orders\"")]
    // steps
    [InlineData("a.orderId", "\"o1\"")]
    [InlineData("b.id", "4")]
    [InlineData("b[0].id", "2")]
    [InlineData("b[1].id", "3")]
    [InlineData("b[2].id", "4")]
    [InlineData("b[3].id", "missing")]
    [InlineData("b[-1].id", "4")]
    [InlineData("b[-2].id", "3")]
    [InlineData("b[-3].id", "2")]
    [InlineData("b[-4].id", "missing")]
    [InlineData("first(b).id", "2")]
    [InlineData("last(b).id", "4")]
    [InlineData("c.id", "missing")]
    [InlineData("c[0].id", "missing")]
    [InlineData("first(c).id", "missing")]
    [InlineData("c.id.deeper", "missing")]
    [InlineData("a.$ts", "1000")]
    [InlineData("b[0].$ts", "2000")]
    [InlineData("first(b).$ts", "2000")]
    [InlineData("b.$ts - a.$ts", "3000")]
    [InlineData("c.$ts", "missing")]
    [InlineData("a.$stream", "\"orders\"")]
    [InlineData("b.$stream", "\"payments\"")]
    [InlineData("c.id + 1", "null")]
    // aggregates
    [InlineData("count(b)", "3")]
    [InlineData("count(c)", "0")]
    [InlineData("sum(b.amount)", "12")]
    [InlineData("sum(c.amount)", "0")]
    [InlineData("sum(b.nothing)", "0")]
    [InlineData("avg(b.amount)", "6")]
    [InlineData("avg(c.amount)", "null")]
    [InlineData("min(b.amount)", "5")]
    [InlineData("max(b.amount)", "7")]
    [InlineData("min(c.amount)", "null")]
    [InlineData("max(c.amount)", "null")]
    [InlineData("max(b.$ts)", "4000")]
    [InlineData("min(b.$ts)", "2000")]
    // functions
    [InlineData("abs(-3)", "3")]
    [InlineData("abs(n)", "null")]
    [InlineData("len(name)", "3")]
    [InlineData("len('😀x')", "2")]
    [InlineData("len(amount)", "null")]
    [InlineData("lower('AbC')", "\"abc\"")]
    [InlineData("upper(s)", "\"ABC\"")]
    [InlineData("upper(n)", "null")]
    [InlineData("contains(s, 'b')", "true")]
    [InlineData("contains(s, 'B')", "false")]
    [InlineData("contains(n, 'a')", "null")]
    [InlineData("startsWith(s, 'ab')", "true")]
    [InlineData("endsWith(s, 'ab')", "false")]
    [InlineData("matches(s, '^a.c$')", "true")]
    [InlineData("matches(s, 'b')", "true")]
    [InlineData("matches(s, '^b')", "false")]
    [InlineData("matches(amount, 'b')", "null")]
    [InlineData("coalesce(n, nothing, 'd')", "\"d\"")]
    [InlineData("coalesce(amount, 1)", "12.5")]
    [InlineData("coalesce(n)", "null")]
    [InlineData("coalesce(c.id, b.id)", "4")]
    [InlineData("exists(n)", "true")]
    [InlineData("exists(nothing)", "false")]
    [InlineData("exists(user.id)", "true")]
    [InlineData("exists(a.orderId)", "true")]
    [InlineData("exists(c.id)", "false")]
    [InlineData("exists(a.$ts)", "true")]
    [InlineData("exists(c.$ts)", "false")]
    [InlineData("exists($ts)", "true")]
    // comparisons produce booleans; logic is three-valued
    [InlineData("type == 'pay'", "true")]
    [InlineData("n && true", "null")]
    [InlineData("n && false", "false")]
    [InlineData("n || true", "true")]
    [InlineData("n || false", "null")]
    [InlineData("!n", "null")]
    [InlineData("!flag", "false")]
    [InlineData("not off", "true")]
    [InlineData("amount > 1 && flag", "true")]
    public void Value_OverSampleEventAndMatch_IsExpected(string expression, string expected) =>
        Assert.Equal(expected, new ExpressionHarness().Value(expression));

    [Theory]
    [InlineData("type == 'pay'", true)]
    [InlineData("type != 'pay'", false)]
    [InlineData("'pay' == type", true)]
    [InlineData("amount == 12.5", true)]
    [InlineData("amount > 12", true)]
    [InlineData("12 < amount", true)]
    [InlineData("13 <= amount", false)]
    [InlineData("amount >= 12.5", true)]
    [InlineData("amount <= 12.4", false)]
    [InlineData("amount > -1", true)]
    [InlineData("amount <> 1", true)]
    // different types: every comparison is false, != included
    [InlineData("type == 5", false)]
    [InlineData("type != 5", false)]
    [InlineData("type > 5", false)]
    [InlineData("flag == 1", false)]
    [InlineData("flag != 1", false)]
    [InlineData("amount == '12.5'", false)]
    [InlineData("amount != '12.5'", false)]
    [InlineData("user.tags == 'x'", false)]
    // null: equal only to null; != is the negation of == when either side is null
    [InlineData("n == null", true)]
    [InlineData("nothing == null", true)]
    [InlineData("n == nothing", true)]
    [InlineData("n != null", false)]
    [InlineData("amount != null", true)]
    [InlineData("amount == null", false)]
    [InlineData("null == amount", false)]
    [InlineData("n == 1", false)]
    [InlineData("n != 1", true)]
    [InlineData("nothing != 'pay'", true)]
    [InlineData("n < 1", false)]
    [InlineData("n >= 1", false)]
    [InlineData("c.id == null", true)]
    [InlineData("c.id != null", false)]
    [InlineData("c.id > 0", false)]
    // strings order by ordinal
    [InlineData("type < 'q'", true)]
    [InlineData("'B' < 'a'", true)]
    [InlineData("name > 'Zo'", true)]
    [InlineData("b.id == a.id", false)]
    [InlineData("b.id > a.id", true)]
    [InlineData("a.orderId == 'o1'", true)]
    [InlineData("flag == true", true)]
    [InlineData("off != true", true)]
    [InlineData("user.tags == user.tags", true)]
    // in
    [InlineData("type in ['a', 'pay']", true)]
    [InlineData("type in ['a']", false)]
    [InlineData("type in []", false)]
    [InlineData("type not in ['a', 'pay']", false)]
    [InlineData("type not in ['a']", true)]
    [InlineData("amount in [1, 12.5]", true)]
    [InlineData("type in [1, 'pay']", true)]
    [InlineData("type in [a.orderId, 'p' + 'ay']", true)]
    [InlineData("n in ['a']", false)]
    [InlineData("n in [null]", true)]
    [InlineData("n not in ['a']", true)]
    // a condition that is null does not hold
    [InlineData("n", false)]
    [InlineData("!n", false)]
    [InlineData("not n", false)]
    [InlineData("nothing", false)]
    [InlineData("flag", true)]
    [InlineData("off", false)]
    [InlineData("type", false)]
    [InlineData("n || flag", true)]
    [InlineData("n && flag", false)]
    [InlineData("!(n && off)", true)]
    [InlineData("!(n || off)", false)]
    [InlineData("not (n && flag)", false)]
    // precedence
    [InlineData("1 + 2 == 3 && 2 * 3 == 6 || false", true)]
    [InlineData("false && true || true", true)]
    [InlineData("true || true && false", true)]
    [InlineData("(true || true) && false", false)]
    [InlineData("not type == 'pay'", false)]
    [InlineData("! type == 'x'", true)]
    [InlineData("not false and false", false)]
    [InlineData("flag == true and amount > 12 or false", true)]
    [InlineData("true or 1 / 0 == 1", true)]
    [InlineData("-2 * -3 == 6", true)]
    [InlineData("off == (!flag)", true)]
    [InlineData("5s == 5000", true)]
    // functions in conditions
    [InlineData("contains(lower(name), 'zo')", true)]
    [InlineData("contains(n, 'x')", false)]
    [InlineData("!contains(n, 'x')", false)]
    [InlineData("matches(type, '^p[a-z]+$')", true)]
    [InlineData("count(b) == 3 && count(c) == 0", true)]
    [InlineData("sum(b.amount) / count(b) == 4", true)]
    [InlineData("avg(c.amount) == null", true)]
    [InlineData("exists(user) && !exists(user.name)", true)]
    [InlineData("$ts - b.$ts == 1000", true)]
    [InlineData("$stream == 'orders' && b.$stream == 'payments'", true)]
    public void Holds_OverSampleEventAndMatch_IsExpected(string expression, bool expected) =>
        Assert.Equal(expected, new ExpressionHarness().Holds(expression));

    [Fact]
    public void Holds_MultiLineText_IsOneExpression() =>
        Assert.True(new ExpressionHarness().Holds("type == 'pay'\n  && amount > 10\n  && count(b) == 3"));

    [Theory]
    [InlineData("type == 'a'", false)]
    [InlineData("$ts > 0 && $stream == 'x'", false)]
    [InlineData("a.id == 1", true)]
    [InlineData("count(a) > 0", true)]
    [InlineData("sum(b.amount) > 0", true)]
    [InlineData("exists(c.id)", true)]
    [InlineData("first(b).id > 0", true)]
    public void CompileCondition_ReadsContext_IsTrueExactlyWhenAStepIsNamed(string expression, bool expected)
    {
        new ExpressionHarness().Condition(expression, out var readsContext);
        Assert.Equal(expected, readsContext);
    }

    [Fact]
    public void Condition_InOwnStep_SeesOnlyEventsAlreadyTaken()
    {
        // rising-three from the acceptance cases: the step's own name is what it has taken so far.
        var harness = new ExpressionHarness(["first", "rise"], currentStep: 1);
        var condition = harness.Condition("vc > coalesce(last(rise).vc, first.vc)", out var readsContext);
        Assert.True(readsContext);

        var first = harness.Event("""{"vc":1}""");
        var rise1 = harness.Event("""{"vc":3}""");
        var onlyFirst = TestHooks.Context(harness.Steps, 2000, (0, first, 1000));
        var withRise = TestHooks.Context(harness.Steps, 3000, (0, first, 1000), (1, rise1, 2000));

        Assert.True(condition(harness.Event("""{"vc":2}"""), onlyFirst));
        Assert.False(condition(harness.Event("""{"vc":2}"""), withRise));
        Assert.True(condition(harness.Event("""{"vc":4}"""), withRise));
        Assert.False(condition(harness.Event("""{"vc":"high"}"""), withRise));
    }

    [Fact]
    public void Condition_WaterLevelJump_ComparesWithPreviousStep()
    {
        var harness = new ExpressionHarness(["before", "after"], currentStep: 1);
        var condition = harness.Condition("abs(vc - before.vc) > 40", out _);
        var context = TestHooks.Context(harness.Steps, 2, (0, harness.Event("""{"vc":20}"""), 1));

        Assert.True(condition(harness.Event("""{"vc":70}"""), context));
        Assert.True(condition(harness.Event("""{"vc":-30}"""), context));
        Assert.False(condition(harness.Event("""{"vc":50}"""), context));
        Assert.False(condition(harness.Event("""{"other":1}"""), context));
    }

    [Fact]
    public void CompileValue_Emit_ReadsStepsAndMatchTime()
    {
        var harness = new ExpressionHarness(["create", "pay"]);
        var errors = new List<RuleError>();
        var orderId = ExpressionCompiler.CompileValue("create.orderId", ExpressionHarness.At, harness.EmitScope, errors)!;
        var waited = ExpressionCompiler.CompileValue("pay.$ts - create.$ts", ExpressionHarness.At, harness.EmitScope, errors)!;
        var decided = ExpressionCompiler.CompileValue("$ts", ExpressionHarness.At, harness.EmitScope, errors)!;
        var label = ExpressionCompiler.CompileValue("'order ' + create.orderId + ' paid ' + count(pay) + 'x'", ExpressionHarness.At, harness.EmitScope, errors)!;
        Assert.Empty(errors);
        var context = TestHooks.Context(
            harness.Steps,
            5000,
            (0, harness.Event("""{"orderId":"o1"}"""), 1000),
            (1, harness.Event("""{"orderId":"o1"}"""), 5000));

        Assert.Equal(JsonValue.From("o1"), orderId(null, context));
        Assert.Equal(JsonValue.From(4000), waited(null, context));
        Assert.Equal(JsonValue.From(5000), decided(null, context));
        Assert.Equal(JsonValue.From("order o1 paid 1x"), label(null, context));
    }

    [Fact]
    public void Matches_CatastrophicBacktracking_TimesOutWithLocation()
    {
        var harness = new ExpressionHarness();
        var condition = harness.Condition("type == 'x' || matches(s, '^(a+)+$')", out _);
        var evt = harness.Event("{\"s\":\"" + new string('a', 40) + "!\"}");

        var ex = Assert.Throws<ExpressionException>(() => condition(evt, harness.SampleContext()));

        Assert.Equal(new SourceLocation("rules.yaml", 10, 12 + 15), ex.Location);
        Assert.Equal("type == 'x' || matches(s, '^(a+)+$')", ex.ExpressionText);
        Assert.Contains("100 ms", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_Condition_AllocatesNothing()
    {
        var harness = new ExpressionHarness();
        var condition = harness.Condition(
            "type in ['x', 'pay'] && amount > 10 && b.id == 4 && b[0].id == 2 && count(b) > 2 && sum(b.amount) > 1 "
            + "&& coalesce(n, amount) > 1 && $ts - a.$ts > 0 && user.id != null && abs(-amount) > 1 && exists(c.x) == false",
            out _);
        var evt = harness.Event(ExpressionHarness.EventJson);
        var context = harness.SampleContext();
        Assert.True(condition(evt, context));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            condition(evt, context);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
