using System.Text;
using Cep.Rules.Compilation;
using Cep.Rules.Events;

namespace Cep.Rules.Tests.Events;

/// <summary>Strings read without decoding (key-only paths) or through the per-path cache give the same values as decoding.</summary>
public sealed class JsonEventStringTests
{
    private static JsonEvent Parse(string line, FieldTable fields) => Parse(line, fields, out _);

    /// <summary>Parses <paramref name="line"/>; <paramref name="dispatch"/> gets its dispatch values (keys, times).</summary>
    private static JsonEvent Parse(string line, FieldTable fields, out JsonValue[] dispatch)
    {
        dispatch = new JsonValue[fields.DispatchCount];
        Assert.True(JsonEventParser.TryParse(Encoding.UTF8.GetBytes(line), "s", 1, fields, dispatch, out var evt, out var error), error);
        return evt;
    }

    [Theory]
    [InlineData("""{"id":"o123"}""", "o123")]
    [InlineData("""  {"id":""}  """, "")]
    [InlineData("""{"x":[1,{"id":"no"}],"id":"a b~!"}""", "a b~!")]
    [InlineData("""{"id":"caf\u00e9"}""", "café")]
    [InlineData("""{"id":"Zürich"}""", "Zürich")]
    [InlineData("""{"id":"tab\there"}""", "tab\there")]
    [InlineData("""{"id":"q\"uote"}""", "q\"uote")]
    [InlineData("{\"id\":\"del\u007f\"}", "del\u007f")]
    public void CanonicalText_KeyOnlyString_EqualsCanonicalOfDecodedValue(string line, string text)
    {
        var fields = new FieldTable();
        var slot = fields.KeySlot("id");

        var evt = Parse(line, fields, out var dispatch);

        Assert.Equal(KeySelectors.Canonical(JsonValue.From(text)), evt.CanonicalText(dispatch[slot]));
    }

    [Theory]
    [InlineData("""{"id":42}""")]
    [InlineData("""{"id":null}""")]
    [InlineData("""{"id":{"a":1}}""")]
    [InlineData("""{"other":1}""")]
    public void CanonicalText_KeyOnlyNonString_EqualsCanonicalOfValue(string line)
    {
        var fields = new FieldTable();
        var slot = fields.KeySlot("id");

        var evt = Parse(line, fields, out var dispatch);

        Assert.Equal(KeySelectors.Canonical(dispatch[slot]), evt.CanonicalText(dispatch[slot]));
    }

    [Fact]
    public void Slot_AfterKeySlot_KeepsTheDecodedStringAndGivesTheKey()
    {
        var fields = new FieldTable();
        var keySlot = fields.KeySlot("id");
        Parse("""{"id":"first"}""", fields);

        var slot = fields.Slot("id");
        var evt = Parse("""{"id":"u1"}""", fields, out var dispatch);

        Assert.Equal("u1", evt.Get(slot).Text);
        Assert.Equal("u1", dispatch[keySlot].Text);
        Assert.Equal("\"u1\"", evt.CanonicalText(dispatch[keySlot]));
    }

    [Fact]
    public void TimeSlot_OnAKeyPath_DecodesTheString()
    {
        // An ISO-8601 time read by the timestamp selector needs its text: a time path's strings are never left undecoded.
        var fields = new FieldTable();
        var key = fields.KeySlot("t");
        var time = fields.TimeSlot("t");

        Parse("""{"t":"2026-11-22T10:00:00Z"}""", fields, out var dispatch);

        Assert.Equal(key, time);
        Assert.Equal("2026-11-22T10:00:00Z", dispatch[time].Text);
    }

    [Fact]
    public void TryParse_RepeatedValue_SharesOneString()
    {
        var fields = new FieldTable();
        var type = fields.Slot("type");

        var a = Parse("""{"type":"create"}""", fields);
        var b = Parse("""{"type":"create"}""", fields);
        var c = Parse("""{"type":"pay"}""", fields);

        Assert.Same(a.Get(type).Text, b.Get(type).Text);
        Assert.Equal("pay", c.Get(type).Text);
    }

    [Fact]
    public void StringCache_UniqueValues_StillDecodeCorrectly()
    {
        var cache = new StringCache();
        for (var i = 0; i < 10_000; i++)
        {
            var text = "id-" + i;
            Assert.Equal(text, cache.Get(Encoding.ASCII.GetBytes(text)));
        }
        Assert.Equal(new string('x', 40), cache.Get(Encoding.ASCII.GetBytes(new string('x', 40))));
        Assert.Equal("", cache.Get([]));
    }

    [Fact]
    public void TryParse_InvalidUtf8InString_StillFails()
    {
        var fields = new FieldTable();
        fields.Slot("type");
        var bytes = new byte[] { (byte)'{', (byte)'"', (byte)'t', (byte)'y', (byte)'p', (byte)'e', (byte)'"', (byte)':', (byte)'"', 0xFF, (byte)'"', (byte)'}' };

        var before = Record.Exception(() => JsonEventParser.TryParse(bytes, "s", 1, fields, out _, out _));

        // Invalid UTF-8 never takes the ASCII path, so it behaves as the reader always made it behave.
        Assert.True(before is null or InvalidOperationException);
    }
}
