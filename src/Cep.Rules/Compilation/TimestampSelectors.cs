using System.Globalization;
using Cep.Rules.Events;
using Cep.Rules.Model;

namespace Cep.Rules.Compilation;

/// <summary>
/// Builds a rule's <see cref="CompiledRule.TimestampOf"/>: epoch milliseconds from the time field, or null
/// when the field is missing or unusable (the runner then dead-letters the event).
/// </summary>
internal static class TimestampSelectors
{
    /// <summary>Largest timestamp magnitude accepted: ±8.64e15 ms (±100 million days, as ECMAScript dates).</summary>
    public const double MaxAbsMilliseconds = 8.64e15;

    public static TimestampSelector Create(TimeDefinition time, FieldTable fields)
    {
        // A dispatch slot: read once when the event is dispatched (never undecoded: a time slot's strings are decoded).
        var slot = fields.TimeSlot(time.Field.Value);
        var scale = time.Unit == Model.TimeUnit.Seconds ? 1000.0 : 1.0;
        return (e, d) => FromValue(FieldTable.DispatchValue(d, slot), scale);
    }

    /// <summary>A number times <paramref name="scale"/> (fractions of a millisecond are floored), or an ISO-8601 string.</summary>
    internal static long? FromValue(JsonValue value, double scale)
    {
        switch (value.Kind)
        {
            case JsonKind.Number:
                var ms = Math.Floor(value.Number * scale);
                return double.IsFinite(ms) && Math.Abs(ms) <= MaxAbsMilliseconds ? (long)ms : null;
            case JsonKind.String:
                return FromIso8601(value.Text!);
            default:
                return null;
        }
    }

    /// <summary>
    /// ISO-8601 date-times (<c>2026-11-21T13:00:00.250Z</c>, <c>2026-11-21T14:00:00+01:00</c>, <c>2026-11-21</c>);
    /// without an offset the time is UTC. The text must start with <c>yyyy-MM-dd</c>, so that numbers in
    /// strings and free-form dates ("Nov 21") are not guessed at.
    /// </summary>
    internal static long? FromIso8601(string text)
    {
        if (text.Length < 10
            || !char.IsAsciiDigit(text[0]) || !char.IsAsciiDigit(text[1]) || !char.IsAsciiDigit(text[2]) || !char.IsAsciiDigit(text[3])
            || text[4] != '-' || !char.IsAsciiDigit(text[5]) || !char.IsAsciiDigit(text[6])
            || text[7] != '-' || !char.IsAsciiDigit(text[8]) || !char.IsAsciiDigit(text[9]))
        {
            return null;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed.ToUnixTimeMilliseconds()
            : null;
    }
}
