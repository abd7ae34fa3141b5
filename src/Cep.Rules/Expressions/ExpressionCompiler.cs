using System.Linq.Expressions;
using Cep.Nfa;
using Cep.Rules.Diagnostics;
using Cep.Rules.Events;

namespace Cep.Rules.Expressions;

/// <summary>
/// Compiles rule expressions (docs/expressions.md) into delegates: parse, resolve names against the steps,
/// check types, then emit and compile an expression tree once. Evaluation is not interpreted and allocates
/// nothing beyond what string functions need.
/// </summary>
public static class ExpressionCompiler
{
    /// <summary>
    /// Compiles a <c>where</c> or <c>until</c> condition. Returns null after adding errors to <paramref name="errors"/>.
    /// <paramref name="readsContext"/> is true when the condition names a step, so its result depends on the partial match.
    /// </summary>
    public static Condition<JsonEvent>? CompileCondition(
        string text,
        SourceLocation at,
        ExpressionScope scope,
        List<RuleError> errors,
        out bool readsContext)
    {
        readsContext = false;
        var bound = Bind(text, at, scope, errors, out var sink, out var binder);
        if (bound is null)
        {
            return null;
        }
        if (bound.Type is StaticType.Number or StaticType.String or StaticType.Null)
        {
            sink.Add(ErrorCodes.NotACondition, bound.Offset, $"a condition must be true or false, and this is {Binder.Describe(bound.Type)}");
            return null;
        }
        readsContext = binder.ReadsContext;
        var emitter = NewEmitter(sink, text);
        var body = emitter.Holds(bound);
        return Expression.Lambda<Condition<JsonEvent>>(body, "where", [emitter.Event, emitter.Context]).Compile(preferInterpretation: false);
    }

    /// <summary>
    /// Compiles an <c>emit</c> value. There is no event under test: bare field names are errors, and
    /// <c>$ts</c> is the time the match was decided. The delegate ignores its event argument.
    /// </summary>
    public static Func<JsonEvent?, MatchContext<JsonEvent>, JsonValue>? CompileValue(
        string text,
        SourceLocation at,
        ExpressionScope scope,
        List<RuleError> errors)
    {
        var bound = Bind(text, at, scope, errors, out var sink, out _);
        if (bound is null)
        {
            return null;
        }
        var emitter = NewEmitter(sink, text);
        var body = emitter.Value(bound);
        return Expression.Lambda<Func<JsonEvent?, MatchContext<JsonEvent>, JsonValue>>(body, "emit", [emitter.Event, emitter.Context])
            .Compile(preferInterpretation: false);
    }

    private static Bound? Bind(string text, SourceLocation at, ExpressionScope scope, List<RuleError> errors, out ErrorSink sink, out Binder binder)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(errors);
        sink = new ErrorSink(text, at, errors);
        binder = new Binder(scope, sink);
        var syntax = Parser.Parse(text, sink);
        if (syntax is null)
        {
            return null;
        }
        var bound = binder.Bind(syntax);
        return sink.HasErrors ? null : bound;
    }

    private static Emitter NewEmitter(ErrorSink sink, string text) =>
        new(Expression.Parameter(typeof(JsonEvent), "evt"), Expression.Parameter(typeof(MatchContext<JsonEvent>), "context"), sink, text);
}
