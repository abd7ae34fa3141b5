using System.Globalization;
using System.Text.RegularExpressions;
using Cep.Rules.Events;

namespace Cep.Rules.Expressions;

/// <summary>
/// Resolves names against the pattern's steps and the field table, and checks types where they are known.
/// Reports every error it finds (not only the first) and returns null when there was any.
/// </summary>
internal sealed class Binder
{
    /// <summary>How long one <c>matches</c> may run before it fails the evaluation.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    internal static readonly string[] FunctionNames =
    [
        "count", "sum", "avg", "min", "max", "first", "last", "abs", "len", "lower", "upper",
        "contains", "startsWith", "endsWith", "matches", "coalesce", "exists",
    ];

    private readonly ExpressionScope _scope;
    private readonly ErrorSink _errors;

    public Binder(ExpressionScope scope, ErrorSink errors)
    {
        _scope = scope;
        _errors = errors;
    }

    /// <summary>True once the expression names a step: its value depends on the partial match.</summary>
    public bool ReadsContext { get; private set; }

    public Bound? Bind(Syntax syntax)
    {
        switch (syntax)
        {
            case LiteralSyntax literal:
                return new BoundLiteral(literal.Offset, literal.Value, TypeOf(literal.Value));
            case NameSyntax name:
                return BindName(name);
            case MemberSyntax or IndexSyntax:
                return BindReference(syntax);
            case CallSyntax call:
                return BindCall(call);
            case ListSyntax list:
                _errors.Add(ErrorCodes.ArgumentForm, list.Offset, "a list [...] is only allowed after 'in', as in: type in ['a', 'b']");
                return null;
            case UnarySyntax unary:
                return BindUnary(unary);
            case BinarySyntax binary:
                return BindBinary(binary);
            case InSyntax inSyntax:
                return BindIn(inSyntax);
            default:
                throw new InvalidOperationException("unknown syntax node " + syntax.GetType().Name);
        }
    }

    internal static int StartOf(Syntax syntax) => syntax switch
    {
        BinarySyntax b => StartOf(b.Left),
        InSyntax i => StartOf(i.Value),
        MemberSyntax m => StartOf(m.Target),
        IndexSyntax x => StartOf(x.Target),
        _ => syntax.Offset,
    };

    private static StaticType TypeOf(JsonValue value) => value.Kind switch
    {
        JsonKind.Number => StaticType.Number,
        JsonKind.String => StaticType.String,
        JsonKind.True or JsonKind.False => StaticType.Bool,
        JsonKind.Null or JsonKind.Missing => StaticType.Null,
        _ => StaticType.Any,
    };

    internal static string Describe(StaticType type) => type switch
    {
        StaticType.Number => "a number",
        StaticType.String => "a string",
        StaticType.Bool => "a boolean",
        StaticType.Null => "null",
        _ => "a value",
    };

    private static bool IsKnown(StaticType type) => type is not (StaticType.Any or StaticType.Null);

    // ---- names ----

    private Bound? BindName(NameSyntax name)
    {
        if (!name.Quoted)
        {
            switch (name.Name)
            {
                case "$ts":
                    return new BoundEventTime(name.Offset);
                case "$stream" when _scope.IsEmit:
                    _errors.Add(ErrorCodes.NoCurrentEvent, name.Offset, "emit has no current event, so '$stream' means nothing here; name a step, e.g. " + ExampleStep() + ".$stream");
                    return null;
                case "$stream":
                    return new BoundEventStream(name.Offset);
            }
            if (name.Name.StartsWith('$'))
            {
                _errors.Add(ErrorCodes.UnknownSpecialField, name.Offset, $"unknown special field '{name.Name}'; there are '$ts' and '$stream'");
                return null;
            }
            if (_scope.StepIndex(name.Name) >= 0)
            {
                _errors.Add(ErrorCodes.StepAsValue, name.Offset,
                    $"'{name.Name}' is a step, not a value; use one of its fields ({name.Name}.field), count({name.Name}), "
                    + $"or `{name.Name}` for a field of that name of the event under test");
                return null;
            }
        }
        return BindField(name.Offset, name.Name, name.Offset);
    }

    private BoundField? BindField(int offset, string path, int rootOffset)
    {
        if (_scope.IsEmit)
        {
            var root = path.Split('.')[0];
            var suggestion = path.Contains('.') ? DidYouMean(root, _scope.StepNames) : null;
            if (suggestion is not null)
            {
                _errors.Add(ErrorCodes.UnknownStep, rootOffset, $"unknown step '{root}'; did you mean '{suggestion}'?");
            }
            else
            {
                _errors.Add(ErrorCodes.NoCurrentEvent, offset,
                    $"emit has no current event, so '{path}' names nothing; name a step, e.g. {ExampleStep()}.{path}");
            }
            return null;
        }
        return new BoundField(offset, _scope.Fields.Slot(path), path);
    }

    private string ExampleStep() => _scope.StepNames.Count > 0 ? _scope.StepNames[0] : "step";

    /// <summary><c>a.b.c</c>, <c>step.f</c>, <c>step[0].f</c>, <c>first(step).f</c>, <c>step.$ts</c>.</summary>
    private Bound? BindReference(Syntax syntax)
    {
        var segments = new List<(string Name, int Offset)>();
        var root = syntax;
        while (root is MemberSyntax member)
        {
            segments.Insert(0, (member.Member, member.Offset));
            root = member.Target;
        }
        var start = StartOf(syntax);
        string stepName;
        int stepOffset;
        int index;
        switch (root)
        {
            case NameSyntax { Quoted: false } name when _scope.StepIndex(name.Name) >= 0:
                stepName = name.Name;
                stepOffset = name.Offset;
                index = -1;
                break;
            case NameSyntax name:
                if (name.Name.StartsWith('$'))
                {
                    _errors.Add(ErrorCodes.UnknownSpecialField, segments[0].Offset, $"'{name.Name}' has no fields");
                    return null;
                }
                foreach (var (segment, offset) in segments)
                {
                    if (segment.StartsWith('$'))
                    {
                        _errors.Add(ErrorCodes.UnknownSpecialField, offset, $"'{segment}' is only allowed after a step name, as in {ExampleStep()}.{segment}");
                        return null;
                    }
                }
                return BindField(start, name.Name + string.Concat(segments.Select(s => "." + s.Name)), name.Offset);
            case IndexSyntax indexSyntax:
                if (indexSyntax.Target is not NameSyntax { Quoted: false } indexed || _scope.StepIndex(indexed.Name) < 0)
                {
                    var shown = indexSyntax.Target is NameSyntax n ? n.Name : "this";
                    var suggestion = indexSyntax.Target is NameSyntax n2 ? DidYouMean(n2.Name, _scope.StepNames) : null;
                    _errors.Add(ErrorCodes.UnknownStep, Binder.StartOf(indexSyntax.Target),
                        $"'{shown}' is not a step; only steps can be indexed" + (suggestion is null ? string.Empty : $"; did you mean '{suggestion}'?"));
                    return null;
                }
                if (!TryIndex(indexSyntax.Index, out index))
                {
                    return null;
                }
                stepName = indexed.Name;
                stepOffset = indexed.Offset;
                break;
            case CallSyntax { Name: "first" or "last" } call:
                if (!TryStepArgument(call, out stepName, out stepOffset))
                {
                    return null;
                }
                index = call.Name == "first" ? 0 : -1;
                break;
            default:
                _errors.Add(ErrorCodes.ArgumentForm, segments.Count > 0 ? segments[0].Offset : start,
                    "only events have fields: write step.field, step[0].field, first(step).field or a field name");
                return null;
        }
        var step = ResolveStep(stepName, stepOffset);
        if (step < 0)
        {
            return null;
        }
        if (segments.Count == 0)
        {
            _errors.Add(ErrorCodes.StepAsValue, start, $"this is an event of step '{stepName}', not a value; take one of its fields, e.g. {stepName}[0].field");
            return null;
        }
        ReadsContext = true;
        var first = segments[0];
        if (first.Name.StartsWith('$'))
        {
            if (segments.Count > 1)
            {
                _errors.Add(ErrorCodes.UnknownSpecialField, segments[1].Offset, $"'{first.Name}' has no fields");
                return null;
            }
            switch (first.Name)
            {
                case "$ts":
                    return new BoundStepValue(start, step, index, StepMember.Time, -1, StaticType.Number);
                case "$stream":
                    return new BoundStepValue(start, step, index, StepMember.Stream, -1, StaticType.String);
                default:
                    _errors.Add(ErrorCodes.UnknownSpecialField, first.Offset, $"unknown special field '{first.Name}'; there are '$ts' and '$stream'");
                    return null;
            }
        }
        foreach (var (segment, offset) in segments)
        {
            if (segment.StartsWith('$'))
            {
                _errors.Add(ErrorCodes.UnknownSpecialField, offset, $"'{segment}' is only allowed right after a step");
                return null;
            }
        }
        var path = string.Join('.', segments.Select(s => s.Name));
        return new BoundStepValue(start, step, index, StepMember.Field, _scope.Fields.Slot(path), StaticType.Any);
    }

    private bool TryIndex(Syntax syntax, out int index)
    {
        index = 0;
        if (syntax is LiteralSyntax { Value.Kind: JsonKind.Number } literal
            && Math.Floor(literal.Value.Number) == literal.Value.Number
            && Math.Abs(literal.Value.Number) < int.MaxValue)
        {
            index = (int)literal.Value.Number;
            return true;
        }
        _errors.Add(ErrorCodes.BadIndex, StartOf(syntax), "an index must be a whole number: 0 is the first event, 1 the second, -1 the last");
        return false;
    }

    /// <summary>The step's index, or -1 after reporting an unknown step or one defined later.</summary>
    private int ResolveStep(string name, int offset)
    {
        var step = _scope.StepIndex(name);
        if (step < 0)
        {
            var suggestion = DidYouMean(name, _scope.StepNames);
            _errors.Add(ErrorCodes.UnknownStep, offset, $"unknown step '{name}'" + (suggestion is null ? string.Empty : $"; did you mean '{suggestion}'?"));
            return -1;
        }
        if (step > _scope.CurrentStep)
        {
            _errors.Add(ErrorCodes.StepNotYetDefined, offset,
                $"step '{name}' is used before it is defined; a condition can refer only to earlier steps and to its own step");
            return -1;
        }
        return step;
    }

    /// <summary>For <c>count(s)</c>, <c>first(s)</c>, <c>last(s)</c>: one argument that is a step name.</summary>
    private bool TryStepArgument(CallSyntax call, out string step, out int offset)
    {
        step = string.Empty;
        offset = call.Offset;
        if (!CheckArity(call, 1, 1))
        {
            return false;
        }
        if (call.Arguments[0] is NameSyntax { Quoted: false } name)
        {
            step = name.Name;
            offset = name.Offset;
            if (_scope.StepIndex(name.Name) < 0)
            {
                var suggestion = DidYouMean(name.Name, _scope.StepNames);
                _errors.Add(ErrorCodes.UnknownStep, name.Offset,
                    $"{call.Name}(...) takes a step, and '{name.Name}' is not one" + (suggestion is null ? string.Empty : $"; did you mean '{suggestion}'?"));
                return false;
            }
            return true;
        }
        _errors.Add(ErrorCodes.ArgumentForm, StartOf(call.Arguments[0]), $"{call.Name}(...) takes a step name, as in {call.Name}({ExampleStep()})");
        return false;
    }

    private bool CheckArity(CallSyntax call, int min, int max)
    {
        var n = call.Arguments.Count;
        if (n >= min && n <= max)
        {
            return true;
        }
        var expected = min == max ? $"{min} argument{(min == 1 ? "" : "s")}" : max == int.MaxValue ? $"at least {min} argument{(min == 1 ? "" : "s")}" : $"{min} to {max} arguments";
        _errors.Add(ErrorCodes.Arity, call.Offset, $"'{call.Name}' takes {expected}, found {n}");
        return false;
    }

    // ---- functions ----

    private Bound? BindCall(CallSyntax call)
    {
        switch (call.Name)
        {
            case "count":
            {
                if (!TryStepArgument(call, out var name, out var offset))
                {
                    return null;
                }
                var step = ResolveStep(name, offset);
                if (step < 0)
                {
                    return null;
                }
                ReadsContext = true;
                return new BoundCount(call.Offset, step);
            }
            case "sum" or "avg" or "min" or "max":
                return BindAggregate(call);
            case "first" or "last":
                if (TryStepArgument(call, out var stepName, out _))
                {
                    _errors.Add(ErrorCodes.StepAsValue, call.Offset, $"{call.Name}({stepName}) is an event, not a value; take one of its fields, e.g. {call.Name}({stepName}).field");
                }
                return null;
            case "abs":
                return BindFunction(call, FunctionKind.Abs, StaticType.Number, StaticType.Number);
            case "len":
                return BindFunction(call, FunctionKind.Len, StaticType.Number, StaticType.String);
            case "lower":
                return BindFunction(call, FunctionKind.Lower, StaticType.String, StaticType.String);
            case "upper":
                return BindFunction(call, FunctionKind.Upper, StaticType.String, StaticType.String);
            case "contains":
                return BindFunction(call, FunctionKind.Contains, StaticType.Bool, StaticType.String, StaticType.String);
            case "startsWith":
                return BindFunction(call, FunctionKind.StartsWith, StaticType.Bool, StaticType.String, StaticType.String);
            case "endsWith":
                return BindFunction(call, FunctionKind.EndsWith, StaticType.Bool, StaticType.String, StaticType.String);
            case "matches":
                return BindMatches(call);
            case "coalesce":
                return BindCoalesce(call);
            case "exists":
                return BindExists(call);
            default:
                var suggestion = DidYouMean(call.Name, FunctionNames);
                _errors.Add(ErrorCodes.UnknownFunction, call.Offset,
                    $"unknown function '{call.Name}'" + (suggestion is null ? string.Empty : $"; did you mean '{suggestion}'?"));
                return null;
        }
    }

    private BoundFunction? BindFunction(CallSyntax call, FunctionKind kind, StaticType result, params StaticType[] parameters)
    {
        if (!CheckArity(call, parameters.Length, parameters.Length))
        {
            return null;
        }
        var arguments = BindAll(call.Arguments);
        if (arguments is null)
        {
            return null;
        }
        var ok = true;
        for (var i = 0; i < parameters.Length; i++)
        {
            ok &= RequireType(arguments[i], parameters[i], $"'{call.Name}'");
        }
        return ok ? new BoundFunction(call.Offset, kind, arguments, result) : null;
    }

    private BoundAggregate? BindAggregate(CallSyntax call)
    {
        if (!CheckArity(call, 1, 1))
        {
            return null;
        }
        var argument = call.Arguments[0];
        var segments = new List<MemberSyntax>();
        var root = argument;
        while (root is MemberSyntax member)
        {
            segments.Insert(0, member);
            root = member.Target;
        }
        if (segments.Count == 0 || root is not NameSyntax { Quoted: false } stepName)
        {
            _errors.Add(ErrorCodes.ArgumentForm, StartOf(argument), $"{call.Name}(...) aggregates a field over all events of a step, as in {call.Name}({ExampleStep()}.amount)");
            return null;
        }
        if (_scope.StepIndex(stepName.Name) < 0)
        {
            var suggestion = DidYouMean(stepName.Name, _scope.StepNames);
            _errors.Add(ErrorCodes.UnknownStep, stepName.Offset,
                $"{call.Name}(...) aggregates over a step, and '{stepName.Name}' is not one" + (suggestion is null ? string.Empty : $"; did you mean '{suggestion}'?"));
            return null;
        }
        var step = ResolveStep(stepName.Name, stepName.Offset);
        if (step < 0)
        {
            return null;
        }
        var kind = call.Name switch
        {
            "sum" => AggregateKind.Sum,
            "avg" => AggregateKind.Avg,
            "min" => AggregateKind.Min,
            _ => AggregateKind.Max,
        };
        int slot;
        if (segments[0].Member == "$ts" && segments.Count == 1)
        {
            slot = -1;
        }
        else if (segments.Find(s => s.Member.StartsWith('$')) is { } special)
        {
            _errors.Add(ErrorCodes.OperandType, special.Offset, $"{call.Name}(...) needs numbers; '{special.Member}' is not a numeric field");
            return null;
        }
        else
        {
            slot = _scope.Fields.Slot(string.Join('.', segments.Select(s => s.Member)));
        }
        ReadsContext = true;
        return new BoundAggregate(call.Offset, kind, step, slot);
    }

    private BoundMatches? BindMatches(CallSyntax call)
    {
        if (!CheckArity(call, 2, 2))
        {
            return null;
        }
        var value = Bind(call.Arguments[0]);
        if (call.Arguments[1] is not LiteralSyntax { Value.Kind: JsonKind.String } pattern)
        {
            _errors.Add(ErrorCodes.ArgumentForm, StartOf(call.Arguments[1]), "the pattern of matches(...) must be a string literal, so that it is compiled once");
            return null;
        }
        if (value is null || !RequireType(value, StaticType.String, "'matches'"))
        {
            return null;
        }
        try
        {
            var regex = new Regex(pattern.Value.Text!, RegexOptions.CultureInvariant | RegexOptions.Compiled, RegexTimeout);
            return new BoundMatches(call.Offset, value, regex);
        }
        catch (ArgumentException ex)
        {
            _errors.Add(ErrorCodes.InvalidRegex, pattern.Offset, "invalid regular expression: " + ex.Message);
            return null;
        }
    }

    private BoundFunction? BindCoalesce(CallSyntax call)
    {
        if (!CheckArity(call, 1, int.MaxValue))
        {
            return null;
        }
        var arguments = BindAll(call.Arguments);
        if (arguments is null)
        {
            return null;
        }
        StaticType? type = null;
        foreach (var argument in arguments)
        {
            if (argument.Type == StaticType.Null)
            {
                continue;
            }
            type = type is null || type == argument.Type ? argument.Type : StaticType.Any;
        }
        return new BoundFunction(call.Offset, FunctionKind.Coalesce, arguments, type ?? StaticType.Null);
    }

    private BoundExists? BindExists(CallSyntax call)
    {
        if (!CheckArity(call, 1, 1))
        {
            return null;
        }
        var argument = call.Arguments[0];
        if (argument is not (NameSyntax or MemberSyntax or IndexSyntax))
        {
            _errors.Add(ErrorCodes.ArgumentForm, StartOf(argument), $"exists(...) takes a field, as in exists(user.id) or exists({ExampleStep()}.id)");
            return null;
        }
        var reference = Bind(argument);
        return reference is null ? null : new BoundExists(call.Offset, reference);
    }

    private List<Bound>? BindAll(IReadOnlyList<Syntax> syntaxes)
    {
        var bound = new List<Bound>(syntaxes.Count);
        var ok = true;
        foreach (var syntax in syntaxes)
        {
            var b = Bind(syntax);
            if (b is null)
            {
                ok = false;
            }
            else
            {
                bound.Add(b);
            }
        }
        return ok ? bound : null;
    }

    private bool RequireType(Bound bound, StaticType expected, string what)
    {
        if (!IsKnown(bound.Type) || bound.Type == expected)
        {
            return true;
        }
        _errors.Add(ErrorCodes.OperandType, bound.Offset, $"{what} needs {Describe(expected)}, found {Describe(bound.Type)}");
        return false;
    }

    // ---- operators ----

    private Bound? BindUnary(UnarySyntax unary)
    {
        var operand = Bind(unary.Operand);
        if (operand is null)
        {
            return null;
        }
        if (unary.Op == UnaryOp.Not)
        {
            return RequireCondition(operand, "'not'") ? new BoundNot(unary.Offset, operand) : null;
        }
        return RequireType(operand, StaticType.Number, "'-'") ? new BoundNegate(unary.Offset, operand) : null;
    }

    private bool RequireCondition(Bound bound, string what)
    {
        if (bound.Type is StaticType.Number or StaticType.String)
        {
            _errors.Add(ErrorCodes.OperandType, bound.Offset, $"{what} needs a condition (true or false), found {Describe(bound.Type)}");
            return false;
        }
        return true;
    }

    private Bound? BindBinary(BinarySyntax binary)
    {
        var left = Bind(binary.Left);
        var right = Bind(binary.Right);
        if (left is null || right is null)
        {
            return null;
        }
        var start = StartOf(binary);
        var symbol = SyntaxText.Of(binary.Op);
        switch (binary.Op)
        {
            case BinaryOp.And or BinaryOp.Or:
                var ok = RequireCondition(left, $"'{symbol}'") & RequireCondition(right, $"'{symbol}'");
                return ok ? new BoundLogical(start, binary.Op == BinaryOp.And, left, right) : null;
            case BinaryOp.Equal or BinaryOp.NotEqual:
                if (IsKnown(left.Type) && IsKnown(right.Type) && left.Type != right.Type)
                {
                    _errors.Add(ErrorCodes.NeverMatches, binary.Offset,
                        $"comparing {Describe(left.Type)} with {Describe(right.Type)} never matches: values of different types are never equal or unequal");
                    return null;
                }
                return new BoundCompare(start, binary.Op, left, right);
            case BinaryOp.Less or BinaryOp.LessEqual or BinaryOp.Greater or BinaryOp.GreaterEqual:
                if (left.Type == StaticType.Bool || right.Type == StaticType.Bool)
                {
                    _errors.Add(ErrorCodes.OperandType, binary.Offset, $"'{symbol}' orders numbers or strings, not booleans");
                    return null;
                }
                if (left.Type == StaticType.Null || right.Type == StaticType.Null)
                {
                    _errors.Add(ErrorCodes.NeverMatches, binary.Offset, $"'{symbol}' with null never holds; test for null with == null");
                    return null;
                }
                if (IsKnown(left.Type) && IsKnown(right.Type) && left.Type != right.Type)
                {
                    _errors.Add(ErrorCodes.NeverMatches, binary.Offset, $"comparing {Describe(left.Type)} with {Describe(right.Type)} never matches");
                    return null;
                }
                return new BoundCompare(start, binary.Op, left, right);
            case BinaryOp.Add:
            {
                var joinsText = left.Type == StaticType.String || right.Type == StaticType.String;
                if (!joinsText && (left.Type == StaticType.Bool || right.Type == StaticType.Bool))
                {
                    var culprit = left.Type == StaticType.Bool ? left : right;
                    _errors.Add(ErrorCodes.OperandType, culprit.Offset, "'+' adds numbers or joins strings, found a boolean");
                    return null;
                }
                var type = left.Type == StaticType.Number && right.Type == StaticType.Number ? StaticType.Number
                    : left.Type == StaticType.String || right.Type == StaticType.String ? StaticType.String
                    : StaticType.Any;
                return new BoundArithmetic(start, binary.Op, left, right, type);
            }
            default:
            {
                var ok2 = RequireType(left, StaticType.Number, $"'{symbol}'") & RequireType(right, StaticType.Number, $"'{symbol}'");
                return ok2 ? new BoundArithmetic(start, binary.Op, left, right, StaticType.Number) : null;
            }
        }
    }

    private BoundIn? BindIn(InSyntax syntax)
    {
        var value = Bind(syntax.Value);
        if (syntax.List is not ListSyntax list)
        {
            _errors.Add(ErrorCodes.ArgumentForm, StartOf(syntax.List), "'in' needs a list, as in: type in ['a', 'b']; to find text in a string use contains(s, 'text')");
            return null;
        }
        var items = BindAll(list.Items);
        if (value is null || items is null)
        {
            return null;
        }
        var ok = true;
        foreach (var item in items)
        {
            if (IsKnown(value.Type) && IsKnown(item.Type) && value.Type != item.Type)
            {
                _errors.Add(ErrorCodes.NeverMatches, item.Offset, $"{Describe(item.Type)} in the list can never equal {Describe(value.Type)}");
                ok = false;
            }
        }
        return ok ? new BoundIn(StartOf(syntax), value, items, syntax.Negated) : null;
    }

    // ---- suggestions ----

    internal static string? DidYouMean(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase)
                ? 0
                : Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        var allowed = Math.Max(1, Math.Min(name.Length, best?.Length ?? 0) / 3);
        return best is not null && bestDistance <= allowed && !string.Equals(best, name, StringComparison.Ordinal) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    internal static string Format(double d) => d.ToString(CultureInfo.InvariantCulture);
}
