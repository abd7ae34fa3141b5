namespace Cep.Rules.Events;

/// <summary>
/// One input event: its exact bytes (written to outputs as read) and the values of the registered field
/// paths, parsed once when the event was read. Immutable.
/// </summary>
public sealed class JsonEvent
{
    private readonly JsonValue[] _values;

    internal JsonEvent(string stream, long line, ReadOnlyMemory<byte> raw, JsonValue[] values)
    {
        Stream = stream;
        Line = line;
        Raw = raw;
        _values = values;
    }

    /// <summary>The name of the input the event came from.</summary>
    public string Stream { get; }

    /// <summary>1-based line number in its source; 0 when it has none.</summary>
    public long Line { get; }

    /// <summary>The JSON object's exact UTF-8 bytes, without surrounding whitespace or line ending.</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>The value at a registered path; missing when the path is absent or goes through a non-object.</summary>
    public JsonValue Get(int slot) => (uint)slot < (uint)_values.Length ? _values[slot] : default;

    public override string ToString() => System.Text.Encoding.UTF8.GetString(Raw.Span);
}
