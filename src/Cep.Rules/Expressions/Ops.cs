using Cep.Nfa;
using Cep.Rules.Events;

namespace Cep.Rules.Expressions;

/// <summary>
/// The runtime semantics of the expression language, called from compiled delegates. Every method works
/// on <see cref="JsonValue"/> structs and allocates nothing, except the string functions that build strings.
/// </summary>
internal static class Ops
{
    private enum TypeClass
    {
        Null,
        Bool,
        Number,
        String,
        Array,
        Object,
    }

    private static TypeClass ClassOf(JsonValue v) => v.Kind switch
    {
        JsonKind.True or JsonKind.False => TypeClass.Bool,
        JsonKind.Number => TypeClass.Number,
        JsonKind.String => TypeClass.String,
        JsonKind.Array => TypeClass.Array,
        JsonKind.Object => TypeClass.Object,
        _ => TypeClass.Null,
    };

    public static bool IsTrue(JsonValue v) => v.Kind == JsonKind.True;

    public static bool IsFalse(JsonValue v) => v.Kind == JsonKind.False;

    public static bool IsNullish(JsonValue v) => v.Kind <= JsonKind.Null;

    public static bool IsPresent(JsonValue v) => v.Kind != JsonKind.Missing;

    public static JsonValue Bool(bool b) => b ? JsonValue.True : JsonValue.False;

    /// <summary>Arithmetic results that are not finite (overflow, 0/0) read as null: JSON cannot carry them.</summary>
    public static JsonValue Num(double d) => double.IsFinite(d) ? JsonValue.From(d) : JsonValue.Null;

    public static JsonValue FromTime(long ms) => JsonValue.From(ms);

    public static JsonValue FromText(string? text) => JsonValue.From(text);

    // ---- comparisons: null equals only null; other values of different types compare false ----

    public static bool Eq(JsonValue a, JsonValue b)
    {
        if (a.IsNullish || b.IsNullish)
        {
            return a.IsNullish && b.IsNullish;
        }
        var ca = ClassOf(a);
        return ca == ClassOf(b) && SameTypeEquals(ca, a, b);
    }

    public static bool Ne(JsonValue a, JsonValue b)
    {
        if (a.IsNullish || b.IsNullish)
        {
            return a.IsNullish != b.IsNullish;
        }
        var ca = ClassOf(a);
        return ca == ClassOf(b) && !SameTypeEquals(ca, a, b);
    }

    private static bool SameTypeEquals(TypeClass type, JsonValue a, JsonValue b) => type switch
    {
        TypeClass.Number => a.Number == b.Number,
        TypeClass.Bool => a.Kind == b.Kind,
        _ => string.Equals(a.Text, b.Text, StringComparison.Ordinal),
    };

    public static bool Lt(JsonValue a, JsonValue b) => Order(a, b) is { } c && c < 0;

    public static bool Le(JsonValue a, JsonValue b) => Order(a, b) is { } c && c <= 0;

    public static bool Gt(JsonValue a, JsonValue b) => Order(a, b) is { } c && c > 0;

    public static bool Ge(JsonValue a, JsonValue b) => Order(a, b) is { } c && c >= 0;

    /// <summary>Numbers by value, strings by ordinal (UTF-16) order; anything else is unordered.</summary>
    private static int? Order(JsonValue a, JsonValue b)
    {
        if (a.Kind == JsonKind.Number && b.Kind == JsonKind.Number)
        {
            // NaN cannot occur: parsing and arithmetic never produce it.
            return a.Number.CompareTo(b.Number);
        }
        if (a.Kind == JsonKind.String && b.Kind == JsonKind.String)
        {
            return string.CompareOrdinal(a.Text, b.Text);
        }
        return null;
    }

    // The fast paths below read a value's representation directly (no Kind switch): conditions on fields call them
    // for every event. Values reaching them come from JsonEvent.Get, which never hands out an undecoded string.
    public static bool EqString(JsonValue a, string s) => string.Equals(a.DecodedString, s, StringComparison.Ordinal);

    public static bool NeString(JsonValue a, string s) =>
        a.Kind == JsonKind.String ? !string.Equals(a.Text, s, StringComparison.Ordinal) : a.IsNullish;

    public static bool EqNumber(JsonValue a, double d) => a.IsNumber && a.NumberUnchecked == d;

    public static bool NeNumber(JsonValue a, double d) => a.Kind == JsonKind.Number ? a.Number != d : a.IsNullish;

    public static bool LtNumber(JsonValue a, double d) => a.IsNumber && a.NumberUnchecked < d;

    public static bool LeNumber(JsonValue a, double d) => a.IsNumber && a.NumberUnchecked <= d;

    public static bool GtNumber(JsonValue a, double d) => a.IsNumber && a.NumberUnchecked > d;

    public static bool GeNumber(JsonValue a, double d) => a.IsNumber && a.NumberUnchecked >= d;

    public static bool In(JsonValue a, JsonValue[] items)
    {
        foreach (var item in items)
        {
            if (Eq(a, item))
            {
                return true;
            }
        }
        return false;
    }

    // ---- arithmetic: null (or a value of the wrong type) in, null out ----

    public static JsonValue Add(JsonValue a, JsonValue b)
    {
        if (a.Kind == JsonKind.Number && b.Kind == JsonKind.Number)
        {
            return Num(a.Number + b.Number);
        }
        if (a.IsNullish || b.IsNullish)
        {
            return JsonValue.Null;
        }
        if (a.Kind == JsonKind.String || b.Kind == JsonKind.String)
        {
            return JsonValue.From(string.Concat(a.ToDisplayText(), b.ToDisplayText()));
        }
        return JsonValue.Null;
    }

    public static JsonValue Subtract(JsonValue a, JsonValue b) =>
        a.Kind == JsonKind.Number && b.Kind == JsonKind.Number ? Num(a.Number - b.Number) : JsonValue.Null;

    public static JsonValue Multiply(JsonValue a, JsonValue b) =>
        a.Kind == JsonKind.Number && b.Kind == JsonKind.Number ? Num(a.Number * b.Number) : JsonValue.Null;

    public static JsonValue Divide(JsonValue a, JsonValue b) =>
        a.Kind == JsonKind.Number && b.Kind == JsonKind.Number && b.Number != 0 ? Num(a.Number / b.Number) : JsonValue.Null;

    public static JsonValue Remainder(JsonValue a, JsonValue b) =>
        a.Kind == JsonKind.Number && b.Kind == JsonKind.Number && b.Number != 0 ? Num(a.Number % b.Number) : JsonValue.Null;

    public static JsonValue Negate(JsonValue a) => a.Kind == JsonKind.Number ? JsonValue.From(-a.Number) : JsonValue.Null;

    // ---- scalar functions ----

    public static JsonValue Abs(JsonValue a) => a.Kind == JsonKind.Number ? JsonValue.From(Math.Abs(a.Number)) : JsonValue.Null;

    /// <summary>Length in Unicode characters (code points), so an emoji counts once.</summary>
    public static JsonValue Len(JsonValue a)
    {
        if (a.Kind != JsonKind.String)
        {
            return JsonValue.Null;
        }
        var text = a.Text!;
        var n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsLowSurrogate(text[i]) || i == 0 || !char.IsHighSurrogate(text[i - 1]))
            {
                n++;
            }
        }
        return JsonValue.From(n);
    }

    public static JsonValue Lower(JsonValue a) => a.Kind == JsonKind.String ? JsonValue.From(a.Text!.ToLowerInvariant()) : JsonValue.Null;

    public static JsonValue Upper(JsonValue a) => a.Kind == JsonKind.String ? JsonValue.From(a.Text!.ToUpperInvariant()) : JsonValue.Null;

    public static JsonValue Contains(JsonValue a, JsonValue b) =>
        a.Kind == JsonKind.String && b.Kind == JsonKind.String ? Bool(a.Text!.Contains(b.Text!, StringComparison.Ordinal)) : JsonValue.Null;

    public static JsonValue StartsWith(JsonValue a, JsonValue b) =>
        a.Kind == JsonKind.String && b.Kind == JsonKind.String ? Bool(a.Text!.StartsWith(b.Text!, StringComparison.Ordinal)) : JsonValue.Null;

    public static JsonValue EndsWith(JsonValue a, JsonValue b) =>
        a.Kind == JsonKind.String && b.Kind == JsonKind.String ? Bool(a.Text!.EndsWith(b.Text!, StringComparison.Ordinal)) : JsonValue.Null;

    // ---- steps: the events a step has taken in the partial match ----

    /// <summary>The step's event by position: 0, 1, ... from the first; -1, -2, ... from the last.</summary>
    public static SharedBufferNode<JsonEvent>? StepNode(MatchContext<JsonEvent> context, int step, int index) => index switch
    {
        -1 => context.Last(step),
        0 => context.First(step),
        > 0 => context.At(step, index),
        _ => FromEnd(context, step, index),
    };

    private static SharedBufferNode<JsonEvent>? FromEnd(MatchContext<JsonEvent> context, int step, int index)
    {
        // Events come newest first, so -1 is the first one met, -2 the second, ...
        var skip = -index - 1;
        foreach (var node in context.Events(step))
        {
            if (skip-- == 0)
            {
                return node;
            }
        }
        return null;
    }

    public static JsonValue StepField(MatchContext<JsonEvent> context, int step, int index, int slot) =>
        StepNode(context, step, index) is { } node ? node.Event.Get(slot) : JsonValue.Missing;

    public static JsonValue StepTime(MatchContext<JsonEvent> context, int step, int index) =>
        StepNode(context, step, index) is { } node ? JsonValue.From(node.Timestamp) : JsonValue.Missing;

    public static JsonValue StepStream(MatchContext<JsonEvent> context, int step, int index) =>
        StepNode(context, step, index) is { } node ? JsonValue.From(node.Event.Stream) : JsonValue.Missing;

    public static bool StepHas(MatchContext<JsonEvent> context, int step, int index) => StepNode(context, step, index) is not null;

    public static JsonValue Count(MatchContext<JsonEvent> context, int step) => JsonValue.From(context.Count(step));

    private static bool TryNumber(SharedBufferNode<JsonEvent> node, int slot, out double value)
    {
        if (slot < 0)
        {
            value = node.Timestamp;
            return true;
        }
        var v = node.Event.Get(slot);
        value = v.Number;
        return v.Kind == JsonKind.Number;
    }

    /// <summary>Sum of the numeric values (others are skipped, as SQL skips nulls); 0 when there are none.</summary>
    public static JsonValue Sum(MatchContext<JsonEvent> context, int step, int slot)
    {
        var sum = 0d;
        foreach (var node in context.Events(step))
        {
            if (TryNumber(node, slot, out var value))
            {
                sum += value;
            }
        }
        return Num(sum);
    }

    public static JsonValue Avg(MatchContext<JsonEvent> context, int step, int slot)
    {
        var sum = 0d;
        var n = 0;
        foreach (var node in context.Events(step))
        {
            if (TryNumber(node, slot, out var value))
            {
                sum += value;
                n++;
            }
        }
        return n == 0 ? JsonValue.Null : Num(sum / n);
    }

    public static JsonValue Min(MatchContext<JsonEvent> context, int step, int slot)
    {
        var found = false;
        var min = 0d;
        foreach (var node in context.Events(step))
        {
            if (TryNumber(node, slot, out var value) && (!found || value < min))
            {
                min = value;
                found = true;
            }
        }
        return found ? JsonValue.From(min) : JsonValue.Null;
    }

    public static JsonValue Max(MatchContext<JsonEvent> context, int step, int slot)
    {
        var found = false;
        var max = 0d;
        foreach (var node in context.Events(step))
        {
            if (TryNumber(node, slot, out var value) && (!found || value > max))
            {
                max = value;
                found = true;
            }
        }
        return found ? JsonValue.From(max) : JsonValue.Null;
    }
}
