using System.Text.Json;
using Cep.Runner.Testing;
using YamlDotNet.RepresentationModel;

namespace Cep.Runner.Tests.Testing;

public sealed class RecordMatcherTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static YamlNode Yaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents[0].RootNode;
    }

    [Fact]
    public void YamlJson_PlainScalars_AreTypedAndQuotedOnesAreStrings()
    {
        var json = System.Text.Encoding.UTF8.GetString(YamlJson.ToJsonBytes(Yaml("{a: 1, b: 1.50, c: true, d: null, e: '2', f: x y, g: [1, '1'], h: ~, i: 10.0.0.1}")));

        Assert.Equal("{\"a\":1,\"b\":1.50,\"c\":true,\"d\":null,\"e\":\"2\",\"f\":\"x y\",\"g\":[1,\"1\"],\"h\":null,\"i\":\"10.0.0.1\"}", json);
    }

    [Fact]
    public void JsonEquals_NumbersByValueAndObjectsInAnyKeyOrder()
    {
        Assert.True(RecordMatcher.JsonEquals(Json("{\"a\":1.50,\"b\":[1,2]}"), Json("{\"b\":[1,2.0],\"a\":1.5}")));
        Assert.False(RecordMatcher.JsonEquals(Json("{\"a\":1}"), Json("{\"a\":\"1\"}")));
        Assert.False(RecordMatcher.JsonEquals(Json("{\"a\":1}"), Json("{\"a\":1,\"b\":2}")));
    }

    [Fact]
    public void EventMatches_ScalarIsSeqWhenPresentElseId()
    {
        Assert.True(RecordMatcher.EventMatches(Json("7"), Json("{\"seq\":7,\"id\":1}")));
        Assert.False(RecordMatcher.EventMatches(Json("1"), Json("{\"seq\":7,\"id\":1}")));
        Assert.True(RecordMatcher.EventMatches(Json("\"a1\""), Json("{\"id\":\"a1\"}")));
    }

    [Fact]
    public void Compare_IsAMultisetMatch()
    {
        var expected = new[]
        {
            new ExpectedRecord("r", "match", null, Json("\"k\""), null, [new("s", [Json("1")])], null, null, 1),
            new ExpectedRecord("r", "match", null, null, null, [new("s", [Json("1")])], null, null, 2),
        };
        var record = Json("{\"rule\":\"r\",\"type\":\"match\",\"key\":\"k\",\"events\":{\"s\":[{\"id\":1}]}}");
        var other = Json("{\"rule\":\"r\",\"type\":\"match\",\"key\":\"k\",\"events\":{\"s\":[{\"id\":2}]}}");

        var (missing, unexpected) = RecordMatcher.Compare(expected, [record, other]);

        Assert.Equal(2, Assert.Single(missing).Line);
        Assert.Equal(other.GetRawText(), Assert.Single(unexpected).GetRawText());
    }

    [Fact]
    public void Matches_StepsWithEventsMustBeExactlyTheExpectedOnes()
    {
        var expected = new ExpectedRecord("r", "timeout", "out", null, 10, [new("a", [Json("1")])], null, null, 1);

        Assert.True(RecordMatcher.Matches(expected, Json("{\"rule\":\"r\",\"type\":\"timeout\",\"output\":\"out\",\"time\":10,\"events\":{\"a\":[{\"id\":1}]}}")));
        Assert.False(RecordMatcher.Matches(expected, Json("{\"rule\":\"r\",\"type\":\"timeout\",\"output\":\"out\",\"time\":10,\"events\":{\"a\":[{\"id\":1}],\"b\":[{\"id\":2}]}}")));
        Assert.False(RecordMatcher.Matches(expected, Json("{\"rule\":\"r\",\"type\":\"timeout\",\"output\":\"other\",\"time\":10,\"events\":{\"a\":[{\"id\":1}]}}")));
        Assert.False(RecordMatcher.Matches(expected, Json("{\"rule\":\"r\",\"type\":\"timeout\",\"output\":\"out\",\"time\":11,\"events\":{\"a\":[{\"id\":1}]}}")));
    }
}
