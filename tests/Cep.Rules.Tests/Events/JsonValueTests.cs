using System.Buffers;
using System.Text;
using System.Text.Json;
using Cep.Rules.Events;

namespace Cep.Rules.Tests.Events;

public sealed class JsonValueTests
{
    [Theory]
    [InlineData(42d, "42")]
    [InlineData(-0.5, "-0.5")]
    [InlineData(1e20, "1E+20")]
    [InlineData(0.1, "0.1")]
    [InlineData(double.NaN, "null")]
    public void ToJson_Number_IsCanonical(double value, string expected) =>
        Assert.Equal(expected, JsonValue.From(value).ToJson());

    [Fact]
    public void ToJson_OtherKinds_AreCanonical()
    {
        Assert.Equal("\"a\\\"é\"", JsonValue.From("a\"é").ToJson());
        Assert.Equal("null", JsonValue.Null.ToJson());
        Assert.Equal("null", JsonValue.Missing.ToJson());
        Assert.Equal("true", JsonValue.True.ToJson());
        Assert.Equal("[1, 2]", JsonValue.FromRawJson("[1, 2]").ToJson());
        Assert.Equal(JsonKind.Object, JsonValue.FromRawJson(" {\"a\":1} ").Kind);
        Assert.Equal(JsonValue.From("x"), JsonValue.FromRawJson("\"x\""));
        Assert.Equal(JsonValue.From(3), JsonValue.FromRawJson("3"));
    }

    [Fact]
    public void WriteTo_WritesSameTextAsToJson()
    {
        foreach (var value in new[] { JsonValue.From(42), JsonValue.From(2.5), JsonValue.From("x"), JsonValue.Null, JsonValue.False, JsonValue.FromRawJson("{\"a\":[1]}") })
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                value.WriteTo(writer);
            }
            Assert.Equal(value.ToJson(), Encoding.UTF8.GetString(buffer.WrittenSpan));
        }
    }

    [Fact]
    public void Equality_ComparesKindAndValue()
    {
        Assert.Equal(JsonValue.From("a"), JsonValue.From("a"));
        Assert.NotEqual(JsonValue.Null, JsonValue.Missing);
        Assert.True(JsonValue.Missing.IsNullish);
        Assert.True(JsonValue.Null.IsNullish);
        Assert.False(JsonValue.False.IsNullish);
        Assert.Equal(JsonValue.Null, JsonValue.From((string?)null));
    }

    [Fact]
    public void Representation_IsSixteenBytes() =>
        // Events hold three values inline: every byte here is three in every event the engine keeps.
        Assert.Equal(16, System.Runtime.CompilerServices.Unsafe.SizeOf<JsonValue>());

    [Fact]
    public void Accessors_GiveKindNumberAndTextOfEveryKind()
    {
        var cases = new (JsonValue Value, JsonKind Kind, double Number, string? Text)[]
        {
            (JsonValue.Missing, JsonKind.Missing, 0, null),
            (JsonValue.Null, JsonKind.Null, 0, null),
            (JsonValue.False, JsonKind.False, 0, null),
            (JsonValue.True, JsonKind.True, 0, null),
            (JsonValue.From(-2.5), JsonKind.Number, -2.5, null),
            (JsonValue.From(0d), JsonKind.Number, 0, null),
            (JsonValue.From("s"), JsonKind.String, 0, "s"),
            (JsonValue.From(""), JsonKind.String, 0, ""),
            (JsonValue.FromRawJson("[1]"), JsonKind.Array, 0, "[1]"),
            (JsonValue.FromRawJson("{}"), JsonKind.Object, 0, "{}"),
        };
        foreach (var (value, kind, number, text) in cases)
        {
            Assert.Equal(kind, value.Kind);
            Assert.Equal(number, value.Number);
            Assert.Equal(text, value.Text);
            Assert.Equal(kind <= JsonKind.Null, value.IsNullish);
            Assert.Equal(kind == JsonKind.Number, value.IsNumber);
            Assert.Equal(kind == JsonKind.String ? text : null, value.DecodedString);
        }
    }

    [Fact]
    public void Undecoded_KeepsOffsetAndLengthAndReadsAsAString()
    {
        var value = JsonValue.Undecoded(int.MaxValue, 1 << 20);
        Assert.True(value.IsUndecoded);
        Assert.Equal(JsonKind.String, value.Kind);
        Assert.Equal(int.MaxValue, value.UndecodedOffset);
        Assert.Equal(1 << 20, value.UndecodedLength);
        Assert.Equal(0, value.Number);
        Assert.Null(value.Text);
        Assert.False(JsonValue.From("x").IsUndecoded);
    }
}
