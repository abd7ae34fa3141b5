using System.Collections.Concurrent;
using System.Text;
using Cep.Rules.Events;
using Cep.Rules.Model;

namespace Cep.Rules.Compilation;

/// <summary>
/// Builds a rule's <see cref="CompiledRule.KeyOf"/>: the key as canonical JSON text, so equal values give
/// equal keys whatever their source (<c>"u1"</c>, <c>42</c>, <c>["a",1]</c>; <c>null</c> when unkeyed or missing).
/// </summary>
internal static class KeySelectors
{
    /// <summary>The key of an unkeyed rule, and of an event whose key field is missing or null.</summary>
    public const string NullKey = "null";

    public static KeySelector Create(KeyDefinition? key, FieldTable fields)
    {
        if (key is null)
        {
            return static (_, _) => NullKey;
        }
        switch (key.Kind)
        {
            case KeyKind.Single:
                return Part(key.Paths[0].Value, fields);
            case KeyKind.Composite:
                var parts = key.Paths.Select(p => Part(p.Value, fields)).ToArray();
                return (e, d) => Composite(parts, e, d);
            default:
                var byStream = new Dictionary<string, KeySelector>(StringComparer.Ordinal);
                foreach (var (stream, path) in key.PerStream)
                {
                    byStream[stream] = Part(path.Value, fields);
                }
                // Only streams of the map reach the rule (its Streams); any other event has no key field.
                return (e, d) => byStream.TryGetValue(e.Stream, out var part) ? part(e, d) : NullKey;
        }
    }

    private static KeySelector Part(string path, FieldTable fields)
    {
        if (path == "$stream")
        {
            var cache = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
            return (e, _) => cache.GetOrAdd(e.Stream, static s => Canonical(JsonValue.From(s)));
        }
        var slot = fields.KeySlot(path);
        // A dispatch slot: a value the parser hands over beside the event, not one the event keeps.
        return (e, d) => e.CanonicalText(FieldTable.DispatchValue(d, slot));
    }

    private static string Composite(KeySelector[] parts, JsonEvent e, ReadOnlySpan<JsonValue> dispatch)
    {
        if (parts.Length == 2)
        {
            return string.Concat("[", parts[0](e, dispatch), ",", parts[1](e, dispatch), "]");
        }
        var builder = new StringBuilder("[");
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }
            builder.Append(parts[i](e, dispatch));
        }
        return builder.Append(']').ToString();
    }

    /// <summary>The value's canonical JSON text, without the JSON writer for the common plain-ASCII string.</summary>
    internal static string Canonical(JsonValue value)
    {
        if (value.IsNullish)
        {
            return NullKey;
        }
        if (value.Kind == JsonKind.String && IsPlainAscii(value.Text!))
        {
            return string.Concat("\"", value.Text, "\"");
        }
        return value.ToJson();
    }

    private static bool IsPlainAscii(string text)
    {
        foreach (var c in text)
        {
            if (c is < ' ' or > '~' or '"' or '\\')
            {
                return false;
            }
        }
        return true;
    }
}
