using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cep.Runner.Testing;

/// <summary>
/// Converts YAML values of a rule test into JSON: mappings to objects, sequences to arrays, plain scalars typed
/// as YAML 1.2's core schema does (null, booleans, numbers), quoted scalars always strings. No tags are honoured.
/// </summary>
internal static class YamlJson
{
    public static byte[] ToJsonBytes(YamlNode node)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(node, w);
        }
        return buffer.ToArray();
    }

    public static JsonElement ToElement(YamlNode node)
    {
        using var doc = JsonDocument.Parse(ToJsonBytes(node));
        return doc.RootElement.Clone();
    }

    private static void Write(YamlNode node, Utf8JsonWriter w)
    {
        switch (node)
        {
            case YamlMappingNode map:
                w.WriteStartObject();
                foreach (var (key, value) in map.Children)
                {
                    w.WritePropertyName(((YamlScalarNode)key).Value ?? "");
                    Write(value, w);
                }
                w.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                w.WriteStartArray();
                foreach (var item in seq.Children)
                {
                    Write(item, w);
                }
                w.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(scalar, w);
                break;
            default:
                throw new TestFileException(node.Start, "aliases are not supported in rule tests");
        }
    }

    private static void WriteScalar(YamlScalarNode scalar, Utf8JsonWriter w)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            w.WriteStringValue(text);
            return;
        }
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                w.WriteNullValue();
                return;
            case "true" or "True" or "TRUE":
                w.WriteBooleanValue(true);
                return;
            case "false" or "False" or "FALSE":
                w.WriteBooleanValue(false);
                return;
        }
        if (IsJsonNumber(text))
        {
            w.WriteRawValue(text);
            return;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) && text.Any(char.IsDigit) && !text.Contains(' ', StringComparison.Ordinal))
        {
            w.WriteNumberValue(number);
            return;
        }
        w.WriteStringValue(text);
    }

    private static bool IsJsonNumber(string text)
    {
        try
        {
            var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(text));
            return reader.Read() && reader.TokenType == JsonTokenType.Number && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
