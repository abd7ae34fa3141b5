using System.Text;
using Cep.Rules.Events;

namespace Cep.Rules.Tests.Events;

public sealed class CsvEventParserTests
{
    private static JsonEvent Parse(CsvEventParser parser, string line, FieldTable fields)
    {
        Assert.True(parser.TryParse(line, 2, fields, out var evt, out var error), error);
        return evt;
    }

    [Fact]
    public void TryParse_Row_TypesNumbersAndBooleansAndBuildsRawInHeaderOrder()
    {
        var fields = new FieldTable();
        var seq = fields.Slot("seq");
        var id = fields.Slot("id");
        var ok = fields.Slot("ok");
        var vc = fields.Slot("vc");
        var parser = new CsvEventParser("seq,id,ok,vc", "sensor");

        var evt = Parse(parser, "1,sensor_1,true,-2.5e1", fields);

        Assert.Equal(1, evt.Get(seq).Number);
        Assert.Equal("sensor_1", evt.Get(id).Text);
        Assert.Equal(JsonKind.True, evt.Get(ok).Kind);
        Assert.Equal(-25, evt.Get(vc).Number);
        Assert.Equal("""{"seq":1,"id":"sensor_1","ok":true,"vc":-2.5e1}""", Encoding.UTF8.GetString(evt.Raw.Span));
        Assert.Equal("sensor", evt.Stream);
        Assert.Equal(2, evt.Line);
    }

    [Theory]
    [InlineData("007", JsonKind.String)]
    [InlineData("+5", JsonKind.String)]
    [InlineData(" 5", JsonKind.String)]
    [InlineData("1.", JsonKind.String)]
    [InlineData("0", JsonKind.Number)]
    [InlineData("-0.5", JsonKind.Number)]
    [InlineData("1E+3", JsonKind.Number)]
    [InlineData("True", JsonKind.String)]
    [InlineData("false", JsonKind.False)]
    [InlineData("null", JsonKind.String)]
    [InlineData("", JsonKind.String)]
    [InlineData("\"42\"", JsonKind.Number)]
    public void TryParse_Cell_IsTypedByItsText(string cell, JsonKind expected)
    {
        var fields = new FieldTable();
        var a = fields.Slot("a");
        var parser = new CsvEventParser("a,b", "s");

        Assert.Equal(expected, Parse(parser, cell + ",x", fields).Get(a).Kind);
    }

    [Fact]
    public void TryParse_QuotedCells_FollowRfc4180()
    {
        var fields = new FieldTable();
        var a = fields.Slot("a");
        var b = fields.Slot("b");
        var c = fields.Slot("c");
        var parser = new CsvEventParser("a,b,c", "s");

        var evt = Parse(parser, "\"x, y\",\"say \"\"hi\"\"\",\"\"", fields);

        Assert.Equal("x, y", evt.Get(a).Text);
        Assert.Equal("say \"hi\"", evt.Get(b).Text);
        Assert.Equal("", evt.Get(c).Text);
        Assert.Equal("""{"a":"x, y","b":"say \"hi\"","c":""}""", Encoding.UTF8.GetString(evt.Raw.Span));
    }

    [Fact]
    public void TryParse_EmptyCells_AreEmptyStrings()
    {
        var fields = new FieldTable();
        var a = fields.Slot("a");
        var c = fields.Slot("c");
        var parser = new CsvEventParser("a,b,c", "s");

        var evt = Parse(parser, ",1,", fields);

        Assert.Equal(JsonValue.From(""), evt.Get(a));
        Assert.Equal(JsonValue.From(""), evt.Get(c));
    }

    [Fact]
    public void TryParse_UnicodeAndCrLf_ArePreserved()
    {
        var fields = new FieldTable();
        var name = fields.Slot("name");
        var parser = new CsvEventParser("name,n\r\n", "s");

        var evt = Parse(parser, "Zoë 😀,3\r\n", fields);

        Assert.Equal("Zoë 😀", evt.Get(name).Text);
        Assert.True(parser.TryParse(Encoding.UTF8.GetBytes("é,1"), 3, fields, out var fromBytes, out _));
        Assert.Equal("é", fromBytes.Get(name).Text);
    }

    [Theory]
    [InlineData("1,2,3", "the row has 3 cells but the header has 2")]
    [InlineData("1", "the row has 1 cell but the header has 2")]
    [InlineData("", "empty line")]
    [InlineData("\"1,2", "column 1: a quoted cell is not closed")]
    [InlineData("\"1\"x,2", "column 4: unexpected character after a quoted cell")]
    [InlineData("a\"b,2", "column 2: a quote inside an unquoted cell")]
    public void TryParse_BadRow_IsAnErrorForThatLine(string line, string expected)
    {
        var fields = new FieldTable();
        var parser = new CsvEventParser("a,b", "s");

        Assert.False(parser.TryParse(line, 5, fields, out var evt, out var error));
        Assert.Null(evt);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.True(parser.TryParse("1,2", 6, fields, out _, out _));
    }

    [Fact]
    public void TryParse_InvalidUtf8_IsAnError()
    {
        var parser = new CsvEventParser("a", "s");

        Assert.False(parser.TryParse(new byte[] { 0xff, 0xfe }, 1, new FieldTable(), out _, out var error));
        Assert.Contains("UTF-8", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a,,b")]
    [InlineData("a,b,a")]
    [InlineData("\"a,b")]
    public void Constructor_BadHeader_Throws(string header) =>
        Assert.Throws<FormatException>(() => new CsvEventParser(header, "s"));

    [Fact]
    public void Constructor_QuotedHeaderAndBom_GiveColumnNames()
    {
        var parser = new CsvEventParser("\uFEFF\"user id\",ts", "s");

        Assert.Equal(["user id", "ts"], parser.Columns);
    }
}
