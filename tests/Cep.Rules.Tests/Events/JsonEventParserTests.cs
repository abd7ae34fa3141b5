using System.Text;
using Cep.Rules.Events;

namespace Cep.Rules.Tests.Events;

public sealed class JsonEventParserTests
{
    private static JsonEvent Parse(string line, FieldTable fields)
    {
        Assert.True(JsonEventParser.TryParse(Encoding.UTF8.GetBytes(line), "s", 7, fields, out var evt, out var error), error);
        return evt;
    }

    [Fact]
    public void TryParse_FlatObject_FillsRegisteredSlotsWithTypedValues()
    {
        var fields = new FieldTable();
        var type = fields.Slot("type");
        var amount = fields.Slot("amount");
        var ok = fields.Slot("ok");
        var no = fields.Slot("no");
        var nothing = fields.Slot("nothing");
        var absent = fields.Slot("absent");

        var evt = Parse("""{"type":"pay","amount":12.5,"ok":true,"no":false,"nothing":null,"other":[1,2]}""", fields);

        Assert.Equal(JsonValue.From("pay"), evt.Get(type));
        Assert.Equal(12.5, evt.Get(amount).Number);
        Assert.Equal(JsonKind.True, evt.Get(ok).Kind);
        Assert.Equal(JsonKind.False, evt.Get(no).Kind);
        Assert.Equal(JsonKind.Null, evt.Get(nothing).Kind);
        Assert.Equal(JsonKind.Missing, evt.Get(absent).Kind);
        Assert.Equal("s", evt.Stream);
        Assert.Equal(7, evt.Line);
    }

    [Fact]
    public void TryParse_ManySlotsOverSeveralLines_EachEventKeepsItsOwnValues()
    {
        var fields = new FieldTable();
        var slots = Enumerable.Range(0, 12).Select(i => fields.Slot("f" + i)).ToArray();
        string Line(int n) => "{" + string.Join(",", slots.Select(s => $"\"f{s}\":{n * 100 + s}")) + "}";

        var first = Parse(Line(1), fields);
        var second = Parse(Line(2), fields);

        foreach (var slot in slots)
        {
            Assert.Equal(100 + slot, first.Get(slot).Number);
            Assert.Equal(200 + slot, second.Get(slot).Number);
        }
        Assert.Equal(JsonKind.Missing, first.Get(12).Kind);
        Assert.Equal(JsonKind.Missing, first.Get(-1).Kind);
    }

    [Fact]
    public void TryParse_NestedPath_ReadsThroughObjects()
    {
        var fields = new FieldTable();
        var id = fields.Slot("user.id");
        var city = fields.Slot("user.address.city");
        var user = fields.Slot("user");

        var evt = Parse("""{"x":{"id":0},"user":{"name":"a","id":"u1","address":{"city":"Oslo"}}}""", fields);

        Assert.Equal("u1", evt.Get(id).Text);
        Assert.Equal("Oslo", evt.Get(city).Text);
        Assert.Equal(JsonKind.Object, evt.Get(user).Kind);
        Assert.Equal("""{"name":"a","id":"u1","address":{"city":"Oslo"}}""", evt.Get(user).Text);
    }

    [Fact]
    public void TryParse_PathThroughNonObject_IsMissing()
    {
        var fields = new FieldTable();
        var id = fields.Slot("user.id");

        Assert.Equal(JsonKind.Missing, Parse("""{"user":"u1"}""", fields).Get(id).Kind);
        Assert.Equal(JsonKind.Missing, Parse("""{"user":[{"id":1}]}""", fields).Get(id).Kind);
        Assert.Equal(JsonKind.Missing, Parse("""{"user":null}""", fields).Get(id).Kind);
    }

    [Fact]
    public void TryParse_DuplicateKeys_LastWins()
    {
        var fields = new FieldTable();
        var a = fields.Slot("a");
        var id = fields.Slot("u.id");

        var evt = Parse("""{"a":1,"a":2,"u":{"id":1},"u":{"x":2}}""", fields);
        Assert.Equal(2, evt.Get(a).Number);
        Assert.Equal(JsonKind.Missing, evt.Get(id).Kind);

        var evt2 = Parse("""{"u":{"id":1},"u":5}""", fields);
        Assert.Equal(JsonKind.Missing, evt2.Get(id).Kind);
    }

    [Fact]
    public void TryParse_EscapesAndUnicode_AreDecoded()
    {
        var fields = new FieldTable();
        var name = fields.Slot("name");
        var key = fields.Slot("ké");

        var evt = Parse("{\"n\\u0061me\":\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\",\"ké\":\"ü\"}", fields);

        Assert.Equal("a\"b\\c\né😀", evt.Get(name).Text);
        Assert.Equal("ü", evt.Get(key).Text);
    }

    [Fact]
    public void TryParse_Numbers_AreDoubles()
    {
        var fields = new FieldTable();
        var n = fields.Slot("n");

        Assert.Equal(-1.5e3, Parse("""{"n":-1.5e3}""", fields).Get(n).Number);
        Assert.Equal(9007199254740993d, Parse("""{"n":9007199254740993}""", fields).Get(n).Number);
        Assert.Equal(double.PositiveInfinity, Parse("""{"n":1e400}""", fields).Get(n).Number);
    }

    [Fact]
    public void TryParse_Raw_IsExactBytesTrimmedAndCopied()
    {
        var fields = new FieldTable();
        var buffer = Encoding.UTF8.GetBytes("  {\"b\": 1.50, \"a\" :\"x\"}\r\n");

        Assert.True(JsonEventParser.TryParse(buffer, "s", 1, fields, out var evt, out _));
        Array.Fill(buffer, (byte)'z');

        Assert.Equal("{\"b\": 1.50, \"a\" :\"x\"}", Encoding.UTF8.GetString(evt.Raw.Span));
    }

    [Fact]
    public void TryParse_ByteOrderMark_IsSkipped()
    {
        var fields = new FieldTable();
        var a = fields.Slot("a");
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("""{"a":1}""")).ToArray();

        Assert.True(JsonEventParser.TryParse(bytes, "s", 1, fields, out var evt, out _));
        Assert.Equal(1, evt.Get(a).Number);
    }

    [Theory]
    [InlineData("", "empty line")]
    [InlineData("   ", "empty line")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("42", "not a JSON object")]
    [InlineData("\"a\"", "not a JSON object")]
    [InlineData("{\"a\":1", "invalid JSON")]
    [InlineData("{\"a\":}", "invalid JSON")]
    [InlineData("{a:1}", "invalid JSON")]
    [InlineData("{\"a\":1,}", "invalid JSON")]
    [InlineData("{\"a\":1} {\"b\":2}", "invalid JSON")]
    [InlineData("{\"a\":1} x", "invalid JSON")]
    public void TryParse_InvalidLine_FailsWithMessage(string line, string expected)
    {
        var fields = new FieldTable();
        fields.Slot("a");

        Assert.False(JsonEventParser.TryParse(Encoding.UTF8.GetBytes(line), "s", 3, fields, out var evt, out var error));
        Assert.Null(evt);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_SlotRegisteredAfterParsing_IsMissing()
    {
        var fields = new FieldTable();
        var evt = Parse("""{"a":1}""", fields);
        var late = fields.Slot("a");

        Assert.Equal(JsonKind.Missing, evt.Get(late).Kind);
        Assert.Equal(1, Parse("""{"a":1}""", fields).Get(late).Number);
    }

    [Fact]
    public void FieldTable_Slot_IsIdempotentAndRejectsEmptySegments()
    {
        var fields = new FieldTable();
        Assert.Equal(0, fields.Slot("a.b"));
        Assert.Equal(1, fields.Slot("c"));
        Assert.Equal(0, fields.Slot("a.b"));
        Assert.Equal(2, fields.Count);
        Assert.Equal("a.b", fields.PathOf(0));
        Assert.Throws<ArgumentException>(() => fields.Slot("a..b"));
        Assert.Throws<ArgumentException>(() => fields.Slot(""));
    }

    [Fact]
    public void TryParse_DeepUnregisteredNesting_IsSkipped()
    {
        var fields = new FieldTable();
        var a = fields.Slot("a");
        var deep = string.Concat(Enumerable.Repeat("{\"x\":", 100)) + "1" + new string('}', 100);

        var evt = Parse("{\"skip\":" + deep + ",\"a\":2}", fields);

        Assert.Equal(2, evt.Get(a).Number);
    }
}
