using System.Globalization;
using System.Text;
using Cep.Rules;
using Cep.Rules.Events;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Cep.State.Tests.Events;

/// <summary>
/// The runner's event codec: format 2 stores the parsed field values beside the raw bytes so a restore does not scan
/// the JSON again; every restored event must be the one the parser builds from the same line with the run's field
/// table, whichever way it was restored (stored values, format 1, a changed field table).
/// </summary>
public sealed class JsonEventCodecTests
{
    // A rule keyed by "id" (a dispatch slot: read when the event is dispatched, not kept in the event, so not stored)
    // whose condition reads type, amount, ok, tags, nested.v and note.
    private const string Rules = """
        rule: r
        key: id
        pattern:
          - begin: a
            where: type == 'x' or amount > 1 or ok == true or tags != null or nested.v == 1 or note == 'n'
        """;

    private static FieldTable NewFields()
    {
        var fields = new FieldTable();
        var set = RuleLoader.LoadText(Rules, "test.yaml", fields);
        Assert.False(set.HasErrors, string.Join("; ", set.Errors));
        return fields;
    }

    private static JsonEvent Parse(string line, FieldTable fields, string stream = "orders", long number = 7) =>
        JsonEventParser.TryParse(line, stream, number, fields, out var evt, out var error)
            ? evt
            : throw new InvalidOperationException(error);

    private static byte[] Write(JsonEvent evt, FieldTable fields)
    {
        var writer = new SnapshotWriter();
        new JsonEventCodec(fields).WriteEvent(writer, evt);
        return writer.ToArray();
    }

    private static JsonEvent Read(byte[] bytes, FieldTable fields)
    {
        var reader = new SnapshotReader(bytes);
        var evt = new JsonEventCodec(fields).ReadEvent(reader);
        Assert.True(reader.AtEnd, "the codec read less than the event record");
        return evt;
    }

    /// <summary>Same stream, line, bytes and value in every slot (numbers bit for bit, so -0 stays -0).</summary>
    private static void AssertSame(JsonEvent expected, JsonEvent actual, FieldTable fields)
    {
        Assert.Equal(expected.Stream, actual.Stream);
        Assert.Same(expected.Stream, string.IsInterned(actual.Stream));
        Assert.Equal(expected.Line, actual.Line);
        Assert.Equal(expected.Raw.ToArray(), actual.Raw.ToArray());
        for (var slot = 0; slot < fields.Count; slot++)
        {
            var e = expected.Get(slot);
            var a = actual.Get(slot);
            Assert.Equal(e.Kind, a.Kind);
            Assert.Equal(BitConverter.DoubleToInt64Bits(e.Number), BitConverter.DoubleToInt64Bits(a.Number));
            Assert.Equal(e.Text, a.Text);
        }
    }

    [Theory]
    [InlineData("""{"type":"x","id":"o1","amount":12.5,"ok":true,"tags":["a",1],"nested":{"v":1},"note":null}""")]
    [InlineData("""{"id":42,"type":"caf\u00e9","amount":-0,"ok":false,"tags":{"k":[1,2]},"nested":{"v":"1"}}""")]
    [InlineData("""{"id":"with \"quote\"","type":"t\\u0041","amount":1e300,"nested":[1],"note":"é"}""")]
    [InlineData("""{"type":"dup","type":"last","id":"k","id":"k2","amount":123456789012345678901234567890}""")]
    [InlineData("""  {"id":["a",{"b":2}],"amount":9007199254740993,"note":"x"}  """)]
    [InlineData("""{}""")]
    public void WriteRead_StoredValues_SameEventAsTheParser(string line)
    {
        var fields = NewFields();
        var parsed = Parse(line, fields);

        var restored = Read(Write(parsed, fields), fields);

        AssertSame(parsed, restored, fields);
        Assert.Equal(-1, fields.Find("id"));
    }

    [Fact]
    public void WriteRead_ValuesLargerThanTheStackBlock_SameEventAsTheParser()
    {
        var fields = NewFields();
        var longText = string.Concat(Enumerable.Repeat("é\\n", 400));
        var parsed = Parse($$"""{"note":"{{longText}}","tags":[{{string.Join(",", Enumerable.Range(0, 300))}}],"type":"x"}""", fields);

        var restored = Read(Write(parsed, fields), fields);

        AssertSame(parsed, restored, fields);
        Assert.Equal(800, restored.Get(fields.Find("note")).Text!.Length); // "é" and an escaped newline, 400 times
    }

    [Fact]
    public void WriteEvent_PlainStrings_ReferencedInTheRawBytesNotCopied()
    {
        var fields = NewFields();
        var evt = Parse("""{"type":"a-rather-long-event-type-name","id":"o1"}""", fields);

        var bytes = Write(evt, fields);

        // The type's text appears once: in the raw bytes.
        var text = Encoding.ASCII.GetBytes("a-rather-long-event-type-name");
        var first = bytes.AsSpan().IndexOf(text);
        Assert.True(first >= 0);
        Assert.Equal(-1, bytes.AsSpan(first + text.Length).IndexOf(text));
        Assert.Equal(0, bytes[0]);
        Assert.Equal(2, bytes[2]);
    }

    [Fact]
    public void WriteEvent_OneCodecManyShapes_EachEventRestoredAsParsed()
    {
        // One writing codec remembers where a slot's string was last found; events whose field moves, shrinks or
        // changes kind must not be misled by it.
        var fields = NewFields();
        var codec = new JsonEventCodec(fields);
        string[] lines =
        [
            """{"type":"create","id":"o1"}""",
            """{"type":"create","id":"o2"}""",
            """{"id":"o3","type":"create"}""",
            """{"type":"creat","id":"o4"}""",
            """{"type":"cre\u0061te","id":"o5"}""",
            """{"type":7,"id":"o6"}""",
            """{"type":"x","id":"o7"}""",
            """{"xx":"create","type":"cr"}""",
        ];
        foreach (var line in lines)
        {
            var parsed = Parse(line, fields);
            var writer = new SnapshotWriter();
            codec.WriteEvent(writer, parsed);
            AssertSame(parsed, Read(writer.ToArray(), fields), fields);
        }
    }

    [Fact]
    public void ReadEvent_Format1_ParsedFromTheRawBytes()
    {
        var fields = NewFields();
        var line = """{"type":"x","id":"o1","amount":3}""";
        // What the first release wrote: stream, line, raw bytes and nothing else.
        var writer = new SnapshotWriter();
        writer.WriteString("orders");
        writer.WriteVarInt(7);
        writer.WriteBytes(Encoding.UTF8.GetBytes(line));

        var restored = Read(writer.ToArray(), fields);

        AssertSame(Parse(line, fields), restored, fields);
    }

    [Fact]
    public void ReadEvent_FieldTableChanged_ValuesParsedWithTheNewTable()
    {
        var saving = NewFields();
        var line = """{"type":"x","id":"o1","amount":3,"extra":"e"}""";
        var bytes = Write(Parse(line, saving), saving);

        // The run that restores reads another field (its conditions changed), so the slots differ.
        var restoring = new FieldTable();
        restoring.Slot("extra");
        restoring.Slot("amount");
        var restored = Read(bytes, restoring);

        AssertSame(Parse(line, restoring), restored, restoring);
        Assert.Equal("e", restored.Get(0).Text);
        Assert.Equal(3, restored.Get(1).Number);
    }

    [Fact]
    public void ReadEvent_PathRegisteredAfterSaving_ValuesParsedAgain()
    {
        var fields = new FieldTable();
        fields.Slot("type");
        var line = """{"type":"x","late":5}""";
        var bytes = Write(Parse(line, fields), fields);
        fields.Slot("late");

        var restored = Read(bytes, fields);

        Assert.Equal(5, restored.Get(1).Number);
    }

    [Fact]
    public void ReadEvent_NewerFormat_Refused()
    {
        var fields = NewFields();
        var bytes = Write(Parse("""{"type":"x"}""", fields), fields);
        // Marker 0, the value block's length, then its first byte: the format.
        bytes[2] = 3;

        var error = Assert.Throws<InvalidDataException>(() => Read(bytes, fields));
        Assert.Contains("format 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadEvent_StringOffsetPastTheRawBytes_Refused()
    {
        var fields = new FieldTable();
        fields.Slot("type");
        var bytes = Write(Parse("""{"type":"x"}""", fields), fields);
        // The value block (after the marker and its length) ends with the one value: tag, offset, length. Point the
        // offset past the raw bytes.
        var end = 2 + bytes[1];
        Assert.Equal(6, bytes[end - 3]);
        bytes[end - 2] = 100;

        Assert.Throws<InvalidDataException>(() => Read(bytes, fields));
    }

    [Fact]
    public void ReadEvent_Truncated_Refused()
    {
        var fields = NewFields();
        var bytes = Write(Parse("""{"type":"x","id":"o1","amount":3}""", fields), fields);

        for (var cut = 0; cut < bytes.Length; cut++)
        {
            // SnapshotReader.ReadBytes reports a length that runs past the end as ArgumentOutOfRangeException when
            // the length's own varint takes the last bytes; the runner turns both into the same refusal.
            var error = Assert.ThrowsAny<Exception>(() => Read(bytes[..cut], fields));
            Assert.True(error is InvalidDataException or ArgumentOutOfRangeException, $"cut at {cut}: {error}");
        }
    }

    /// <summary>Random JSON objects over the registered paths (and others), with every kind of value: what the
    /// codec restores from stored values is what the parser builds.</summary>
    [Fact]
    public void WriteRead_RandomObjects_SameEventAsTheParser()
    {
        var fields = NewFields();
        Prop.ForAll(Objects().ToArbitrary(), line =>
        {
            var parsed = Parse(line, fields);
            AssertSame(parsed, Read(Write(parsed, fields), fields), fields);
        }).QuickCheckThrowOnFailure();
    }

    private static Gen<string> Objects()
    {
        var names = Gen.Elements("type", "id", "amount", "ok", "tags", "nested", "v", "note", "other");
        var strings = Gen.Elements("x", "o1", "", " ", "a b", "q\\\"uote", "\\u0041", "é", "日本", "\\\\", "tab\\t", "<&>", "12");
        var numbers = Gen.Elements("0", "-0", "1", "-1", "12.5", "1e300", "-1e-300", "1E3", "9007199254740993", "123456789012345678901234567890", "0.1", "-0.0");
        var scalars = Gen.OneOf(
            strings.Select(s => "\"" + s + "\""),
            numbers,
            Gen.Elements("true", "false", "null"));
        var values = Gen.OneOf(
            scalars,
            scalars.ListOf().Select(items => "[" + string.Join(",", items) + "]"),
            Gen.Zip(names, scalars).ListOf().Select(members => "{" + string.Join(",", members.Select(m => $"\"{m.Item1}\":{m.Item2}")) + "}"));
        return Gen.Zip(names, values).ListOf()
            .Select(members => "{" + string.Join(",", members.Select(m => string.Create(CultureInfo.InvariantCulture, $"\"{m.Item1}\":{m.Item2}"))) + "}");
    }
}
