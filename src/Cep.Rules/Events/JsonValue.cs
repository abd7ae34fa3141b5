using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cep.Rules.Events;

/// <summary>
/// One JSON value as expressions see it: a kind, a number or a text. A struct so that reading a field and
/// evaluating an expression allocate nothing. Arrays and objects are carried as their JSON text as read.
/// </summary>
public readonly struct JsonValue : IEquatable<JsonValue>
{
    // Integral doubles up to 2^53 are exact; beyond that "R" keeps the value round-trippable.
    private const double MaxExactInteger = 9007199254740992d;

    // 16 bytes: what the value is lives in _ref, so the struct needs no kind field beside it (with one it was 24,
    // and an event holds three inline: W1's events went from 184 to 152 bytes).
    //   null         Missing (so default is Missing)
    //   a string     a decoded string, the string itself
    //   a Tag        Null, False, True, Number (its bits in _bits), an undecoded string (offset and length in
    //                _bits), or an array or object (its JSON text in the tag, one allocated per value)
    private readonly object? _ref;
    private readonly long _bits;

    private JsonValue(object? reference, long bits)
    {
        _ref = reference;
        _bits = bits;
    }

    public static JsonValue Missing => default;

    public static JsonValue Null { get; } = new(Tag.Null, 0);

    public static JsonValue True { get; } = new(Tag.True, 0);

    public static JsonValue False { get; } = new(Tag.False, 0);

    // Only strings and tags are ever stored in _ref: the unchecked casts below rely on it.
    public JsonKind Kind => _ref is null
        ? JsonKind.Missing
        : _ref.GetType() == typeof(string) ? JsonKind.String : Unsafe.As<Tag>(_ref).Kind;

    /// <summary>The value when <see cref="Kind"/> is <see cref="JsonKind.Number"/>, else 0.</summary>
    public double Number => ReferenceEquals(_ref, Tag.Number) ? BitConverter.Int64BitsToDouble(_bits) : 0;

    /// <summary>The string value, or the raw JSON text of an array or object; null for other kinds.</summary>
    public string? Text => _ref is null
        ? null
        : _ref.GetType() == typeof(string) ? Unsafe.As<string>(_ref) : Unsafe.As<Tag>(_ref).Text;

    /// <summary>True for <see cref="JsonKind.Null"/> and <see cref="JsonKind.Missing"/>.</summary>
    public bool IsNullish => _ref is null || ReferenceEquals(_ref, Tag.Null);

    public bool IsBoolean => Kind is JsonKind.True or JsonKind.False;

    public static JsonValue From(bool value) => value ? True : False;

    public static JsonValue From(double value) => new(Tag.Number, BitConverter.DoubleToInt64Bits(value));

    public static JsonValue From(string? value) => value is null ? Null : new(value, 0);

    /// <summary>An array or object given as JSON text; other JSON text is parsed into its scalar value.</summary>
    public static JsonValue FromRawJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var trimmed = json.AsSpan().Trim();
        if (trimmed.Length > 0 && trimmed[0] == '[')
        {
            return FromRaw(JsonKind.Array, trimmed.ToString());
        }
        if (trimmed.Length > 0 && trimmed[0] == '{')
        {
            return FromRaw(JsonKind.Object, trimmed.ToString());
        }
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        return root.ValueKind switch
        {
            JsonValueKind.String => From(root.GetString()),
            JsonValueKind.Number => From(root.GetDouble()),
            JsonValueKind.True => True,
            JsonValueKind.False => False,
            _ => Null,
        };
    }

    /// <summary>An array or object (<paramref name="kind"/>) as its JSON text.</summary>
    internal static JsonValue FromRaw(JsonKind kind, string text) => new(new Tag(kind, text), 0);

    /// <summary>
    /// A plain-ASCII string not decoded yet: its text is Raw[offset..offset+length] of the event that holds it.
    /// Only <see cref="JsonEvent"/> stores these, and it decodes them before handing a value out.
    /// </summary>
    internal static JsonValue Undecoded(int offset, int length) => new(Tag.Undecoded, ((long)offset << 32) | (uint)length);

    /// <summary>Kind is Number (one comparison, for the compiled conditions' fast paths).</summary>
    internal bool IsNumber => ReferenceEquals(_ref, Tag.Number);

    /// <summary><see cref="Number"/> when <see cref="IsNumber"/> holds (unchecked).</summary>
    internal double NumberUnchecked => BitConverter.Int64BitsToDouble(_bits);

    /// <summary>The string of a decoded String value, else null (one type check).</summary>
    internal string? DecodedString => _ref as string;

    internal bool IsUndecoded => ReferenceEquals(_ref, Tag.Undecoded);

    internal int UndecodedOffset => (int)(_bits >> 32);

    internal int UndecodedLength => (int)_bits;

    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (Kind)
        {
            case JsonKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonKind.False:
                writer.WriteBooleanValue(false);
                break;
            case JsonKind.Number when double.IsFinite(Number):
                if (Math.Abs(Number) <= MaxExactInteger && Math.Floor(Number) == Number)
                {
                    writer.WriteNumberValue((long)Number);
                }
                else
                {
                    writer.WriteNumberValue(Number);
                }
                break;
            case JsonKind.String:
                writer.WriteStringValue(Text);
                break;
            case JsonKind.Array or JsonKind.Object:
                writer.WriteRawValue(Text!, skipInputValidation: true);
                break;
            default:
                // Null, Missing, and non-finite numbers (JSON has no NaN or Infinity).
                writer.WriteNullValue();
                break;
        }
    }

    /// <summary>Canonical JSON text: integral numbers as integers (<c>42</c>), others in round-trip form.</summary>
    public string ToJson()
    {
        switch (Kind)
        {
            case JsonKind.True:
                return "true";
            case JsonKind.False:
                return "false";
            case JsonKind.Number when double.IsFinite(Number):
                return Math.Abs(Number) <= MaxExactInteger && Math.Floor(Number) == Number
                    ? ((long)Number).ToString(CultureInfo.InvariantCulture)
                    : Number.ToString("R", CultureInfo.InvariantCulture);
            case JsonKind.Array or JsonKind.Object:
                return Text!;
            case JsonKind.String:
                var buffer = new ArrayBufferWriter<byte>(Text!.Length + 2);
                using (var writer = new Utf8JsonWriter(buffer, CanonicalJson.Options))
                {
                    writer.WriteStringValue(Text);
                }
                return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
            default:
                return "null";
        }
    }

    /// <summary>The value as text for string concatenation: strings as they are, others as canonical JSON.</summary>
    internal string ToDisplayText() => Kind == JsonKind.String ? Text! : ToJson();

    public bool Equals(JsonValue other) =>
        Kind == other.Kind && Number.Equals(other.Number) && string.Equals(Text, other.Text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is JsonValue other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Kind, Number, Text is null ? 0 : StringComparer.Ordinal.GetHashCode(Text));

    public static bool operator ==(JsonValue left, JsonValue right) => left.Equals(right);

    public static bool operator !=(JsonValue left, JsonValue right) => !left.Equals(right);

    public override string ToString() => Kind == JsonKind.Missing ? "missing" : ToJson();

    /// <summary>What a value that is not Missing or a decoded string is; the text of an array or object.</summary>
    private sealed class Tag(JsonKind kind, string? text)
    {
        public static readonly Tag Null = new(JsonKind.Null, null);
        public static readonly Tag False = new(JsonKind.False, null);
        public static readonly Tag True = new(JsonKind.True, null);
        public static readonly Tag Number = new(JsonKind.Number, null);

        // A plain-ASCII string whose bytes are still in the event's Raw: Kind String, Text null until decoded.
        public static readonly Tag Undecoded = new(JsonKind.String, null);

        public JsonKind Kind { get; } = kind;

        public string? Text { get; } = text;
    }

    /// <summary>
    /// The writer options of canonical text, apart so that building the encoder (~15 ms of CPU) waits for the first
    /// string written as JSON instead of coming with the first value of any kind.
    /// </summary>
    private static class CanonicalJson
    {
        public static readonly JsonWriterOptions Options = new()
        {
            // Keep non-ASCII text readable in keys and emitted values; the output is still valid JSON.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
    }
}
