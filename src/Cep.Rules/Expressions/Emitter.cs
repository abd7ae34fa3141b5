using System.Linq.Expressions;
using System.Reflection;
using System.Text.RegularExpressions;
using Cep.Nfa;
using Cep.Rules.Diagnostics;
using Cep.Rules.Events;

namespace Cep.Rules.Expressions;

/// <summary>
/// Turns a bound expression into a System.Linq.Expressions tree over the event and the match context, to be
/// compiled into a delegate once. Conditions are emitted as two bool-valued forms, "holds" and "fails", so
/// that three-valued logic (true, false, null) costs plain short-circuit branches and no boxing.
/// </summary>
internal sealed class Emitter
{
    private static readonly MethodInfo GetMethod = typeof(JsonEvent).GetMethod(nameof(JsonEvent.Get))!;
    private static readonly PropertyInfo StreamProperty = typeof(JsonEvent).GetProperty(nameof(JsonEvent.Stream))!;
    private static readonly PropertyInfo TimestampProperty = typeof(MatchContext<JsonEvent>).GetProperty(nameof(MatchContext<JsonEvent>.Timestamp))!;
    private static readonly PropertyInfo KindProperty = typeof(JsonValue).GetProperty(nameof(JsonValue.Kind))!;
    private static readonly Expression True = Expression.Constant(JsonValue.True);
    private static readonly Expression False = Expression.Constant(JsonValue.False);
    private static readonly Expression Null = Expression.Constant(JsonValue.Null);

    private readonly ErrorSink _locate;
    private readonly string _text;

    public Emitter(ParameterExpression evt, ParameterExpression context, ErrorSink locate, string text)
    {
        Event = evt;
        Context = context;
        _locate = locate;
        _text = text;
    }

    public ParameterExpression Event { get; }

    public ParameterExpression Context { get; }

    private static MethodInfo Op(string name) =>
        typeof(Ops).GetMethod(name, BindingFlags.Public | BindingFlags.Static) ?? throw new InvalidOperationException("no Ops." + name);

    private static MethodCallExpression Call(string name, params Expression[] arguments) => Expression.Call(Op(name), arguments);

    private MethodCallExpression StepArguments(BoundStepValue s, string name) =>
        Call(name, Context, Expression.Constant(s.Step), Expression.Constant(s.Index));

    // ---- values ----

    public Expression Value(Bound bound)
    {
        switch (bound)
        {
            case BoundLiteral literal:
                return Expression.Constant(literal.Value);
            case BoundField field:
                return Expression.Call(Event, GetMethod, Expression.Constant(field.Slot));
            case BoundEventTime:
                return Call(nameof(Ops.FromTime), Expression.Property(Context, TimestampProperty));
            case BoundEventStream:
                return Call(nameof(Ops.FromText), Expression.Property(Event, StreamProperty));
            case BoundStepValue step:
                return step.Member switch
                {
                    StepMember.Time => StepArguments(step, nameof(Ops.StepTime)),
                    StepMember.Stream => StepArguments(step, nameof(Ops.StepStream)),
                    _ => Call(nameof(Ops.StepField), Context, Expression.Constant(step.Step), Expression.Constant(step.Index), Expression.Constant(step.Slot)),
                };
            case BoundCount count:
                return Call(nameof(Ops.Count), Context, Expression.Constant(count.Step));
            case BoundAggregate aggregate:
                return Call(aggregate.Kind.ToString(), Context, Expression.Constant(aggregate.Step), Expression.Constant(aggregate.Slot));
            case BoundNegate negate:
                return Call(nameof(Ops.Negate), Value(negate.Operand));
            case BoundArithmetic arithmetic:
                var name = arithmetic.Op switch
                {
                    BinaryOp.Add => nameof(Ops.Add),
                    BinaryOp.Subtract => nameof(Ops.Subtract),
                    BinaryOp.Multiply => nameof(Ops.Multiply),
                    BinaryOp.Divide => nameof(Ops.Divide),
                    _ => nameof(Ops.Remainder),
                };
                return Call(name, Value(arithmetic.Left), Value(arithmetic.Right));
            case BoundFunction { Kind: FunctionKind.Coalesce } coalesce:
                return Coalesce(coalesce.Arguments);
            case BoundFunction function:
                return Call(function.Kind.ToString(), [.. function.Arguments.Select(Value)]);
            case BoundMatches matches:
                var matcher = new RegexMatcher(matches.Regex, _locate.Locate(matches.Offset), _text);
                return Expression.Call(Expression.Constant(matcher), RegexMatcher.EvaluateMethod, Value(matches.Value));
            case BoundCompare or BoundIn or BoundExists:
                return Expression.Condition(Holds(bound), True, False);
            default:
                // not, and, or: three-valued.
                return Expression.Condition(Holds(bound), True, Expression.Condition(Fails(bound), False, Null));
        }
    }

    private Expression Coalesce(IReadOnlyList<Bound> arguments)
    {
        var result = Value(arguments[^1]);
        for (var i = arguments.Count - 2; i >= 0; i--)
        {
            var temp = Expression.Variable(typeof(JsonValue));
            result = Expression.Block(
                typeof(JsonValue),
                [temp],
                Expression.Assign(temp, Value(arguments[i])),
                Expression.Condition(Call(nameof(Ops.IsNullish), temp), result, temp));
        }
        return result;
    }

    // ---- conditions ----

    /// <summary>A bool expression that is true exactly when the bound expression is true.</summary>
    public Expression Holds(Bound bound) => bound switch
    {
        BoundLiteral literal => Expression.Constant(literal.Value.Kind == JsonKind.True),
        BoundCompare compare => Compare(compare),
        BoundIn inList => inList.Negated ? Expression.Not(In(inList)) : In(inList),
        BoundExists exists => Exists(exists.Reference),
        BoundNot not => Fails(not.Operand),
        BoundLogical { IsAnd: true } and => Expression.AndAlso(Holds(and.Left), Holds(and.Right)),
        BoundLogical or => Expression.OrElse(Holds(or.Left), Holds(or.Right)),
        _ => Call(nameof(Ops.IsTrue), Value(bound)),
    };

    /// <summary>A bool expression that is true exactly when the bound expression is false (not null).</summary>
    public Expression Fails(Bound bound) => bound switch
    {
        BoundLiteral literal => Expression.Constant(literal.Value.Kind == JsonKind.False),
        BoundCompare or BoundIn or BoundExists => Expression.Not(Holds(bound)),
        BoundNot not => Holds(not.Operand),
        BoundLogical { IsAnd: true } and => Expression.OrElse(Fails(and.Left), Fails(and.Right)),
        BoundLogical or => Expression.AndAlso(Fails(or.Left), Fails(or.Right)),
        _ => Call(nameof(Ops.IsFalse), Value(bound)),
    };

    private Expression Exists(Bound reference) => reference switch
    {
        BoundStepValue { Member: not StepMember.Field } step =>
            Call(nameof(Ops.StepHas), Context, Expression.Constant(step.Step), Expression.Constant(step.Index)),
        BoundEventTime or BoundEventStream => Expression.Constant(true),
        _ => Call(nameof(Ops.IsPresent), Value(reference)),
    };

    private Expression Compare(BoundCompare compare)
    {
        var (left, right, op) = (compare.Left, compare.Right, compare.Op);
        if (left is BoundLiteral && right is not BoundLiteral)
        {
            (left, right, op) = (right, left, Flip(op));
        }
        if (right is BoundLiteral { Value: var constant })
        {
            var value = Value(left);
            if (constant.IsNullish)
            {
                return op switch
                {
                    BinaryOp.Equal => Call(nameof(Ops.IsNullish), value),
                    BinaryOp.NotEqual => Expression.Not(Call(nameof(Ops.IsNullish), value)),
                    _ => Expression.Constant(false),
                };
            }
            if (constant.Kind == JsonKind.String && op is BinaryOp.Equal or BinaryOp.NotEqual)
            {
                return Call(op == BinaryOp.Equal ? nameof(Ops.EqString) : nameof(Ops.NeString), value, Expression.Constant(constant.Text));
            }
            if (constant.Kind == JsonKind.Number)
            {
                var name = op switch
                {
                    BinaryOp.Equal => nameof(Ops.EqNumber),
                    BinaryOp.NotEqual => nameof(Ops.NeNumber),
                    BinaryOp.Less => nameof(Ops.LtNumber),
                    BinaryOp.LessEqual => nameof(Ops.LeNumber),
                    BinaryOp.Greater => nameof(Ops.GtNumber),
                    _ => nameof(Ops.GeNumber),
                };
                return Call(name, value, Expression.Constant(constant.Number));
            }
        }
        var general = op switch
        {
            BinaryOp.Equal => nameof(Ops.Eq),
            BinaryOp.NotEqual => nameof(Ops.Ne),
            BinaryOp.Less => nameof(Ops.Lt),
            BinaryOp.LessEqual => nameof(Ops.Le),
            BinaryOp.Greater => nameof(Ops.Gt),
            _ => nameof(Ops.Ge),
        };
        return Call(general, Value(left), Value(right));
    }

    private static BinaryOp Flip(BinaryOp op) => op switch
    {
        BinaryOp.Less => BinaryOp.Greater,
        BinaryOp.LessEqual => BinaryOp.GreaterEqual,
        BinaryOp.Greater => BinaryOp.Less,
        BinaryOp.GreaterEqual => BinaryOp.LessEqual,
        _ => op,
    };

    private Expression In(BoundIn inList)
    {
        if (inList.Items.Count == 0)
        {
            return Expression.Constant(false);
        }
        if (inList.Items.All(i => i is BoundLiteral))
        {
            var constants = inList.Items.Select(i => ((BoundLiteral)i).Value).ToArray();
            return Call(nameof(Ops.In), Value(inList.Value), Expression.Constant(constants));
        }
        var temp = Expression.Variable(typeof(JsonValue));
        Expression test = Expression.Constant(false);
        for (var i = inList.Items.Count - 1; i >= 0; i--)
        {
            test = Expression.OrElse(Call(nameof(Ops.Eq), temp, Value(inList.Items[i])), test);
        }
        return Expression.Block(typeof(bool), [temp], Expression.Assign(temp, Value(inList.Value)), test);
    }
}

/// <summary>A regular expression compiled once per expression; a timeout fails the evaluation with a location.</summary>
internal sealed class RegexMatcher(Regex regex, SourceLocation location, string text)
{
    public static readonly MethodInfo EvaluateMethod = typeof(RegexMatcher).GetMethod(nameof(Evaluate))!;

    public JsonValue Evaluate(JsonValue value)
    {
        if (value.Kind != JsonKind.String)
        {
            return JsonValue.Null;
        }
        try
        {
            return Ops.Bool(regex.IsMatch(value.Text!));
        }
        catch (RegexMatchTimeoutException ex)
        {
            throw new ExpressionException(
                $"matches(...) gave up: the regular expression ran longer than {(int)regex.MatchTimeout.TotalMilliseconds} ms",
                location,
                text,
                ex);
        }
    }
}
