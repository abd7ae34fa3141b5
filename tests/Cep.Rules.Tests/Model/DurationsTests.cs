using Cep.Rules.Model;

namespace Cep.Rules.Tests.Model;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5_000)]
    [InlineData("10m", 600_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("0s", 0)]
    [InlineData("90s", 90_000)]
    public void TryParse_ValidDuration_GivesMilliseconds(string text, long expected)
    {
        Assert.True(Durations.TryParse(text, out var ms, out var error), error);
        Assert.Equal(expected, ms);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("s")]
    [InlineData("5 s")]
    [InlineData("1.5s")]
    [InlineData("-1s")]
    [InlineData("+1s")]
    [InlineData("5S")]
    [InlineData("1m30s")]
    [InlineData("5sec")]
    [InlineData("PT5S")]
    [InlineData("99999999999999999999ms")]
    [InlineData("9999999999999999d")]
    public void TryParse_InvalidDuration_Fails(string text)
    {
        Assert.False(Durations.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void TryParse_NumberWithoutUnit_SuggestsUnits()
    {
        Assert.False(Durations.TryParse("15", out _, out var error));

        Assert.Contains("15ms, 15s, 15m, 15h or 15d", error);
    }

    [Theory]
    [InlineData(900_000, "15m")]
    [InlineData(90_000, "90s")]
    [InlineData(250, "250ms")]
    [InlineData(86_400_000, "1d")]
    [InlineData(0, "0ms")]
    public void Format_Milliseconds_GivesShortestExactText(long ms, string expected) =>
        Assert.Equal(expected, Durations.Format(ms));
}
