using System.Reactive;
using static Cep.Testing.ReactiveTest;

namespace Cep.Testing.Tests;

public sealed class ReactiveAssertTests
{
    [Fact]
    public void AssertEqual_SameMessages_Passes()
    {
        IEnumerable<Recorded<Notification<int>>> actual = [OnNext(210, 1), OnNext(220, 2), OnCompleted<int>(230)];

        actual.AssertEqual(OnNext(210, 1), OnNext(220, 2), OnCompleted<int>(230));
        actual.AssertEqual(new List<Recorded<Notification<int>>> { OnNext(210, 1), OnNext(220, 2), OnCompleted<int>(230) });
        ReactiveAssert.AreElementsEqual([OnNext(210, 1), OnNext(220, 2), OnCompleted<int>(230)], actual);
    }

    [Fact]
    public void AssertEqual_BothEmpty_Passes()
    {
        Array.Empty<Subscription>().AssertEqual();
    }

    [Fact]
    public void AssertEqual_DifferentTime_ThrowsWithMarkedRow()
    {
        Recorded<Notification<int>>[] actual = [OnNext(210, 1), OnNext(230, 2), OnCompleted<int>(250)];

        var error = Assert.Throws<ReactiveAssertException>(() =>
            actual.AssertEqual(OnNext(210, 1), OnNext(220, 2), OnCompleted<int>(250)));

        var lines = error.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToArray();
        Assert.Equal("Sequences differ at index 1: expected 3 element(s), actual 3.", lines[0]);
        Assert.Equal("       Expected           Actual", lines[1]);
        Assert.Equal("    0  OnNext(1)@210      OnNext(1)@210", lines[2]);
        Assert.Equal("  * 1  OnNext(2)@220      OnNext(2)@230", lines[3]);
        Assert.Equal("    2  OnCompleted()@250  OnCompleted()@250", lines[4]);
        Assert.Equal(5, lines.Length);
    }

    [Fact]
    public void AssertEqual_ActualLonger_ShowsMissingExpectedRows()
    {
        Recorded<Notification<int>>[] actual = [OnNext(210, 1), OnNext(220, 2), OnCompleted<int>(230)];

        var error = Assert.Throws<ReactiveAssertException>(() => actual.AssertEqual(OnNext(210, 1)));

        Assert.StartsWith("Sequences differ at index 1: expected 1 element(s), actual 3.", error.Message, StringComparison.Ordinal);
        Assert.Contains("  * 1  (missing)      OnNext(2)@220", error.Message, StringComparison.Ordinal);
        Assert.Contains("  * 2  (missing)      OnCompleted()@230", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AssertEqual_ActualShorter_ShowsMissingActualRows()
    {
        Subscription[] actual = [Subscribe(200, 300)];

        var error = Assert.Throws<ReactiveAssertException>(() => actual.AssertEqual(Subscribe(200, 300), Subscribe(400)));

        Assert.StartsWith("Sequences differ at index 1: expected 2 element(s), actual 1.", error.Message, StringComparison.Ordinal);
        Assert.Contains("  * 1  (400, Infinite)  (missing)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AssertEqual_DifferentKind_Throws()
    {
        Recorded<Notification<int>>[] actual = [OnCompleted<int>(250)];

        var error = Assert.Throws<ReactiveAssertException>(() =>
            actual.AssertEqual(OnError<int>(250, new InvalidOperationException())));

        Assert.Contains("OnError(System.InvalidOperationException)@250", error.Message, StringComparison.Ordinal);
        Assert.Contains("OnCompleted()@250", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AssertEqual_OnNextPredicate_MatchesByPredicateAndTime()
    {
        Recorded<Notification<string>>[] actual = [OnNext(210, "apple"), OnNext(220, "banana")];

        actual.AssertEqual(OnNext<string>(210, s => s.StartsWith('a')), OnNext(220, "banana"));
        Assert.Throws<ReactiveAssertException>(() =>
            actual.AssertEqual(OnNext<string>(210, s => s.StartsWith('b')), OnNext(220, "banana")));
        Assert.Throws<ReactiveAssertException>(() =>
            actual.AssertEqual(OnNext<string>(211, s => s.StartsWith('a')), OnNext(220, "banana")));
    }

    [Fact]
    public void AssertEqual_OnNextPredicateAgainstCompletion_FailsWithoutThrowingInside()
    {
        Recorded<Notification<int>>[] actual = [OnCompleted<int>(210)];

        var error = Assert.Throws<ReactiveAssertException>(() => actual.AssertEqual(OnNext<int>(210, _ => true)));

        Assert.Contains("  * 0  OnNext(<predicate>)@210  OnCompleted()@210", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AssertEqual_OnErrorPredicate_MatchesByException()
    {
        Recorded<Notification<int>>[] actual = [OnError<int>(300, new TimeoutException("late"))];

        actual.AssertEqual(OnError<int>(300, e => e is TimeoutException { Message: "late" }));
        Assert.Throws<ReactiveAssertException>(() => actual.AssertEqual(OnError<int>(300, e => e is ArgumentException)));
    }

    [Fact]
    public void AssertEqual_PredicateOnActualSide_ThrowsExplainingWhereItBelongs()
    {
        // Predicates are expectations: comparison is expected.Equals(actual), so one among the actual messages is a test bug.
        Recorded<Notification<int>>[] actual = [OnNext<int>(210, _ => true)];

        var error = Assert.Throws<InvalidOperationException>(() => actual.AssertEqual(OnNext(210, 1)));

        Assert.Contains("expected side", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AssertEqual_LongSequences_ShowsWindowAroundFirstDifference()
    {
        var actual = Enumerable.Range(0, 100).Select(i => OnNext(i * 10L, i)).ToArray();
        var expected = actual.ToArray();
        expected[50] = OnNext(500, -1);

        var error = Assert.Throws<ReactiveAssertException>(() => actual.AssertEqual(expected));

        Assert.StartsWith("Sequences differ at index 50: expected 100 element(s), actual 100.", error.Message, StringComparison.Ordinal);
        Assert.Contains("(45 equal row(s) not shown)", error.Message, StringComparison.Ordinal);
        Assert.Contains("  * 50  OnNext(-1)@500", error.Message, StringComparison.Ordinal);
        Assert.Contains("(15 more row(s) not shown)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("OnNext(44)@440", error.Message, StringComparison.Ordinal);
        Assert.Contains("OnNext(45)@450", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AssertEqual_MultilineValue_StaysOnOneRow()
    {
        string[] actual = ["a\nb"];

        var error = Assert.Throws<ReactiveAssertException>(() => actual.AssertEqual("a\nc"));

        Assert.Contains("  * 0  a c       a b", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AssertEqual_WideValues_PrintsExpectedAndActualOnSeparateLines()
    {
        var wide = new string('x', 60);
        string[] actual = ["short", wide + "1"];

        var error = Assert.Throws<ReactiveAssertException>(() => actual.AssertEqual("short", wide + "2"));

        var lines = error.Message.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "Sequences differ at index 1: expected 2 element(s), actual 2.",
                "    0  expected: short",
                "       actual:   short",
                "  * 1  expected: " + wide + "2",
                "       actual:   " + wide + "1",
            ],
            lines);
    }

    [Fact]
    public void AssertEqual_VeryLongValue_CutsTheMiddleAndKeepsTheTime()
    {
        Recorded<Notification<string>>[] actual = [OnNext(210, new string('y', 1000))];

        var error = Assert.Throws<ReactiveAssertException>(() => actual.AssertEqual(OnNext(211, new string('y', 1000))));

        Assert.Contains("...", error.Message, StringComparison.Ordinal);
        Assert.Contains("y)@210", error.Message, StringComparison.Ordinal);
        Assert.Contains("y)@211", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 1200, error.Message);
    }

    [Fact]
    public void AssertEqual_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => ((IEnumerable<int>)null!).AssertEqual(1));
        Assert.Throws<ArgumentNullException>(() => new[] { 1 }.AssertEqual((IEnumerable<int>)null!));
    }
}
