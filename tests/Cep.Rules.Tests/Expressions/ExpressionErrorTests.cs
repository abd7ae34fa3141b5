using Cep.Rules.Diagnostics;
using Cep.Rules.Expressions;

namespace Cep.Rules.Tests.Expressions;

/// <summary>Every error kind, with its code and exact location. The expression starts at rules.yaml:10:12.</summary>
public sealed class ExpressionErrorTests
{
    [Theory]
    // CEP0101 syntax
    [InlineData("type ==", "CEP0101", 10, 19, "unexpected the end of the expression")]
    [InlineData("type = 'a'", "CEP0101", 10, 17, "use '=='")]
    [InlineData("type == 'a", "CEP0101", 10, 20, "a string is not closed")]
    [InlineData("'a\\q' == type", "CEP0101", 10, 14, "unknown escape")]
    [InlineData("amount > 5x", "CEP0101", 10, 22, "durations end in ms, s, m, h or d")]
    [InlineData("(type == 'a'", "CEP0101", 10, 24, "expected ')'")]
    [InlineData("type == 'a' type", "CEP0101", 10, 24, "expected an operator")]
    [InlineData("amount > 1 & flag", "CEP0101", 10, 23, "use '&&' or 'and'")]
    [InlineData("type == # ", "CEP0101", 10, 20, "unexpected character '#'")]
    [InlineData("a. == 1", "CEP0101", 10, 15, "expected a field name after '.'")]
    [InlineData("x == !flag", "CEP0101", 10, 17, "must come before a whole comparison")]
    [InlineData("`unclosed == 1", "CEP0101", 10, 12, "is not closed")]
    // CEP0102 unknown function, with a suggestion
    [InlineData("cout(b) > 1", "CEP0102", 10, 12, "unknown function 'cout'; did you mean 'count'?")]
    [InlineData("type == 'a' && Lower(name) == 'x'", "CEP0102", 10, 27, "did you mean 'lower'?")]
    [InlineData("frobnicate(x)", "CEP0102", 10, 12, "unknown function 'frobnicate'")]
    [InlineData("a(1) == 1", "CEP0102", 10, 12, "unknown function 'a'")]
    // CEP0103 arity
    [InlineData("abs(1, 2) > 0", "CEP0103", 10, 12, "'abs' takes 1 argument, found 2")]
    [InlineData("contains(s) ", "CEP0103", 10, 12, "'contains' takes 2 arguments, found 1")]
    [InlineData("coalesce() == 1", "CEP0103", 10, 12, "at least 1 argument")]
    [InlineData("count() == 1", "CEP0103", 10, 12, "'count' takes 1 argument, found 0")]
    // CEP0104 unknown step
    [InlineData("count(x) > 1", "CEP0104", 10, 18, "'x' is not one")]
    [InlineData("count(bb) > 1", "CEP0104", 10, 18, "did you mean 'b'?")]
    [InlineData("sum(x.amount) > 1", "CEP0104", 10, 16, "'x' is not one")]
    [InlineData("xx[0].id == 1", "CEP0104", 10, 12, "'xx' is not a step; only steps can be indexed")]
    [InlineData("first(zz).id == 1", "CEP0104", 10, 18, "'zz' is not one")]
    // CEP0106 types that can never match
    [InlineData("count(a) == 'a'", "CEP0106", 10, 21, "comparing a number with a string never matches")]
    [InlineData("'a' == 1", "CEP0106", 10, 16, "comparing a string with a number")]
    [InlineData("$stream != 1", "CEP0106", 10, 20, "comparing a string with a number")]
    [InlineData("len(s) == true", "CEP0106", 10, 19, "comparing a number with a boolean")]
    [InlineData("amount < null", "CEP0106", 10, 19, "with null never holds")]
    [InlineData("upper(s) > 3", "CEP0106", 10, 21, "comparing a string with a number")]
    [InlineData("'a' in [1, 'b']", "CEP0106", 10, 20, "a number in the list can never equal a string")]
    [InlineData("contains(s, 'x') == 'true'", "CEP0106", 10, 29, "comparing a boolean with a string")]
    // CEP0107 operand types
    [InlineData("'a' * 2 > 1", "CEP0107", 10, 12, "'*' needs a number, found a string")]
    [InlineData("amount > 1 + true", "CEP0107", 10, 25, "'+' adds numbers or joins strings")]
    [InlineData("-'a' == 1", "CEP0107", 10, 13, "'-' needs a number")]
    [InlineData("5 && flag", "CEP0107", 10, 12, "'&&' needs a condition")]
    [InlineData("not 'x'", "CEP0107", 10, 16, "'not' needs a condition")]
    [InlineData("true < false", "CEP0107", 10, 17, "orders numbers or strings, not booleans")]
    [InlineData("len(5) > 1", "CEP0107", 10, 16, "'len' needs a string, found a number")]
    [InlineData("abs('x') > 1", "CEP0107", 10, 16, "'abs' needs a number, found a string")]
    [InlineData("startsWith(s, 1)", "CEP0107", 10, 26, "'startsWith' needs a string")]
    [InlineData("sum(b.$stream) > 1", "CEP0107", 10, 18, "needs numbers")]
    // CEP0108 a step (or one of its events) used as a value
    [InlineData("a == 1", "CEP0108", 10, 12, "'a' is a step, not a value")]
    [InlineData("first(b) == 1", "CEP0108", 10, 12, "first(b) is an event, not a value")]
    [InlineData("b[0] == 1", "CEP0108", 10, 12, "this is an event of step 'b'")]
    [InlineData("exists(a)", "CEP0108", 10, 19, "'a' is a step")]
    // CEP0109 argument forms
    [InlineData("sum(a) > 1", "CEP0109", 10, 16, "sum(...) aggregates a field over all events of a step")]
    [InlineData("avg(a[0].amount) > 1", "CEP0109", 10, 16, "avg(...) aggregates")]
    [InlineData("count(a.id) > 1", "CEP0109", 10, 18, "count(...) takes a step name")]
    [InlineData("type in 'abc'", "CEP0109", 10, 20, "'in' needs a list")]
    [InlineData("matches(s, pattern)", "CEP0109", 10, 23, "must be a string literal")]
    [InlineData("exists(1)", "CEP0109", 10, 19, "exists(...) takes a field")]
    [InlineData("[1, 2] == 1", "CEP0109", 10, 12, "only allowed after 'in'")]
    [InlineData("'abc'.x == 1", "CEP0109", 10, 18, "only events have fields")]
    // CEP0110 invalid regular expression
    [InlineData("matches(s, '[a-')", "CEP0110", 10, 23, "invalid regular expression")]
    // CEP0112 special fields
    [InlineData("$foo == 1", "CEP0112", 10, 12, "unknown special field '$foo'")]
    [InlineData("b.$foo == 1", "CEP0112", 10, 14, "unknown special field '$foo'")]
    [InlineData("user.$ts == 1", "CEP0112", 10, 17, "only allowed after a step name")]
    [InlineData("b.$ts.x == 1", "CEP0112", 10, 18, "'$ts' has no fields")]
    // CEP0113 empty
    [InlineData("", "CEP0113", 10, 12, "the expression is empty")]
    [InlineData("   ", "CEP0113", 10, 12, "the expression is empty")]
    // CEP0114 chained comparisons
    [InlineData("1 < amount < 3", "CEP0114", 10, 23, "comparisons cannot be chained")]
    [InlineData("type == 'a' in ['a']", "CEP0114", 10, 24, "comparisons cannot be chained")]
    // CEP0115 a condition that is not true/false
    [InlineData("amount - 1", "CEP0115", 10, 12, "a condition must be true or false, and this is a number")]
    [InlineData("'yes'", "CEP0115", 10, 12, "this is a string")]
    [InlineData("null", "CEP0115", 10, 12, "this is null")]
    [InlineData("count(b)", "CEP0115", 10, 12, "this is a number")]
    // CEP0116 index
    [InlineData("b[x].id == 1", "CEP0116", 10, 14, "an index must be a whole number")]
    [InlineData("b[1.5].id == 1", "CEP0116", 10, 14, "an index must be a whole number")]
    public void CompileCondition_BadExpression_ReportsCodeAndLocation(string expression, string code, int line, int column, string message)
    {
        var errors = new ExpressionHarness().ConditionErrors(expression);

        var error = errors[0];
        Assert.Equal(code, error.Code);
        Assert.Equal(new SourceLocation("rules.yaml", line, column), error.Location);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "b.id == 1", 12, "step 'b' is used before it is defined")]
    [InlineData(0, "count(c) > 0", 18, "step 'c' is used before it is defined")]
    [InlineData(1, "c[0].id == 1", 12, "step 'c' is used before it is defined")]
    [InlineData(1, "sum(c.x) > 0", 16, "step 'c' is used before it is defined")]
    [InlineData(1, "last(c).x > 0", 17, "step 'c' is used before it is defined")]
    public void CompileCondition_LaterStep_IsNotYetDefined(int currentStep, string expression, int column, string message)
    {
        var errors = new ExpressionHarness(currentStep: currentStep).ConditionErrors(expression);

        Assert.Equal("CEP0105", errors[0].Code);
        Assert.Equal(column, errors[0].Column);
        Assert.Contains(message, errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CompileCondition_OwnStep_MayBeReferenced()
    {
        var harness = new ExpressionHarness(currentStep: 1);
        harness.Condition("b.id > 0 && count(b) < 3", out var readsContext);
        Assert.True(readsContext);
    }

    [Fact]
    public void CompileCondition_MultiLineText_CountsLines()
    {
        var errors = new ExpressionHarness().ConditionErrors("type == 'a' &&\n  cout(b) > 1");

        Assert.Equal(new SourceLocation("rules.yaml", 11, 3), errors[0].Location);
        Assert.Equal("CEP0102", errors[0].Code);
    }

    [Fact]
    public void CompileCondition_SeveralMistakes_ReportsEach()
    {
        var errors = new ExpressionHarness().ConditionErrors("cout(a) > 1 && abs('x') > 1 && count(zz) > 0");

        Assert.Equal(["CEP0102", "CEP0107", "CEP0104"], errors.Select(e => e.Code));
        Assert.Equal([12, 31, 49], errors.Select(e => e.Column));
    }

    [Fact]
    public void CompileCondition_ErrorsAreAppended_ExistingOnesKept()
    {
        var harness = new ExpressionHarness();
        var errors = new List<RuleError> { new(new SourceLocation("x", 1, 1), "CEP0001", "earlier") };

        Assert.Null(ExpressionCompiler.CompileCondition("a == 1", ExpressionHarness.At, harness.Scope, errors, out _));
        Assert.Equal(2, errors.Count);
        Assert.Equal("rules.yaml:10:12: error CEP0108: " + errors[1].Message, errors[1].ToString());
    }

    [Theory]
    [InlineData("orderId", "CEP0111", 12, "emit has no current event, so 'orderId' names nothing; name a step, e.g. create.orderId")]
    [InlineData("user.id", "CEP0111", 12, "name a step, e.g. create.user.id")]
    [InlineData("$stream", "CEP0111", 12, "emit has no current event")]
    [InlineData("crate.orderId", "CEP0104", 12, "unknown step 'crate'; did you mean 'create'?")]
    [InlineData("count(create) + amount", "CEP0111", 28, "emit has no current event")]
    [InlineData("create", "CEP0108", 12, "'create' is a step")]
    public void CompileValue_EmitWithoutStep_IsAnError(string expression, string code, int column, string message)
    {
        var errors = new ExpressionHarness(["create", "pay"]).EmitErrors(expression);

        Assert.Equal(code, errors[0].Code);
        Assert.Equal(column, errors[0].Column);
        Assert.Contains(message, errors[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("create.orderId")]
    [InlineData("pay.$ts - create.$ts")]
    [InlineData("$ts")]
    [InlineData("count(pay) > 0")]
    [InlineData("pay[-1].amount")]
    public void CompileValue_EmitNamingSteps_Compiles(string expression)
    {
        var harness = new ExpressionHarness(["create", "pay"]);
        var errors = new List<RuleError>();

        Assert.NotNull(ExpressionCompiler.CompileValue(expression, ExpressionHarness.At, harness.EmitScope, errors));
        Assert.Empty(errors);
    }

    [Fact]
    public void CompileCondition_StepNameLikeFunction_IsAStepWithoutParenthesis()
    {
        // SPEC: step names may coincide with function names; name( is always the function.
        var harness = new ExpressionHarness(["first", "count"], currentStep: 1);
        var condition = harness.Condition("first.vc < vc && count(count) == 0 && first(first).vc == 1", out _);
        var context = TestHooks.Context(harness.Steps, 2, (0, harness.Event("""{"vc":1}"""), 1));

        Assert.True(condition(harness.Event("""{"vc":2}"""), context));
    }

    [Fact]
    public void CompileCondition_BackquotedName_IsAlwaysAFieldOfTheEventUnderTest()
    {
        var harness = new ExpressionHarness(["pay"], currentStep: 0);
        var condition = harness.Condition("`pay` == 'card' && `in` == 1", out var readsContext);

        Assert.False(readsContext);
        Assert.True(condition(harness.Event("""{"pay":"card","in":1}"""), TestHooks.Context(harness.Steps, 0)));
    }
}
