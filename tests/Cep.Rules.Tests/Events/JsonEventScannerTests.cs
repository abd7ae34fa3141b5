using System.Globalization;
using System.Text;
using Cep.Rules.Events;

namespace Cep.Rules.Tests.Events;

/// <summary>
/// The parser's hand-written scanner against the <c>Utf8JsonReader</c> path it stands in for: whatever line the
/// scanner accepts, the reader accepts with the same slot values; what it refuses goes to the reader.
/// </summary>
public sealed class JsonEventScannerTests
{
    private static readonly string[] Names = ["a", "b", "c", "k", "arr", "n", "x", "é", "a\\u0062"];

    private static FieldTable Fields()
    {
        var fields = new FieldTable();
        fields.Slot("a");
        fields.Slot("b.c");
        fields.Slot("b");
        fields.KeySlot("k");
        fields.Slot("arr");
        fields.Slot("n");
        return fields;
    }

    private static (bool Ok, JsonValue[] Values) Scan(byte[] line, FieldTable fields)
    {
        var root = fields.Root;
        var values = new JsonValue[root.SlotCount];
        return (JsonEventParser.TryScan(line, root, values), values);
    }

    private static (bool Ok, JsonValue[] Values) Read(byte[] line, FieldTable fields)
    {
        var root = fields.Root;
        var values = new JsonValue[root.SlotCount];
        return (JsonEventParser.TryRead(line, root, values, out _), values);
    }

    [Fact]
    public void TryScan_RandomAndMutatedObjects_AgreesWithTheReaderWheneverItAccepts()
    {
        var fields = Fields();
        var random = new Random(20261121);
        var accepted = 0;
        for (var i = 0; i < 30_000; i++)
        {
            var text = RandomObject(random, 0);
            if (i % 3 == 0)
            {
                text = Mutate(random, text);
            }
            var line = Encoding.UTF8.GetBytes(text);
            if (line.Length == 0 || line[0] != (byte)'{' || char.IsWhiteSpace(text[^1]))
            {
                continue;
            }
            var scanned = Scan(line, fields);
            if (!scanned.Ok)
            {
                continue;
            }
            accepted++;
            var read = Read(line, fields);
            Assert.True(read.Ok, $"scanner accepted what the reader rejects: {text}");
            for (var slot = 0; slot < scanned.Values.Length; slot++)
            {
                var (s, r) = (scanned.Values[slot], read.Values[slot]);
                var same = s.Equals(r) && s.IsUndecoded == r.IsUndecoded && s.UndecodedOffset == r.UndecodedOffset
                    && BitConverter.DoubleToInt64Bits(s.Number) == BitConverter.DoubleToInt64Bits(r.Number);
                Assert.True(same, $"scratch position {slot} of {text}: scanner {s.Kind} {s.Number} {s.Text}, reader {r.Kind} {r.Number} {r.Text}");
            }
        }
        // Most generated lines are plain: the scanner must take them, not hand everything to the reader.
        Assert.True(accepted > 5_000, $"only {accepted} lines scanned");
    }

    [Theory]
    [InlineData("""{"a":"x\"y"}""")]
    [InlineData("""{"a":"é"}""")]
    [InlineData("""{"a":01}""")]
    [InlineData("""{"a":1.}""")]
    [InlineData("""{"a":-}""")]
    [InlineData("""{"a":tru}""")]
    [InlineData("""{"a":1,}""")]
    [InlineData("""{"a" 1}""")]
    [InlineData("""{"a":[1,]}""")]
    [InlineData("""{"a":1}x""")]
    [InlineData("""{"a":"tab	inside"}""")]
    public void TryScan_EscapesNonAsciiOrBadSyntax_LeavesTheLineToTheReader(string text)
    {
        Assert.False(Scan(Encoding.UTF8.GetBytes(text), Fields()).Ok);
    }

    [Theory]
    [InlineData("-0")]
    [InlineData("123456789012345678901")]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("0.1")]
    [InlineData("2.5E-3")]
    [InlineData("999999999999999")]
    [InlineData("9007199254740993")]
    public void TryScan_Numbers_SameDoubleAsTheReader(string number)
    {
        var line = Encoding.UTF8.GetBytes("{\"n\": " + number + " }");
        var fields = Fields();
        var scanned = Scan(line, fields);
        var read = Read(line, fields);

        Assert.True(scanned.Ok);
        var slot = fields.Find("n");
        Assert.Equal(BitConverter.DoubleToInt64Bits(read.Values[slot].Number), BitConverter.DoubleToInt64Bits(scanned.Values[slot].Number));
    }

    [Fact]
    public void TryScan_NumbersOfEveryLength_SameDoubleAsTheReader()
    {
        // Digits are read eight and four at a time: every length and every position of a non-digit after them.
        var fields = Fields();
        var slot = fields.Find("n");
        var random = new Random(7);
        foreach (var tail in new[] { "", ".25", "e3", "E-2", "0", "9" })
        {
            for (var length = 1; length <= 21; length++)
            {
                for (var trial = 0; trial < 20; trial++)
                {
                    var digits = new StringBuilder().Append((char)('1' + random.Next(9)));
                    for (var i = 1; i < length; i++)
                    {
                        digits.Append((char)('0' + random.Next(10)));
                    }
                    var number = (trial % 2 == 0 ? "" : "-") + digits + tail;
                    var line = Encoding.UTF8.GetBytes("{\"n\":" + number + (trial % 3 == 0 ? ",\"a\":1}" : "}"));
                    var scanned = Scan(line, fields);
                    var read = Read(line, fields);

                    Assert.True(scanned.Ok, number);
                    Assert.Equal(BitConverter.DoubleToInt64Bits(read.Values[slot].Number), BitConverter.DoubleToInt64Bits(scanned.Values[slot].Number));
                }
            }
        }
    }

    [Fact]
    public void TryScan_MembersInAnotherOrderThanTheLastLine_FindsEverySlot()
    {
        // The scanner looks for the member after the one it matched last first; a line in any other order
        // must still fill every slot, including names that are prefixes of each other ("a", "arr").
        var fields = Fields();
        var (a, n, arr) = (fields.Find("a"), fields.Find("n"), fields.Find("arr"));
        var lines = new[] { """{"a":1,"arr":2,"n":3}""", """{"n":4,"arr":5,"a":6}""", """{"arr":7,"a":8,"n":9}""", """{"n":10,"a":11}""" };
        var expected = new[] { (1d, 2d, 3d), (6d, 5d, 4d), (8d, 7d, 9d), (11d, 0d, 10d) };

        for (var i = 0; i < lines.Length; i++)
        {
            var scanned = Scan(Encoding.UTF8.GetBytes(lines[i]), fields);
            Assert.True(scanned.Ok);
            Assert.Equal(expected[i], (scanned.Values[a].Number, scanned.Values[arr].Number, scanned.Values[n].Number));
        }
    }

    [Theory]
    [InlineData("""{"\u0061":5}""")]
    [InlineData("""{"a\"":7,"a":5}""")]
    public void TryParse_RegisteredNameWrittenWithAnEscapeOrAsAPrefix_FillsTheSlotTheReaderWould(string text)
    {
        var fields = Fields();
        Assert.True(JsonEventParser.TryParse(text, "s", 1, fields, out var evt, out var error), error);
        Assert.Equal(Read(Encoding.UTF8.GetBytes(text), fields).Values[fields.Find("a")], evt.Get(fields.Find("a")));
        Assert.Equal(5d, evt.Get(fields.Find("a")).Number);
    }

    private static string RandomObject(Random random, int depth)
    {
        var builder = new StringBuilder("{");
        var members = random.Next(depth == 0 ? 1 : 0, 6);
        for (var m = 0; m < members; m++)
        {
            builder.Append(m > 0 ? "," : "").Append(Space(random));
            builder.Append('"').Append(Names[random.Next(Names.Length)]).Append('"').Append(Space(random)).Append(':').Append(Space(random));
            builder.Append(RandomValue(random, depth)).Append(Space(random));
        }
        return builder.Append('}').ToString();
    }

    private static string RandomValue(Random random, int depth)
    {
        switch (random.Next(depth < 3 ? 9 : 7))
        {
            case 0:
                return "\"" + Pick(random, "create", "pay", "", "o-1", "a b", "<x>", "\\\"q", "\\u00e9", "ü", "tab\\t") + "\"";
            case 1:
                return Pick(random, "0", "-0", "7", "-12", "1767225600000", "123456789012345", "1234567890123456", "1.5", "-2.25e3", "1E+2", "1e400", "0.1", "12345678901234567890");
            case 2:
                return random.Next(1_000_000).ToString(CultureInfo.InvariantCulture);
            case 3:
                return Pick(random, "true", "false", "null");
            case 4:
                return "\"" + random.Next(100_000).ToString(CultureInfo.InvariantCulture) + "\"";
            case 5 or 6:
                return "\"v" + random.Next(10).ToString(CultureInfo.InvariantCulture) + "\"";
            case 7:
                return RandomObject(random, depth + 1);
            default:
                var items = Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1));
                return "[" + Space(random) + string.Join("," + Space(random), items) + "]";
        }
    }

    private static string Space(Random random) => random.Next(5) == 0 ? Pick(random, " ", "  ", "\t", "\r\n ") : "";

    private static string Pick(Random random, params string[] options) => options[random.Next(options.Length)];

    /// <summary>Deletes, duplicates or replaces one character, mostly producing invalid JSON.</summary>
    private static string Mutate(Random random, string text)
    {
        var at = random.Next(text.Length);
        return random.Next(3) switch
        {
            0 => text.Remove(at, 1),
            1 => text.Insert(at, text[at].ToString()),
            _ => text.Remove(at, 1).Insert(at, Pick(random, ",", ":", "\"", "{", "}", "[", "]", "-", ".", "e", "0", " ", "x", "\\")),
        };
    }
}
