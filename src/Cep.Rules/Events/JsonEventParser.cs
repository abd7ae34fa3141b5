using System.Buffers.Binary;
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
    /// caller may reuse its buffer. Fails when the line is not valid JSON or not an object. The values of dispatch
    /// slots (keys and times, <see cref="FieldTable"/>) are read and dropped: for tools and tests that need only the event.
    /// </summary>
    public static bool TryParse(
        ReadOnlyMemory<byte> utf8Line,
        string stream,
        long line,
        FieldTable fields,
        [NotNullWhen(true)] out JsonEvent? evt,
        [NotNullWhen(false)] out string? error) =>
        TryParse(utf8Line, stream, line, fields, [], out evt, out error);

    /// <summary>
    /// Parses a line holding one JSON object, as <see cref="TryParse(ReadOnlyMemory{byte}, string, long, FieldTable, out JsonEvent?, out string?)"/>,
    /// and puts the values of the field table's dispatch slots into <paramref name="dispatch"/> (as many as fit;
    /// <see cref="FieldTable.DispatchCount"/> is enough), for the event's key and time selectors.
    /// </summary>
    public static bool TryParse(
        ReadOnlyMemory<byte> utf8Line,
        string stream,
        long line,
        FieldTable fields,
        Span<JsonValue> dispatch,
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
        // The values go to the event's own fields and the caller's dispatch values: parse them into the stack when they fit.
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
        Finish(root, values, dispatch);
        evt = JsonEvent.Create(stream, line, bytes, values[..root.ValueCount]);
        error = null;
        return true;
    }

    /// <summary>Copies the values of paths read both ways to their dispatch positions, and the dispatch values out.</summary>
    internal static void Finish(PathNode root, Span<JsonValue> values, Span<JsonValue> dispatch)
    {
        foreach (var (from, to) in root.Copies)
        {
            values[to] = values[from];
        }
        var read = values[root.ValueCount..];
        if (read.Length > dispatch.Length)
        {
            read = read[..dispatch.Length];
        }
        read.CopyTo(dispatch);
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
        return FastObject(bytes, 0, root, values, 0) == bytes.Length;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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

    // The scanner passes positions by value and returns the position after what it read, or Fail: a position
    // passed by reference lives in memory, so every byte read would be a load and a store (measured: the number
    // loop alone was a third of a W1 line's parse).
    private const int Fail = -1;

    /// <summary>
    /// The scanner's object: <paramref name="pos"/> is on its '{'; returns the position past its '}', or
    /// <see cref="Fail"/> when the line must go to the reader (not valid JSON, or valid in a way the scanner leaves
    /// to the reader). A null <paramref name="node"/> reads nothing into slots (an unregistered member's value,
    /// only checked).
    /// </summary>
    private static int FastObject(ReadOnlySpan<byte> bytes, int pos, PathNode? node, Span<JsonValue> values, int depth)
    {
        if ((pos = SkipWhitespace(bytes, pos + 1)) < 0)
        {
            return Fail;
        }
        if (bytes[pos] == (byte)'}')
        {
            return pos + 1;
        }
        var children = node is null ? [] : node.Children;
        var expected = 0;
        while (true)
        {
            if (bytes[pos] != (byte)'"')
            {
                return Fail;
            }
            var child = MatchName(bytes, pos, children, ref expected, out var afterName);
            if (child is null && (afterName = SkipName(bytes, pos, children, out child)) < 0)
            {
                return Fail;
            }
            if ((pos = SkipWhitespace(bytes, afterName)) < 0 || bytes[pos] != (byte)':')
            {
                return Fail;
            }
            if ((pos = SkipWhitespace(bytes, pos + 1)) < 0)
            {
                return Fail;
            }
            if (child is not null)
            {
                // Last key wins: a repeated key replaces what an earlier occurrence filled below it.
                foreach (var slot in child.DescendantSlots)
                {
                    values[slot] = default;
                }
            }
            if ((pos = FastValue(bytes, pos, child, values, depth)) < 0 || (pos = SkipWhitespace(bytes, pos)) < 0)
            {
                return Fail;
            }
            var next = bytes[pos++];
            if (next == (byte)'}')
            {
                return pos;
            }
            if (next != (byte)',' || (pos = SkipWhitespace(bytes, pos)) < 0)
            {
                return Fail;
            }
        }
    }

    /// <summary>
    /// The registered member whose name starts at <paramref name="pos"/> (its opening quote), compared in place:
    /// a plain name (printable ASCII, no quote or backslash) followed by the closing quote is that exact string,
    /// so the common case needs no scan for escapes. Null when no registered name is there.
    /// </summary>
    /// <remarks>
    /// The search starts at <paramref name="expected"/>, the registered member after the one matched last: a line
    /// whose registered members come in the order they were registered compares each name once, and any other
    /// order still finds every name (at most one comparison per registered member).
    /// </remarks>
    private static PathNode? MatchName(ReadOnlySpan<byte> bytes, int pos, PathNode[] children, ref int expected, out int afterName)
    {
        var rest = bytes[(pos + 1)..];
        var count = children.Length;
        var index = expected;
        for (var tried = 0; tried < count; tried++, index++)
        {
            if (index >= count)
            {
                index = 0;
            }
            var candidate = children[index];
            var name = candidate.Utf8Name;
            if (candidate.PlainName && rest.Length > name.Length && rest[name.Length] == (byte)'"' && rest.StartsWith(name))
            {
                expected = index + 1;
                afterName = pos + name.Length + 2;
                return candidate;
            }
        }
        afterName = Fail;
        return null;
    }

    /// <summary>Any other member name: scanned as a string, then looked up.</summary>
    private static int SkipName(ReadOnlySpan<byte> bytes, int pos, PathNode[] children, out PathNode? child)
    {
        child = null;
        if ((pos = FastString(bytes, pos, out var name)) < 0)
        {
            return Fail;
        }
        foreach (var candidate in children)
        {
            if (name.SequenceEqual(candidate.Utf8Name))
            {
                child = candidate;
                break;
            }
        }
        return pos;
    }

    private static int FastArray(ReadOnlySpan<byte> bytes, int pos, Span<JsonValue> values, int depth)
    {
        if ((pos = SkipWhitespace(bytes, pos + 1)) < 0)
        {
            return Fail;
        }
        if (bytes[pos] == (byte)']')
        {
            return pos + 1;
        }
        while (true)
        {
            if ((pos = FastValue(bytes, pos, null, values, depth)) < 0 || (pos = SkipWhitespace(bytes, pos)) < 0)
            {
                return Fail;
            }
            var next = bytes[pos++];
            if (next == (byte)']')
            {
                return pos;
            }
            if (next != (byte)',' || (pos = SkipWhitespace(bytes, pos)) < 0)
            {
                return Fail;
            }
        }
    }

    /// <summary>A value at <paramref name="pos"/> (not whitespace), stored in <paramref name="node"/>'s slot if it has one.</summary>
    private static int FastValue(ReadOnlySpan<byte> bytes, int pos, PathNode? node, Span<JsonValue> values, int depth)
    {
        var slot = node?.Slot ?? -1;
        var start = pos;
        switch (bytes[pos])
        {
            case (byte)'"':
            {
                if ((pos = FastString(bytes, pos, out var text)) < 0)
                {
                    return Fail;
                }
                if (slot >= 0)
                {
                    values[slot] = node!.KeyOnly ? JsonValue.Undecoded(start + 1, text.Length) : JsonValue.From(node.Strings.Get(text));
                }
                return pos;
            }
            case (byte)'{':
                if (depth >= FastMaxDepth || (pos = FastObject(bytes, pos, node is { Children.Length: > 0 } ? node : null, values, depth + 1)) < 0)
                {
                    return Fail;
                }
                if (slot >= 0)
                {
                    values[slot] = JsonValue.FromRaw(JsonKind.Object, Encoding.UTF8.GetString(bytes[start..pos]));
                }
                return pos;
            case (byte)'[':
                if (depth >= FastMaxDepth || (pos = FastArray(bytes, pos, values, depth + 1)) < 0)
                {
                    return Fail;
                }
                if (slot >= 0)
                {
                    values[slot] = JsonValue.FromRaw(JsonKind.Array, Encoding.UTF8.GetString(bytes[start..pos]));
                }
                return pos;
            case (byte)'t':
                return Literal(bytes, pos, "true"u8, slot, values, JsonValue.True);
            case (byte)'f':
                return Literal(bytes, pos, "false"u8, slot, values, JsonValue.False);
            case (byte)'n':
                return Literal(bytes, pos, "null"u8, slot, values, JsonValue.Null);
            default:
                return FastNumber(bytes, pos, slot, values);
        }
    }

    private static int Literal(ReadOnlySpan<byte> bytes, int pos, ReadOnlySpan<byte> literal, int slot, Span<JsonValue> values, JsonValue value)
    {
        if (!bytes[pos..].StartsWith(literal))
        {
            return Fail;
        }
        if (slot >= 0)
        {
            values[slot] = value;
        }
        return pos + literal.Length;
    }

    /// <summary>
    /// A string of printable ASCII without escapes (its content in <paramref name="text"/>); <see cref="Fail"/> for
    /// anything else, which the reader unescapes, validates as UTF-8 or rejects.
    /// </summary>
    private static int FastString(ReadOnlySpan<byte> bytes, int pos, out ReadOnlySpan<byte> text)
    {
        var rest = bytes[(pos + 1)..];
        var end = rest.IndexOfAny((byte)'"', (byte)'\\');
        if (end < 0 || rest[end] != (byte)'"')
        {
            text = default;
            return Fail;
        }
        text = rest[..end];
        if (text.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) >= 0)
        {
            return Fail;
        }
        return pos + end + 2;
    }

    /// <summary>A JSON number (RFC 8259 grammar); integers of up to 15 digits are converted without the general parser.</summary>
    private static int FastNumber(ReadOnlySpan<byte> bytes, int pos, int slot, Span<JsonValue> values)
    {
        var start = pos;
        var negative = bytes[pos] == (byte)'-';
        if (negative)
        {
            pos++;
        }
        if (pos >= bytes.Length)
        {
            return Fail;
        }
        long integer = 0;
        int digits;
        if (bytes[pos] == (byte)'0')
        {
            pos++;
            digits = 1;
        }
        else
        {
            var first = pos;
            // 18 digits always fit a long; more only count (the value then goes to the general parser). Eight and
            // four digits at a time first: a digit at a time is a chain of dependent multiply-adds (timestamps
            // have 13 digits).
            var fastEnd = Math.Min(bytes.Length, first + 18);
            while (pos + 8 <= fastEnd)
            {
                var chunk = BinaryPrimitives.ReadUInt64LittleEndian(bytes[pos..]);
                if (!AllDigits(chunk))
                {
                    break;
                }
                integer = (integer * 100_000_000) + (long)EightDigits(chunk);
                pos += 8;
            }
            if (pos + 4 <= fastEnd)
            {
                var chunk = BinaryPrimitives.ReadUInt32LittleEndian(bytes[pos..]);
                if (AllDigits(chunk))
                {
                    integer = (integer * 10_000) + FourDigits(chunk);
                    pos += 4;
                }
            }
            uint digit;
            while (pos < fastEnd && (digit = (uint)(bytes[pos] - '0')) <= 9)
            {
                integer = (integer * 10) + digit;
                pos++;
            }
            pos = SkipDigits(bytes, pos);
            digits = pos - first;
            if (digits == 0)
            {
                return Fail;
            }
        }
        var simple = true;
        if (pos < bytes.Length && bytes[pos] == (byte)'.')
        {
            simple = false;
            var fraction = ++pos;
            if ((pos = SkipDigits(bytes, pos)) == fraction)
            {
                return Fail;
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
            var exponent = pos;
            if ((pos = SkipDigits(bytes, pos)) == exponent)
            {
                return Fail;
            }
        }
        if (slot < 0)
        {
            return pos;
        }
        // Integers below 10^15 are exact doubles; "-0" is the general parser's (negative zero).
        if (simple && digits <= 15 && !(negative && integer == 0))
        {
            values[slot] = JsonValue.From((double)(negative ? -integer : integer));
            return pos;
        }
        values[slot] = JsonValue.From(ParseGeneral(bytes[start..pos]));
        return pos;
    }

    /// <summary>Fractions, exponents and long integers: the general parser, kept out of the scanner's frame.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double ParseGeneral(ReadOnlySpan<byte> number) =>
        System.Buffers.Text.Utf8Parser.TryParse(number, out double parsed, out var consumed) && consumed == number.Length && double.IsFinite(parsed)
            ? parsed
            : ParseOutOfRange(number);

    /// <summary>Whether all eight bytes (read little-endian) are ASCII digits: each byte's high nibble is 3 and adding 6 leaves it 3.</summary>
    private static bool AllDigits(ulong chunk) =>
        ((chunk & 0xF0F0F0F0F0F0F0F0UL) | (((chunk + 0x0606060606060606UL) & 0xF0F0F0F0F0F0F0F0UL) >> 4)) == 0x3333333333333333UL;

    private static bool AllDigits(uint chunk) =>
        ((chunk & 0xF0F0F0F0U) | (((chunk + 0x06060606U) & 0xF0F0F0F0U) >> 4)) == 0x33333333U;

    /// <summary>The value of eight ASCII digits read little-endian (the first digit in the lowest byte): pairs, then quads, then the whole.</summary>
    private static ulong EightDigits(ulong chunk)
    {
        var v = chunk - 0x3030303030303030UL;
        v = ((v * 10) + (v >> 8)) & 0x00FF00FF00FF00FFUL;
        v = ((v * 100) + (v >> 16)) & 0x0000FFFF0000FFFFUL;
        return ((v * 10_000) + (v >> 32)) & 0xFFFFFFFFUL;
    }

    private static uint FourDigits(uint chunk)
    {
        var v = chunk - 0x30303030U;
        v = ((v * 10) + (v >> 8)) & 0x00FF00FFU;
        return ((v * 100) + (v >> 16)) & 0xFFFFU;
    }

    /// <summary>The position after the digits at <paramref name="pos"/> (<paramref name="pos"/> itself when there are none).</summary>
    private static int SkipDigits(ReadOnlySpan<byte> bytes, int pos)
    {
        while (pos < bytes.Length && (uint)(bytes[pos] - '0') <= 9)
        {
            pos++;
        }
        return pos;
    }

    /// <summary>The position of the first byte at or after <paramref name="pos"/> that is not JSON whitespace; <see cref="Fail"/> at the end of the line (every caller needs a byte there).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipWhitespace(ReadOnlySpan<byte> bytes, int pos)
    {
        // Compact JSON has no whitespace between tokens: the first byte decides without a loop.
        if ((uint)pos < (uint)bytes.Length && bytes[pos] > (byte)' ')
        {
            return pos;
        }
        return SkipWhitespaceLoop(bytes, pos);
    }

    private static int SkipWhitespaceLoop(ReadOnlySpan<byte> bytes, int pos)
    {
        for (; pos < bytes.Length; pos++)
        {
            if (!IsWhitespace(bytes[pos]))
            {
                return pos;
            }
        }
        return Fail;
    }
}
