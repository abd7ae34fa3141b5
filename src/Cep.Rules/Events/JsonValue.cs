using System.Buffers;
using System.Globalization;
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

    private static readonly JsonWriterOptions CanonicalWriterOptions = new()
    {
        // Keep non-ASCII text readable in keys and emitted values; the output is still valid JSON.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private JsonValue(JsonKind kind, double number, string? text)
    {
        Kind = kind;
        Number = number;
        Text = text;
    }

    private JsonValue(int offset, int length)
    {
        Kind = JsonKind.String;
        Number = length;
        _offset = offset;
    }

    // Offset of an undecoded string's bytes in its event's Raw; the int fits in the padding after Kind, so the
    // struct stays 24 bytes.
    private readonly int _offset;

    public static JsonValue Missing => default;

    public static JsonValue Null { get; } = new(JsonKind.Null, 0, null);

    public static JsonValue True { get; } = new(JsonKind.True, 0, null);

    public static JsonValue False { get; } = new(JsonKind.False, 0, null);

    public JsonKind Kind { get; }

    /// <summary>The value when <see cref="Kind"/> is <see cref="JsonKind.Number"/>, else 0.</summary>
    public double Number { get; }

    /// <summary>The string value, or the raw JSON text of an array or object; null for other kinds.</summary>
    public string? Text { get; }

    /// <summary>True for <see cref="JsonKind.Null"/> and <see cref="JsonKind.Missing"/>.</summary>
    public bool IsNullish => Kind <= JsonKind.Null;

    public bool IsBoolean => Kind is JsonKind.True or JsonKind.False;

    public static JsonValue From(bool value) => value ? True : False;

    public static JsonValue From(double value) => new(JsonKind.Number, value, null);

    public static JsonValue From(string? value) => value is null ? Null : new(JsonKind.String, 0, value);

    /// <summary>An array or object given as JSON text; other JSON text is parsed into its scalar value.</summary>
    public static JsonValue FromRawJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var trimmed = json.AsSpan().Trim();
        if (trimmed.Length > 0 && trimmed[0] == '[')
        {
            return new(JsonKind.Array, 0, trimmed.ToString());
        }
        if (trimmed.Length > 0 && trimmed[0] == '{')
        {
            return new(JsonKind.Object, 0, trimmed.ToString());
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

    internal static JsonValue FromRaw(JsonKind kind, string text) => new(kind, 0, text);

    /// <summary>
    /// A plain-ASCII string not decoded yet: its text is Raw[offset..offset+length] of the event that holds it.
    /// Only <see cref="JsonEvent"/> stores these, and it decodes them before handing a value out.
    /// </summary>
    internal static JsonValue Undecoded(int offset, int length) => new(offset, length);

    internal bool IsUndecoded => Kind == JsonKind.String && Text is null;

    internal int UndecodedOffset => _offset;

    internal int UndecodedLength => (int)Number;

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
                using (var writer = new Utf8JsonWriter(buffer, CanonicalWriterOptions))
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
}
