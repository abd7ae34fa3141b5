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
}
