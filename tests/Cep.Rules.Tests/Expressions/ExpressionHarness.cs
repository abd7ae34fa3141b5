using Cep.Nfa;
using Cep.Rules.Diagnostics;
using Cep.Rules.Events;
using Cep.Rules.Expressions;

namespace Cep.Rules.Tests.Expressions;

/// <summary>
/// Compiles expressions for a pattern with steps a, b, c (or given ones) and evaluates them over a sample
/// event under test and a sample partial match. Rules compile (registering fields) before events are parsed.
/// </summary>
internal sealed class ExpressionHarness
{
    public static readonly SourceLocation At = new("rules.yaml", 10, 12);

    public const string EventJson =
        """{"type":"pay","amount":12.5,"user":{"id":"u1","tags":["x"]},"n":null,"flag":true,"off":false,"name":"Zoë","s":"abc"}""";

    public ExpressionHarness(string[]? steps = null, int? currentStep = null)
    {
        Steps = steps ?? ["a", "b", "c"];
        CurrentStep = currentStep ?? Steps.Length - 1;
    }

    public FieldTable Fields { get; } = new();

    public string[] Steps { get; }

    public int CurrentStep { get; }

    public ExpressionScope Scope => new(Steps, CurrentStep, Fields);

    public ExpressionScope EmitScope => new(Steps, Steps.Length, Fields);

    public JsonEvent Event(string json, string stream = "orders")
    {
        Assert.True(JsonEventParser.TryParse(json, stream, 1, Fields, out var evt, out var error), error);
        return evt;
    }

    /// <summary>a took one event at 1000; b took three (2000, 3000, 4000); c took none; the event under test is at 5000.</summary>
    public MatchContext<JsonEvent> SampleContext() => TestHooks.Context(
        Steps,
        5000,
        (0, Event("""{"id":1,"amount":10,"orderId":"o1"}"""), 1000),
        (1, Event("""{"id":2,"amount":5}"""), 2000),
        (1, Event("""{"id":3,"amount":"x"}"""), 3000),
        (1, Event("""{"id":4,"amount":7}""", "payments"), 4000));

    public Condition<JsonEvent> Condition(string text, out bool readsContext)
    {
        var errors = new List<RuleError>();
        var condition = ExpressionCompiler.CompileCondition(text, At, Scope, errors, out readsContext);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return condition!;
    }

    public bool Holds(string text)
    {
        var condition = Condition(text, out _);
        return condition(Event(EventJson), SampleContext());
    }

    /// <summary>The value of <paramref name="text"/> over the sample event, as canonical JSON or "missing".</summary>
    public string Value(string text)
    {
        var errors = new List<RuleError>();
        var value = ExpressionCompiler.CompileValue(text, At, Scope, errors);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return value!(Event(EventJson), SampleContext()).ToString();
    }

    public List<RuleError> ConditionErrors(string text)
    {
        var errors = new List<RuleError>();
        var condition = ExpressionCompiler.CompileCondition(text, At, Scope, errors, out var readsContext);
        Assert.Null(condition);
        Assert.False(readsContext);
        Assert.NotEmpty(errors);
        return errors;
    }

    public List<RuleError> EmitErrors(string text)
    {
        var errors = new List<RuleError>();
        Assert.Null(ExpressionCompiler.CompileValue(text, At, EmitScope, errors));
        Assert.NotEmpty(errors);
        return errors;
    }
}
