using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cep.Runner.Testing;

/// <summary>A problem in a rule test file, with its place.</summary>
internal sealed class TestFileException : Exception
{
    public TestFileException(Mark at, string message)
        : base(message)
    {
        Line = (int)at.Line;
        Column = (int)at.Column;
    }

    public TestFileException()
    {
    }

    public TestFileException(string message)
        : base(message)
    {
    }

    public TestFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Line { get; }

    public int Column { get; }
}

/// <summary>One input line of a case: its stream, exact bytes, arrival time on the virtual clock, and YAML line.</summary>
internal sealed record TestEvent(string Stream, byte[] Json, long At, int Line);

/// <summary>An expected record: every field given is compared; fields left out are not.</summary>
internal sealed record ExpectedRecord(
    string Rule,
    string Type,
    string? Output,
    JsonElement? Key,
    long? Time,
    IReadOnlyList<KeyValuePair<string, IReadOnlyList<JsonElement>>>? Events,
    JsonElement? Event,
    JsonElement? Emit,
    int Line);

internal sealed record TestCase(string Name, IReadOnlyList<string> Streams, IReadOnlyList<TestEvent> Events, long? End, IReadOnlyList<ExpectedRecord> Expect, long? DeadLetters, int Line);

/// <summary>A rule test file (format: docs/testing.md): the rule files it tests and its cases.</summary>
internal sealed record RuleTestFile(string Path, IReadOnlyList<string> RulePaths, IReadOnlyList<TestCase> Cases)
{
    private static readonly HashSet<string> FileKeys = ["rules", "streams", "cases"];
    private static readonly HashSet<string> CaseKeys = ["name", "streams", "events", "end", "expect", "deadLetters"];
    private static readonly HashSet<string> EventKeys = ["stream", "event", "json", "at"];
    private static readonly HashSet<string> ExpectKeys = ["rule", "type", "output", "key", "time", "events", "event", "emit"];

    /// <summary>Reads and checks a test file; throws <see cref="TestFileException"/> (with line and column) or <see cref="YamlException"/>.</summary>
    public static RuleTestFile Load(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }
        if (yaml.Documents.Count != 1 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new TestFileException(Mark.Empty, "a rule test file is one YAML mapping with 'rules' and 'cases'");
        }
        CheckKeys(root, FileKeys, "a test file");
        var baseDir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
        var rules = Strings(Required(root, "rules")).Select(r => System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, r))).ToList();
        var fileStreams = Optional(root, "streams") is { } s ? Strings(s) : [];
        if (Required(root, "cases") is not YamlSequenceNode cases || cases.Children.Count == 0)
        {
            throw new TestFileException(root.Start, "'cases' must be a non-empty list");
        }
        var list = new List<TestCase>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in cases)
        {
            var c = ReadCase(node, fileStreams);
            if (!names.Add(c.Name))
            {
                throw new TestFileException(node.Start, $"two cases are named '{c.Name}'");
            }
            list.Add(c);
        }
        return new RuleTestFile(path, rules, list);
    }

    private static TestCase ReadCase(YamlNode node, IReadOnlyList<string> fileStreams)
    {
        if (node is not YamlMappingNode map)
        {
            throw new TestFileException(node.Start, "a case is a mapping with 'name', 'events' and 'expect'");
        }
        CheckKeys(map, CaseKeys, "a case");
        var name = Scalar(Required(map, "name"));
        var streams = new List<string>(fileStreams);
        if (Optional(map, "streams") is { } s)
        {
            streams.AddRange(Strings(s));
        }
        var events = new List<TestEvent>();
        long at = 0;
        if (Optional(map, "events") is { } eventsNode)
        {
            if (eventsNode is not YamlSequenceNode seq)
            {
                throw new TestFileException(eventsNode.Start, "'events' must be a list");
            }
            foreach (var item in seq)
            {
                var evt = ReadEvent(item, at);
                at = evt.At;
                events.Add(evt);
            }
        }
        long? end = Optional(map, "end") is { } e ? Long(e) : null;
        if (end is { } endAt && endAt < at)
        {
            throw new TestFileException(map.Start, $"'end' ({endAt}) is before the last event's arrival ({at})");
        }
        var expect = new List<ExpectedRecord>();
        if (Optional(map, "expect") is { } expectNode)
        {
            if (expectNode is not YamlSequenceNode seq)
            {
                throw new TestFileException(expectNode.Start, "'expect' must be a list (write 'expect: []' for no records)");
            }
            foreach (var item in seq)
            {
                expect.Add(ReadExpected(item));
            }
        }
        else
        {
            throw new TestFileException(map.Start, $"case '{name}' has no 'expect' (write 'expect: []' for no records)");
        }
        long? deadLetters = Optional(map, "deadLetters") is { } d ? Long(d) : null;
        return new TestCase(name, streams, events, end, expect, deadLetters, (int)map.Start.Line);
    }

    private static TestEvent ReadEvent(YamlNode node, long previousAt)
    {
        if (node is not YamlMappingNode map)
        {
            throw new TestFileException(node.Start, "an event is 'STREAM: {fields}' or a mapping with 'stream' and 'event' (or 'json')");
        }
        var at = Optional(map, "at") is { } a ? Long(a) : previousAt;
        if (at < previousAt)
        {
            throw new TestFileException(map.Start, $"arrival time 'at: {at}' goes back in time (the previous event arrived at {previousAt})");
        }
        string stream;
        byte[] json;
        if (Optional(map, "stream") is { } streamNode)
        {
            CheckKeys(map, EventKeys, "an event");
            stream = Scalar(streamNode);
            var eventNode = Optional(map, "event");
            var jsonNode = Optional(map, "json");
            if ((eventNode is null) == (jsonNode is null))
            {
                throw new TestFileException(map.Start, "an event needs exactly one of 'event' (YAML) or 'json' (the exact line)");
            }
            json = eventNode is not null ? YamlJson.ToJsonBytes(eventNode) : System.Text.Encoding.UTF8.GetBytes(Scalar(jsonNode!));
        }
        else
        {
            var entries = map.Children.Where(kv => Scalar(kv.Key) != "at").ToList();
            if (entries.Count != 1)
            {
                throw new TestFileException(map.Start, "an event is 'STREAM: {fields}' (one stream key, optionally 'at') or a mapping with 'stream' and 'event'");
            }
            stream = Scalar(entries[0].Key);
            json = entries[0].Value is YamlScalarNode text && text.Style != ScalarStyle.Plain
                ? System.Text.Encoding.UTF8.GetBytes(text.Value ?? "")
                : YamlJson.ToJsonBytes(entries[0].Value);
        }
        if (!Inputs.InputSpec.IsStreamName(stream))
        {
            throw new TestFileException(map.Start, $"'{stream}' is not a stream name (letters, digits, '-', '_', '.')");
        }
        return new TestEvent(stream, json, at, (int)map.Start.Line);
    }

    private static ExpectedRecord ReadExpected(YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            throw new TestFileException(node.Start, "an expected record is a mapping with at least 'rule'");
        }
        CheckKeys(map, ExpectKeys, "an expected record");
        var type = Optional(map, "type") is { } t ? Scalar(t) : "match";
        if (type is not ("match" or "timeout" or "late"))
        {
            throw new TestFileException(map.Start, $"type '{type}': expected match, timeout or late");
        }
        List<KeyValuePair<string, IReadOnlyList<JsonElement>>>? events = null;
        if (Optional(map, "events") is { } eventsNode)
        {
            if (eventsNode is not YamlMappingNode steps)
            {
                throw new TestFileException(eventsNode.Start, "'events' maps each step to the events it took: {step: [id, ...]}");
            }
            events = [];
            foreach (var (step, taken) in steps.Children)
            {
                var items = taken is YamlSequenceNode seq ? seq.Children.Select(YamlJson.ToElement).ToList() : [YamlJson.ToElement(taken)];
                events.Add(new(Scalar(step), items));
            }
        }
        return new ExpectedRecord(
            Scalar(Required(map, "rule")),
            type,
            Optional(map, "output") is { } o ? Scalar(o) : null,
            Optional(map, "key") is { } k ? YamlJson.ToElement(k) : null,
            Optional(map, "time") is { } tm ? Long(tm) : null,
            events,
            Optional(map, "event") is { } ev ? YamlJson.ToElement(ev) : null,
            Optional(map, "emit") is { } em ? YamlJson.ToElement(em) : null,
            (int)map.Start.Line);
    }

    private static void CheckKeys(YamlMappingNode map, HashSet<string> allowed, string what)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = Scalar(key);
            if (!allowed.Contains(name))
            {
                throw new TestFileException(key.Start, $"unknown key '{name}' in {what}; expected one of {string.Join(", ", allowed)}");
            }
        }
    }

    private static YamlNode Required(YamlMappingNode map, string key) =>
        Optional(map, key) ?? throw new TestFileException(map.Start, $"missing '{key}'");

    private static YamlNode? Optional(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string Scalar(YamlNode node) =>
        node is YamlScalarNode scalar ? scalar.Value ?? "" : throw new TestFileException(node.Start, "expected a single value");

    private static long Long(YamlNode node) =>
        long.TryParse(Scalar(node), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new TestFileException(node.Start, $"'{Scalar(node)}' is not a whole number");

    private static List<string> Strings(YamlNode node) => node switch
    {
        YamlScalarNode scalar => [scalar.Value ?? ""],
        YamlSequenceNode seq => seq.Children.Select(Scalar).ToList(),
        _ => throw new TestFileException(node.Start, "expected a value or a list of values"),
    };
}
