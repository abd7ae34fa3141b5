using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Cep.Rules.Events;

/// <summary>
/// Reads one JSON Lines line into a <see cref="JsonEvent"/>: one pass that fills only the registered field slots
/// and skips everything else without decoding it.
/// </summary>
/// <remarks>
/// Two readers, one answer. A hand-written scanner takes the common line (strings of printable ASCII without
/// escapes, any numbers, literals, nesting up to <see cref="FastMaxDepth"/>) and accepts only what is valid JSON;
/// anything else — an escape, a non-ASCII byte, a syntax error — sends the whole line to the
/// <see cref="Utf8JsonReader"/> path, which decodes what the scanner will not and words the error. The scanner
/// costs about a third of the reader on small events, whose members the reader would tokenise in full.
/// </remarks>
public static class JsonEventParser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };

    /// <summary>
    /// Parses a line holding one JSON object. The event keeps its own copy of the object's bytes, so the
    /// caller may reuse its buffer. Fails when the line is not valid JSON or not an object.
    /// </summary>
    public static bool TryParse(
        ReadOnlyMemory<byte> utf8Line,
        string stream,
        long line,
        FieldTable fields,
        [NotNullWhen(true)] out JsonEvent? evt,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fields);
        evt = null;
        var bytes = Trim(utf8Line.Span);
        if (bytes.IsEmpty)
        {
            error = "empty line: expected a JSON object";
            return false;
        }
        if (bytes[0] != (byte)'{')
        {
            error = "not a JSON object: an event must be an object such as {\"type\":\"a\"}";
            return false;
        }
        var root = fields.Root;
        // The values go to the event's own fields: parse them into the stack when they fit.
        var buffer = default(SlotBuffer);
        var values = root.SlotCount <= SlotBuffer.Length ? ((Span<JsonValue>)buffer)[..root.SlotCount] : new JsonValue[root.SlotCount];
        if (!TryScan(bytes, root, values))
        {
            values.Clear();
            if (!TryRead(bytes, root, values, out error))
            {
                return false;
            }
        }
        evt = JsonEvent.Create(stream, line, bytes, values);
        error = null;
        return true;
    }

    [InlineArray(Length)]
    private struct SlotBuffer
    {
        public const int Length = 8;

        private JsonValue _first;
    }

    /// <summary>The scanner alone over a trimmed object: false when it leaves the line to the reader.</summary>
    internal static bool TryScan(ReadOnlySpan<byte> bytes, PathNode root, Span<JsonValue> values)
    {
        var pos = 0;
        return FastObject(bytes, ref pos, root, values, 0) && pos == bytes.Length;
    }

    /// <summary>The reader alone over a trimmed object (what the scanner is checked against).</summary>
    internal static bool TryRead(ReadOnlySpan<byte> bytes, PathNode root, Span<JsonValue> values, [NotNullWhen(false)] out string? error)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes, ReaderOptions);
            reader.Read();
            ReadObject(ref reader, bytes, root, values);
            if (reader.Read())
            {
                error = "not a single JSON object: data follows the object";
                return false;
            }
        }
        catch (JsonException ex)
        {
            error = "invalid JSON: " + ex.Message;
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>Convenience for tests and tools: parses a string.</summary>
    public static bool TryParse(
        string line,
        string stream,
        long lineNumber,
        FieldTable fields,
        [NotNullWhen(true)] out JsonEvent? evt,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(line);
        return TryParse(Encoding.UTF8.GetBytes(line), stream, lineNumber, fields, out evt, out error);
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }
        var start = 0;
        while (start < bytes.Length && IsWhitespace(bytes[start]))
        {
            start++;
        }
        var end = bytes.Length;
        while (end > start && IsWhitespace(bytes[end - 1]))
        {
            end--;
        }
        return bytes[start..end];
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    /// <summary>Reads the members of the object whose StartObject the reader is on, up to its EndObject.</summary>
    private static void ReadObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> bytes, PathNode node, Span<JsonValue> values)
    {
        var children = node.Children;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return;
            }
            var child = FindChild(ref reader, children);
            reader.Read();
            if (child is null)
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
                continue;
            }
            // Last key wins: a repeated key replaces what an earlier occurrence filled below it.
            foreach (var slot in child.DescendantSlots)
            {
                values[slot] = default;
            }
            ReadValue(ref reader, bytes, child, values);
        }
    }

    private static PathNode? FindChild(ref Utf8JsonReader reader, PathNode[] children)
    {
        if (children.Length == 0)
        {
            return null;
        }
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            var name = reader.ValueSpan;
            foreach (var child in children)
            {
                if (name.SequenceEqual(child.Utf8Name))
                {
                    return child;
                }
            }
            return null;
        }
        foreach (var child in children)
        {
            if (reader.ValueTextEquals(child.Utf8Name))
            {
                return child;
            }
        }
        return null;
    }

    private static void ReadValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> bytes, PathNode node, Span<JsonValue> values)
    {
        var slot = node.Slot;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var start = (int)reader.TokenStartIndex;
                if (node.Children.Length > 0)
                {
                    ReadObject(ref reader, bytes, node, values);
                }
                else
                {
                    reader.Skip();
                }
                if (slot >= 0)
                {
                    values[slot] = JsonValue.FromRaw(JsonKind.Object, Encoding.UTF8.GetString(bytes[start..(int)reader.BytesConsumed]));
                }
                break;
            }
            case JsonTokenType.StartArray:
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (slot >= 0)
                {
                    values[slot] = JsonValue.FromRaw(JsonKind.Array, Encoding.UTF8.GetString(bytes[start..(int)reader.BytesConsumed]));
                }
                break;
            }
            case JsonTokenType.String when slot >= 0:
                values[slot] = ReadString(ref reader, node);
                break;
            case JsonTokenType.Number when slot >= 0:
                values[slot] = JsonValue.From(ReadNumber(ref reader));
                break;
            case JsonTokenType.True when slot >= 0:
                values[slot] = JsonValue.True;
                break;
            case JsonTokenType.False when slot >= 0:
                values[slot] = JsonValue.False;
                break;
            case JsonTokenType.Null when slot >= 0:
                values[slot] = JsonValue.Null;
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// A string value. Plain printable ASCII without escapes (the common case: ids, types, timestamps) is
    /// decoded through the path's <see cref="StringCache"/>, or not at all at a path only keys read; anything
    /// else goes through the reader, which unescapes and rejects invalid UTF-8.
    /// </summary>
    private static JsonValue ReadString(ref Utf8JsonReader reader, PathNode node)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            var span = reader.ValueSpan;
            if (span.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) < 0)
            {
                // TokenStartIndex is the opening quote; the value's bytes follow it.
                return node.KeyOnly
                    ? JsonValue.Undecoded((int)reader.TokenStartIndex + 1, span.Length)
                    : JsonValue.From(node.Strings.Get(span));
            }
        }
        return JsonValue.From(reader.GetString());
    }

    private static double ReadNumber(ref Utf8JsonReader reader)
    {
        if (reader.TryGetDouble(out var number))
        {
            return number;
        }
        return ParseOutOfRange(reader.ValueSpan);
    }

    // Out of double's range: the reader refuses, the framework's parser saturates to infinity.
    private static double ParseOutOfRange(ReadOnlySpan<byte> number) =>
        double.Parse(Encoding.UTF8.GetString(number), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Nesting the scanner follows; deeper lines go to the reader (which allows 256).</summary>
    private const int FastMaxDepth = 64;

    /// <summary>
    /// The scanner's object: <paramref name="pos"/> is on its '{' and ends past its '}'. False when the line must
    /// go to the reader (not valid JSON, or valid in a way the scanner leaves to the reader). A null
    /// <paramref name="node"/> reads nothing into slots (an unregistered member's value, only checked).
    /// </summary>
    private static bool FastObject(ReadOnlySpan<byte> bytes, ref int pos, PathNode? node, Span<JsonValue> values, int depth)
    {
        pos++;
        if (!SkipWhitespace(bytes, ref pos))
        {
            return false;
        }
        if (bytes[pos] == (byte)'}')
        {
            pos++;
            return true;
        }
        var children = node is null ? [] : node.Children;
        while (true)
        {
            if (bytes[pos] != (byte)'"' || !FastString(bytes, ref pos, out var name))
            {
                return false;
            }
            if (!SkipWhitespace(bytes, ref pos) || bytes[pos] != (byte)':')
            {
                return false;
            }
            pos++;
            if (!SkipWhitespace(bytes, ref pos))
            {
                return false;
            }
            PathNode? child = null;
            foreach (var candidate in children)
            {
                if (name.SequenceEqual(candidate.Utf8Name))
                {
                    child = candidate;
                    break;
                }
            }
            if (child is not null)
            {
                // Last key wins: a repeated key replaces what an earlier occurrence filled below it.
                foreach (var slot in child.DescendantSlots)
                {
                    values[slot] = default;
                }
            }
            if (!FastValue(bytes, ref pos, child, values, depth) || !SkipWhitespace(bytes, ref pos))
            {
                return false;
            }
            var next = bytes[pos++];
            if (next == (byte)'}')
            {
                return true;
            }
            if (next != (byte)',' || !SkipWhitespace(bytes, ref pos))
            {
                return false;
            }
        }
    }

    private static bool FastArray(ReadOnlySpan<byte> bytes, ref int pos, Span<JsonValue> values, int depth)
    {
        pos++;
        if (!SkipWhitespace(bytes, ref pos))
        {
            return false;
        }
        if (bytes[pos] == (byte)']')
        {
            pos++;
            return true;
        }
        while (true)
        {
            if (!FastValue(bytes, ref pos, null, values, depth) || !SkipWhitespace(bytes, ref pos))
            {
                return false;
            }
            var next = bytes[pos++];
            if (next == (byte)']')
            {
                return true;
            }
            if (next != (byte)',' || !SkipWhitespace(bytes, ref pos))
            {
                return false;
            }
        }
    }

    /// <summary>A value at <paramref name="pos"/> (not whitespace), stored in <paramref name="node"/>'s slot if it has one.</summary>
    private static bool FastValue(ReadOnlySpan<byte> bytes, ref int pos, PathNode? node, Span<JsonValue> values, int depth)
    {
        var slot = node?.Slot ?? -1;
        var start = pos;
        switch (bytes[pos])
        {
            case (byte)'"':
            {
                if (!FastString(bytes, ref pos, out var text))
                {
                    return false;
                }
                if (slot >= 0)
                {
                    values[slot] = node!.KeyOnly ? JsonValue.Undecoded(start + 1, text.Length) : JsonValue.From(node.Strings.Get(text));
                }
                return true;
            }
            case (byte)'{':
                if (depth >= FastMaxDepth || !FastObject(bytes, ref pos, node is { Children.Length: > 0 } ? node : null, values, depth + 1))
                {
                    return false;
                }
                if (slot >= 0)
                {
                    values[slot] = JsonValue.FromRaw(JsonKind.Object, Encoding.UTF8.GetString(bytes[start..pos]));
                }
                return true;
            case (byte)'[':
                if (depth >= FastMaxDepth || !FastArray(bytes, ref pos, values, depth + 1))
                {
                    return false;
                }
                if (slot >= 0)
                {
                    values[slot] = JsonValue.FromRaw(JsonKind.Array, Encoding.UTF8.GetString(bytes[start..pos]));
                }
                return true;
            case (byte)'t':
                return Literal(bytes, ref pos, "true"u8, slot, values, JsonValue.True);
            case (byte)'f':
                return Literal(bytes, ref pos, "false"u8, slot, values, JsonValue.False);
            case (byte)'n':
                return Literal(bytes, ref pos, "null"u8, slot, values, JsonValue.Null);
            default:
                return FastNumber(bytes, ref pos, slot, values);
        }
    }

    private static bool Literal(ReadOnlySpan<byte> bytes, ref int pos, ReadOnlySpan<byte> literal, int slot, Span<JsonValue> values, JsonValue value)
    {
        if (!bytes[pos..].StartsWith(literal))
        {
            return false;
        }
        pos += literal.Length;
        if (slot >= 0)
        {
            values[slot] = value;
        }
        return true;
    }

    /// <summary>
    /// A string of printable ASCII without escapes (its content in <paramref name="text"/>); false for anything
    /// else, which the reader unescapes, validates as UTF-8 or rejects.
    /// </summary>
    private static bool FastString(ReadOnlySpan<byte> bytes, ref int pos, out ReadOnlySpan<byte> text)
    {
        var rest = bytes[(pos + 1)..];
        var end = rest.IndexOfAny((byte)'"', (byte)'\\');
        if (end < 0 || rest[end] != (byte)'"')
        {
            text = default;
            return false;
        }
        text = rest[..end];
        if (text.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) >= 0)
        {
            return false;
        }
        pos += end + 2;
        return true;
    }

    /// <summary>A JSON number (RFC 8259 grammar); integers of up to 15 digits are converted without the general parser.</summary>
    private static bool FastNumber(ReadOnlySpan<byte> bytes, ref int pos, int slot, Span<JsonValue> values)
    {
        var start = pos;
        var negative = bytes[pos] == (byte)'-';
        if (negative)
        {
            pos++;
        }
        if (pos >= bytes.Length)
        {
            return false;
        }
        long integer = 0;
        var digits = 0;
        if (bytes[pos] == (byte)'0')
        {
            pos++;
            digits = 1;
        }
        else
        {
            while (pos < bytes.Length && (uint)(bytes[pos] - '0') <= 9)
            {
                if (digits < 18)
                {
                    integer = (integer * 10) + (bytes[pos] - '0');
                }
                digits++;
                pos++;
            }
            if (digits == 0)
            {
                return false;
            }
        }
        var simple = true;
        if (pos < bytes.Length && bytes[pos] == (byte)'.')
        {
            simple = false;
            pos++;
            if (!Digits(bytes, ref pos))
            {
                return false;
            }
        }
        if (pos < bytes.Length && (bytes[pos] | 0x20) == (byte)'e')
        {
            simple = false;
            pos++;
            if (pos < bytes.Length && bytes[pos] is (byte)'+' or (byte)'-')
            {
                pos++;
            }
            if (!Digits(bytes, ref pos))
            {
                return false;
            }
        }
        if (slot < 0)
        {
            return true;
        }
        // Integers below 10^15 are exact doubles; "-0" is the general parser's (negative zero).
        if (simple && digits <= 15 && !(negative && integer == 0))
        {
            values[slot] = JsonValue.From((double)(negative ? -integer : integer));
            return true;
        }
        var number = bytes[start..pos];
        values[slot] = JsonValue.From(System.Buffers.Text.Utf8Parser.TryParse(number, out double parsed, out var consumed) && consumed == number.Length && double.IsFinite(parsed)
            ? parsed
            : ParseOutOfRange(number));
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> bytes, ref int pos)
    {
        var start = pos;
        while (pos < bytes.Length && (uint)(bytes[pos] - '0') <= 9)
        {
            pos++;
        }
        return pos > start;
    }

    /// <summary>Skips JSON whitespace; false at the end of the line (every caller needs a byte there).</summary>
    private static bool SkipWhitespace(ReadOnlySpan<byte> bytes, ref int pos)
    {
        while (pos < bytes.Length)
        {
            if (!IsWhitespace(bytes[pos]))
            {
                return true;
            }
            pos++;
        }
        return false;
    }
}
