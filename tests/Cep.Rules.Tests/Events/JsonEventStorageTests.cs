using System.Text;
using Cep.Rules.Events;

namespace Cep.Rules.Tests.Events;

/// <summary>
/// Where an event holds its bytes (inside the object up to <see cref="JsonEvent.MaxInlineBytes"/>, in an array
/// beyond) never shows: every length gives back its exact bytes and values, and key-only strings cut from them.
/// </summary>
public sealed class JsonEventStorageTests
{
    [Fact]
    public void TryParse_EveryLengthAroundTheInlineSizes_KeepsExactBytesAndValues()
    {
        var fields = new FieldTable();
        var pad = fields.Slot("pad");
        var id = fields.KeySlot("id");
        var n = fields.Slot("n");
        for (var length = 0; length <= JsonEvent.MaxInlineBytes + 40; length++)
        {
            var text = new string('x', length);
            var line = $"{{\"id\":\"k{length}\",\"pad\":\"{text}\",\"n\":{length}}}";

            var dispatch = new JsonValue[fields.DispatchCount];
            Assert.True(JsonEventParser.TryParse(Encoding.UTF8.GetBytes(line), "s", length, fields, dispatch, out var evt, out var error), error);

            Assert.Equal(line, Encoding.UTF8.GetString(evt.Raw.Span));
            Assert.Equal(line.Length, evt.Raw.Length);
            Assert.Equal(Encoding.UTF8.GetBytes(line), evt.Raw.ToArray());
            Assert.Equal(line, evt.ToString());
            Assert.Equal(text, evt.Get(pad).Text);
            Assert.Equal(length, evt.Get(n).Number);
            Assert.Equal($"\"k{length}\"", evt.CanonicalText(dispatch[id]));
            Assert.Equal("s", evt.Stream);
            Assert.Equal(length, evt.Line);
        }
    }

    [Fact]
    public void Create_W1SizedLine_IsOneObjectOf112BytesAtMost()
    {
        // The bench's W1 create line (53 bytes, three fields, one of them — the type — kept: the key and the time are
        // dispatch slots): the engine keeps ~100 000 of these at once and the collector copies every one it finds
        // alive, so the event's size is a memory figure (docs/performance.md).
        var raw = """{"orderId":123456,"type":"create","ts":1767225600000}"""u8.ToArray();
        JsonValue[] values = [JsonValue.From("create")];
        JsonEvent.Create("orders", 1, raw, values);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var evt = JsonEvent.Create("orders", 1, raw, values);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(allocated, 1, 112);
        Assert.Equal(raw, evt.Raw.ToArray());
    }

    [Fact]
    public void TryParse_ManySlots_KeepsTheValuesBeyondTheInlineSlots()
    {
        var fields = new FieldTable();
        var slots = Enumerable.Range(0, 6).Select(i => fields.Slot($"f{i}")).ToArray();

        Assert.True(JsonEventParser.TryParse(Encoding.UTF8.GetBytes("""{"f0":0,"f1":1,"f2":2,"f3":3,"f4":4,"f5":5}"""), "s", 1, fields, out var evt, out _));

        Assert.Equal([0d, 1, 2, 3, 4, 5], slots.Select(s => evt.Get(s).Number));
    }

    [Fact]
    public void TryParse_KeyAndTimeFields_AreHandedOverNotKept()
    {
        // W1's rule: the condition reads the type, the key the order, the time the timestamp.
        var fields = new FieldTable();
        var type = fields.Slot("type");
        var order = fields.KeySlot("orderId");
        var ts = fields.TimeSlot("ts");
        var dispatch = new JsonValue[fields.DispatchCount];

        Assert.True(JsonEventParser.TryParse(Encoding.UTF8.GetBytes("""{"orderId":"o-7","type":"create","ts":1767225600000}"""), "orders", 1, fields, dispatch, out var evt, out _));

        Assert.Equal(1, fields.Count);
        Assert.Equal(2, fields.DispatchCount);
        Assert.Equal("create", evt.Get(type).Text);
        Assert.Equal(JsonValue.Missing, evt.Get(1));
        Assert.Equal("\"o-7\"", evt.CanonicalText(dispatch[order]));
        Assert.Equal(1767225600000d, dispatch[ts].Number);
        Assert.Equal(-1, fields.Find("orderId"));
        Assert.Equal(order, fields.FindDispatch("orderId"));
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(1, 10)]
    [InlineData(2, 10)]
    [InlineData(3, 10)]
    [InlineData(4, 10)]
    [InlineData(7, 10)]
    [InlineData(0, 300)]
    [InlineData(3, 300)]
    [InlineData(5, 300)]
    public void TryParse_EachValueCount_KeepsExactlyItsValues(int count, int padding)
    {
        var fields = new FieldTable();
        var slots = Enumerable.Range(0, count).Select(i => fields.Slot($"f{i}")).ToArray();
        var members = string.Join(",", Enumerable.Range(0, count).Select(i => $"\"f{i}\":{i * 10}"));
        var line = $"{{\"pad\":\"{new string('p', padding)}\"{(count > 0 ? "," : "")}{members}}}";

        Assert.True(JsonEventParser.TryParse(Encoding.UTF8.GetBytes(line), "s", 1, fields, out var evt, out var error), error);

        Assert.Equal(Enumerable.Range(0, count).Select(i => i * 10d), slots.Select(s => evt.Get(s).Number));
        Assert.Equal(JsonValue.Missing, evt.Get(count));
        Assert.Equal(JsonValue.Missing, evt.Get(-1));
        Assert.Equal(line, evt.ToString());
    }

    [Theory]
    [InlineData("42", true, 42L)]
    [InlineData("-7", true, -7L)]
    [InlineData("1.0", true, 1L)]
    [InlineData("1e3", true, 1000L)]
    [InlineData("-0", true, 0L)]
    [InlineData("9007199254740992", true, 9007199254740992L)]
    [InlineData("1e16", false, 0L)]
    [InlineData("2.5", false, 0L)]
    [InlineData("\"42\"", false, 0L)]
    [InlineData("null", false, 0L)]
    [InlineData("true", false, 0L)]
    public void TryGetInteger_IsTrueExactlyWhenTheCanonicalTextIsAnInteger(string json, bool expected, long value)
    {
        var fields = new FieldTable();
        var id = fields.KeySlot("id");
        var dispatch = new JsonValue[fields.DispatchCount];
        Assert.True(JsonEventParser.TryParse(Encoding.UTF8.GetBytes($"{{\"id\":{json}}}"), "s", 1, fields, dispatch, out var evt, out _));

        Assert.Equal(expected, JsonEvent.TryGetInteger(dispatch[id], out var actual));
        Assert.Equal(value, actual);
        if (expected)
        {
            Assert.Equal(value.ToString(System.Globalization.CultureInfo.InvariantCulture), evt.CanonicalText(dispatch[id]));
        }
    }
}
