using System.Text;
using Cep.Rules.Compilation;

namespace Cep.Rules.Events;

/// <summary>
/// One input event: its exact bytes (written to outputs as read) and the values of the registered field
/// paths, parsed once when the event was read. Immutable.
/// </summary>
/// <remarks>
/// A plain-ASCII string in a field that only keys read stays undecoded (see <see cref="FieldTable"/>): the key
/// is cut from the raw bytes, so such an event holds one string less. <see cref="Get"/> decodes it on demand.
/// </remarks>
public sealed class JsonEvent
{
    private readonly byte[] _raw;
    private readonly JsonValue[] _values;

    internal JsonEvent(string stream, long line, byte[] raw, JsonValue[] values)
    {
        Stream = stream;
        Line = line;
        _raw = raw;
        _values = values;
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
        if ((uint)slot >= (uint)_values.Length)
        {
            return default;
        }
        var value = _values[slot];
        return value.IsUndecoded ? JsonValue.From(Encoding.ASCII.GetString(_raw, value.UndecodedOffset, value.UndecodedLength)) : value;
    }

    /// <summary>
    /// The canonical JSON text of the value at <paramref name="slot"/> (as <see cref="KeySelectors.Canonical"/>):
    /// for an undecoded plain-ASCII string that is exactly its quoted token in the raw bytes.
    /// </summary>
    internal string CanonicalText(int slot)
    {
        if ((uint)slot < (uint)_values.Length && _values[slot] is { IsUndecoded: true } value)
        {
            return Encoding.ASCII.GetString(_raw, value.UndecodedOffset - 1, value.UndecodedLength + 2);
        }
        return KeySelectors.Canonical(Get(slot));
    }

    public override string ToString() => Encoding.UTF8.GetString(_raw);
}
