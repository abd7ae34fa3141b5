using Cep.Rules.Diagnostics;

namespace Cep.Rules.Tests.Diagnostics;

public sealed class SuggestionsTests
{
    private static readonly string[] StepKeys = ["begin", "next", "followedBy", "followedByAny", "notNext", "notFollowedBy", "where", "within", "times", "timesOrMore"];

    [Theory]
    [InlineData("folowedBy", "followedBy")]
    [InlineData("followdBy", "followedBy")]
    [InlineData("FollowedBy", "followedBy")]
    [InlineData("wehre", "where")]
    [InlineData("tiems", "times")]
    [InlineData("nxet", "next")]
    [InlineData("notFolowedBy", "notFollowedBy")]
    [InlineData("timesOrMor", "timesOrMore")]
    public void Closest_Misspelling_FindsTheName(string input, string expected) =>
        Assert.Equal(expected, Suggestions.Closest(input, StepKeys));

    [Theory]
    [InlineData("xyzzy")]
    [InlineData("description")]
    public void Closest_NothingClose_GivesNull(string input) =>
        Assert.Null(Suggestions.Closest(input, StepKeys));

    [Theory]
    [InlineData("abc", "abc", 0)]
    [InlineData("abc", "acb", 1)]
    [InlineData("abc", "ABC", 0)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("ca", "abc", 3)]
    public void Distance_Pairs_AreOptimalStringAlignment(string a, string b, int expected) =>
        Assert.Equal(expected, Suggestions.Distance(a, b));

    [Fact]
    public void DidYouMean_Truncated_SuggestsTheFullName() =>
        Assert.Equal("; did you mean 'skipPastLastEvent'?",
            Suggestions.DidYouMean("skipPastLast", ["noSkip", "skipToNext", "skipPastLastEvent", "skipToFirst", "skipToLast"]));
}
