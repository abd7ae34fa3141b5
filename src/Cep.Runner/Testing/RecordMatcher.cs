using System.Text.Json;

namespace Cep.Runner.Testing;

/// <summary>
/// Compares expected and actual records as multisets (as the acceptance suite's compare.py does): each expected
/// record takes one actual record it matches; what is left on either side is missing or unexpected. Events are
/// identified by their <c>seq</c> field where they have one, else by <c>id</c>, unless the test gives them whole.
/// </summary>
internal static class RecordMatcher
{
    public static (List<ExpectedRecord> Missing, List<JsonElement> Unexpected) Compare(IReadOnlyList<ExpectedRecord> expected, IReadOnlyList<JsonElement> actual)
    {
        var used = new bool[actual.Count];
        var missing = new List<ExpectedRecord>();
        foreach (var e in expected)
        {
            var found = false;
            for (var i = 0; i < actual.Count && !found; i++)
            {
                if (!used[i] && Matches(e, actual[i]))
                {
                    used[i] = true;
                    found = true;
                }
            }
            if (!found)
            {
                missing.Add(e);
            }
        }
        var unexpected = actual.Where((_, i) => !used[i]).ToList();
        return (missing, unexpected);
    }

    public static bool Matches(ExpectedRecord e, JsonElement actual)
    {
        if (Str(actual, "rule") != e.Rule || Str(actual, "type") != e.Type)
        {
            return false;
        }
        if (e.Output is not null && Str(actual, "output") != e.Output)
        {
            return false;
        }
        if (e.Key is { } key && !(actual.TryGetProperty("key", out var k) && JsonEquals(key, k)))
        {
            return false;
        }
        if (e.Time is { } time && !(actual.TryGetProperty("time", out var t) && t.TryGetInt64(out var tv) && tv == time))
        {
            return false;
        }
        if (e.Emit is { } emit && !(actual.TryGetProperty("emit", out var em) && JsonEquals(emit, em)))
        {
            return false;
        }
        if (e.Event is { } evt && !(actual.TryGetProperty("event", out var ae) && EventMatches(evt, ae)))
        {
            return false;
        }
        if (e.Events is { } steps)
        {
            if (!actual.TryGetProperty("events", out var actualSteps) || actualSteps.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
            var nonEmpty = actualSteps.EnumerateObject().Where(p => p.Value.GetArrayLength() > 0).ToList();
            if (nonEmpty.Count != steps.Count(s => s.Value.Count > 0))
            {
                return false;
            }
            foreach (var (step, items) in steps)
            {
                if (items.Count == 0)
                {
                    continue;
                }
                if (!actualSteps.TryGetProperty(step, out var taken) || taken.GetArrayLength() != items.Count)
                {
                    return false;
                }
                var i = 0;
                foreach (var a in taken.EnumerateArray())
                {
                    if (!EventMatches(items[i++], a))
                    {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /// <summary>An event given whole (an object) must equal the actual one; a single value is its seq or id.</summary>
    public static bool EventMatches(JsonElement expected, JsonElement actual) =>
        expected.ValueKind == JsonValueKind.Object ? JsonEquals(expected, actual) : Ident(actual) is { } id && JsonEquals(expected, id);

    public static JsonElement? Ident(JsonElement evt)
    {
        if (evt.ValueKind != JsonValueKind.Object)
        {
            return evt;
        }
        if (evt.TryGetProperty("seq", out var seq))
        {
            return seq;
        }
        return evt.TryGetProperty("id", out var id) ? id : null;
    }

    /// <summary>JSON equality: numbers by value, objects regardless of key order.</summary>
    public static bool JsonEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }
        switch (a.ValueKind)
        {
            case JsonValueKind.Number:
                return a.GetDouble() == b.GetDouble();
            case JsonValueKind.String:
                return a.GetString() == b.GetString();
            case JsonValueKind.Array:
                if (a.GetArrayLength() != b.GetArrayLength())
                {
                    return false;
                }
                return a.EnumerateArray().Zip(b.EnumerateArray()).All(p => JsonEquals(p.First, p.Second));
            case JsonValueKind.Object:
                var props = a.EnumerateObject().ToList();
                if (props.Count != b.EnumerateObject().Count())
                {
                    return false;
                }
                return props.All(p => b.TryGetProperty(p.Name, out var v) && JsonEquals(p.Value, v));
            default:
                return true;
        }
    }

    /// <summary>A record as a reader wants it in a diff: events shown by seq/id where they have one.</summary>
    public static string Summarize(JsonElement record)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            foreach (var p in record.EnumerateObject())
            {
                w.WritePropertyName(p.Name);
                if (p.Name == "events" && p.Value.ValueKind == JsonValueKind.Object)
                {
                    w.WriteStartObject();
                    foreach (var step in p.Value.EnumerateObject())
                    {
                        w.WritePropertyName(step.Name);
                        w.WriteStartArray();
                        foreach (var e in step.Value.EnumerateArray())
                        {
                            (Ident(e) ?? e).WriteTo(w);
                        }
                        w.WriteEndArray();
                    }
                    w.WriteEndObject();
                }
                else if (p.Name == "event")
                {
                    (Ident(p.Value) ?? p.Value).WriteTo(w);
                }
                else
                {
                    p.Value.WriteTo(w);
                }
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string Describe(ExpectedRecord e)
    {
        var parts = new List<string> { $"rule: {e.Rule}", $"type: {e.Type}" };
        if (e.Output is not null)
        {
            parts.Add($"output: {e.Output}");
        }
        if (e.Key is { } key)
        {
            parts.Add($"key: {key.GetRawText()}");
        }
        if (e.Time is { } time)
        {
            parts.Add($"time: {time}");
        }
        if (e.Events is { } steps)
        {
            parts.Add("events: {" + string.Join(", ", steps.Select(s => $"{s.Key}: [{string.Join(", ", s.Value.Select(v => v.GetRawText()))}]")) + "}");
        }
        if (e.Event is { } evt)
        {
            parts.Add($"event: {evt.GetRawText()}");
        }
        if (e.Emit is { } emit)
        {
            parts.Add($"emit: {emit.GetRawText()}");
        }
        return "{" + string.Join(", ", parts) + "}";
    }

    private static string? Str(JsonElement record, string name) =>
        record.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
