using System.Text;
using Cep.Rules.Compilation;

namespace Cep.Rules.Events;

/// <summary>
/// One input event: its exact bytes (written to outputs as read) and the values of the registered field
/// paths, parsed once when the event was read. Immutable.
/// </summary>
/// <remarks>
/// The first <see cref="InlineSlots"/> values live in the event object itself, the rest in an array: a rule
/// typically reads a type, a time and a key, so an event the engine keeps is one object fewer for the garbage
/// collector to trace and copy than with every value in an array.
/// A plain-ASCII string in a field that only keys read stays undecoded (see <see cref="FieldTable"/>): the key
/// is cut from the raw bytes, so such an event holds one string less. <see cref="Get"/> decodes it on demand.
/// </remarks>
public sealed class JsonEvent
{
    internal const int InlineSlots = 3;

    private readonly byte[] _raw;
    private readonly JsonValue _v0;
    private readonly JsonValue _v1;
    private readonly JsonValue _v2;
    private readonly JsonValue[]? _more;

    /// <param name="values">The slot values; copied, so the caller may reuse the storage.</param>
    internal JsonEvent(string stream, long line, byte[] raw, ReadOnlySpan<JsonValue> values)
    {
        Stream = stream;
        Line = line;
        _raw = raw;
        switch (values.Length)
        {
            case > InlineSlots:
                _more = values[InlineSlots..].ToArray();
                goto case 3;
            case 3:
                _v2 = values[2];
                goto case 2;
            case 2:
                _v1 = values[1];
                goto case 1;
            case 1:
                _v0 = values[0];
                break;
            default:
                break;
        }
    }

    /// <summary>The name of the input the event came from.</summary>
    public string Stream { get; }

    /// <summary>1-based line number in its source; 0 when it has none.</summary>
    public long Line { get; }

    /// <summary>The JSON object's exact UTF-8 bytes, without surrounding whitespace or line ending.</summary>
    public ReadOnlyMemory<byte> Raw => _raw;

    /// <summary>The value at a registered path; missing when the path is absent or goes through a non-object.</summary>
    public JsonValue Get(int slot)
    {
        var value = Slot(slot);
        return value.IsUndecoded ? JsonValue.From(Encoding.ASCII.GetString(_raw, value.UndecodedOffset, value.UndecodedLength)) : value;
    }

    /// <summary>
    /// The canonical JSON text of the value at <paramref name="slot"/> (as <see cref="KeySelectors.Canonical"/>):
    /// for an undecoded plain-ASCII string that is exactly its quoted token in the raw bytes.
    /// </summary>
    internal string CanonicalText(int slot)
    {
        if (Slot(slot) is { IsUndecoded: true } value)
        {
            return Encoding.ASCII.GetString(_raw, value.UndecodedOffset - 1, value.UndecodedLength + 2);
        }
        return KeySelectors.Canonical(Get(slot));
    }

    /// <summary>
    /// True when the value at <paramref name="slot"/> is a number whose canonical JSON text is an integer (integral,
    /// within ±2^53, as <see cref="JsonValue.ToJson"/> prints it): the runner keeps such keys as numbers.
    /// </summary>
    internal bool TryGetInteger(int slot, out long value)
    {
        var v = Slot(slot);
        var number = v.Number;
        if (v.Kind == JsonKind.Number && Math.Abs(number) <= 9007199254740992d && Math.Floor(number) == number)
        {
            value = (long)number;
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>The stored value of a slot (an undecoded string as it is); missing for an unknown slot.</summary>
    private JsonValue Slot(int slot) => slot switch
    {
        0 => _v0,
        1 => _v1,
        2 => _v2,
        _ => _more is { } more && (uint)(slot - InlineSlots) < (uint)more.Length ? more[slot - InlineSlots] : default,
    };

    public override string ToString() => Encoding.UTF8.GetString(_raw);
}
