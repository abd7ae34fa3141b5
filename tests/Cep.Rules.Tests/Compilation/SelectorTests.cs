using System.Text;
using Cep.Rules.Compilation;
using Cep.Rules.Events;

namespace Cep.Rules.Tests.Compilation;

public sealed class SelectorTests
{
    private readonly FieldTable _fields = new();

    [Theory]
    [InlineData("""{"user":"u1"}""", "\"u1\"")]
    [InlineData("""{"user":42}""", "42")]
    [InlineData("""{"user":42.0}""", "42")]
    [InlineData("""{"user":1.5}""", "1.5")]
    [InlineData("""{"user":true}""", "true")]
    [InlineData("""{"user":null}""", "null")]
    [InlineData("""{}""", "null")]
    [InlineData("""{"user":"say \"hi\""}""", "\"say \\\"hi\\\"\"")]
    [InlineData("""{"user":"Zoë"}""", "\"Zoë\"")]
    [InlineData("""{"user":{"b":1, "a":2}}""", """{"b":1, "a":2}""")]
    public void KeyOf_SinglePath_IsCanonicalJson(string json, string expected)
    {
        var keyOf = Rule("key: user").KeyOf;

        var (e, dispatch) = Event("s", json);

        Assert.Equal(expected, keyOf(e, dispatch));
    }

    [Fact]
    public void KeyOf_NestedPath_ReadsTheNestedField() =>
        Assert.Equal("\"x\"", KeyOf(Rule("key: user.id"), Event("s", """{"user":{"id":"x"}}""")));

    [Fact]
    public void KeyOf_Composite_IsAJsonList()
    {
        var rule = Rule("key: [region, id, missing]");

        Assert.Equal("""["eu",7,null]""", KeyOf(rule, Event("s", """{"id":7,"region":"eu"}""")));
        Assert.Equal("""["eu",7]""", KeyOf(Rule("key: [region, id]"), Event("s", """{"id":7,"region":"eu"}""")));
        Assert.True(rule.IsKeyed);
    }

    [Fact]
    public void KeyOf_PerStream_ReadsEachStreamsField()
    {
        var rule = Rule("key:\n  app: orderId\n  bank: order.ref");

        Assert.Equal("\"o1\"", KeyOf(rule, Event("app", """{"orderId":"o1"}""")));
        Assert.Equal("\"o1\"", KeyOf(rule, Event("bank", """{"order":{"ref":"o1"}}""")));
        Assert.Equal("null", KeyOf(rule, Event("other", """{"orderId":"o1"}""")));
    }

    [Fact]
    public void KeyOf_Stream_IsTheStreamName() =>
        Assert.Equal("""["app","o1"]""", KeyOf(Rule("key: [$stream, id]"), Event("app", """{"id":"o1"}""")));

    [Fact]
    public void KeyOf_Unkeyed_IsNull()
    {
        var rule = Rule("");

        Assert.Equal("null", KeyOf(rule, Event("s", """{"user":"u1"}""")));
        Assert.False(rule.IsKeyed);
    }

    [Theory]
    [InlineData("""{"ts":1000}""", "ms", 1000L)]
    [InlineData("""{"ts":1000.9}""", "ms", 1000L)]
    [InlineData("""{"ts":1549044122}""", "s", 1549044122000L)]
    [InlineData("""{"ts":1549044122.25}""", "s", 1549044122250L)]
    [InlineData("""{"ts":-1}""", "s", -1000L)]
    [InlineData("""{"ts":"2026-01-01T09:00:00Z"}""", "ms", 1767258000000L)]
    [InlineData("""{"ts":"2026-01-01T09:00:00.250Z"}""", "s", 1767258000250L)]
    [InlineData("""{"ts":"2026-01-01T10:00:00+01:00"}""", "ms", 1767258000000L)]
    [InlineData("""{"ts":"2026-01-01T09:00:00"}""", "ms", 1767258000000L)]
    [InlineData("""{"ts":"2026-01-01 09:00:00Z"}""", "ms", 1767258000000L)]
    [InlineData("""{"ts":"2026-01-01"}""", "ms", 1767225600000L)]
    public void TimestampOf_UsableValue_GivesEpochMilliseconds(string json, string unit, long expected) =>
        Assert.Equal(expected, TimestampOf(Rule($"time:\n  field: ts\n  unit: {unit}"), Event("s", json)));

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"ts":null}""")]
    [InlineData("""{"ts":true}""")]
    [InlineData("""{"ts":"soon"}""")]
    [InlineData("""{"ts":"1000"}""")]
    [InlineData("""{"ts":"Jan 1 2026"}""")]
    [InlineData("""{"ts":"2026-13-01T00:00:00Z"}""")]
    [InlineData("""{"ts":[1]}""")]
    [InlineData("""{"ts":1e300}""")]
    public void TimestampOf_UnusableValue_IsNull(string json) =>
        Assert.Null(TimestampOf(Rule("time:\n  field: ts"), Event("s", json)));

    [Fact]
    public void TimestampOf_ProcessingTime_IsNotSet() =>
        Assert.Null(Rule("").TimestampOf);

    private CompiledRule Rule(string settings)
    {
        var set = RuleLoader.LoadText($"rule: r\n{settings}\npattern:\n  - begin: a\n", "test.yaml", _fields);
        Assert.True(set.Errors.Count == 0, string.Join(Environment.NewLine, set.Errors));
        return Assert.Single(set.Rules);
    }

    /// <summary>A parsed event and the dispatch values (key and time fields) its parse gave.</summary>
    private (JsonEvent Event, JsonValue[] Dispatch) Event(string stream, string json)
    {
        var dispatch = new JsonValue[_fields.DispatchCount];
        Assert.True(JsonEventParser.TryParse(Encoding.UTF8.GetBytes(json), stream, 1, _fields, dispatch, out var e, out var error), error);
        return (e, dispatch);
    }

    private static string KeyOf(CompiledRule rule, (JsonEvent Event, JsonValue[] Dispatch) parsed) => rule.KeyOf(parsed.Event, parsed.Dispatch);

    private static long? TimestampOf(CompiledRule rule, (JsonEvent Event, JsonValue[] Dispatch) parsed) => rule.TimestampOf!(parsed.Event, parsed.Dispatch);
}
