using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cep.Rules.Events;

/// <summary>
/// Reads one JSON Lines line into a <see cref="JsonEvent"/>: a single <see cref="Utf8JsonReader"/> pass that
/// fills only the registered field slots and skips everything else without decoding it.
/// </summary>
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
        var values = root.SlotCount == 0 ? [] : new JsonValue[root.SlotCount];
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
        evt = new JsonEvent(stream, line, bytes.ToArray(), values);
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
    private static void ReadObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> bytes, PathNode node, JsonValue[] values)
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

    private static void ReadValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> bytes, PathNode node, JsonValue[] values)
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
        // Out of double's range: the reader refuses, the framework's parser saturates to infinity.
        return double.Parse(Encoding.UTF8.GetString(reader.ValueSpan), NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
