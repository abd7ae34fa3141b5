using System.Globalization;
using System.Text;

namespace Cep.Testing;

/// <summary>
/// Sequence assertions for recorded notifications (<c>observer.Messages</c>) and subscriptions
/// (<c>xs.Subscriptions</c>), in Rx's idiom: <c>results.Messages.AssertEqual(OnNext(210, 1), OnCompleted&lt;int&gt;(250))</c>.
/// </summary>
/// <remarks>
/// Elements are compared position by position with <c>EqualityComparer&lt;T&gt;.Default.Equals(expected, actual)</c>,
/// so predicate expectations (<see cref="ReactiveTest.OnNext{T}(long, Func{T, bool})"/>) belong on the expected side.
/// Differences from Microsoft.Reactive.Testing: failures throw <see cref="ReactiveAssertException"/> (no xunit
/// reference) whose message is a table of expected against actual with the differing rows marked, instead of two
/// one-line lists (side by side for short values, one line per side for long ones); the <c>Throws</c> helpers are left out because every test framework has its own.
/// </remarks>
public static class ReactiveAssert
{
    // Long sequences print a window around the first difference; the rows beyond it add nothing but noise.
    private const int RowsBeforeFirstDifference = 5;
    private const int MaxRows = 40;
    private const int MaxColumnWidth = 50;
    private const int MaxCellWidth = 400;

    /// <summary>Asserts that <paramref name="actual"/> has the same length and the same elements as <paramref name="expected"/>.</summary>
    /// <exception cref="ReactiveAssertException">The sequences differ; the message shows where.</exception>
    public static void AreElementsEqual<T>(IEnumerable<T> expected, IEnumerable<T> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var expectedItems = expected as IReadOnlyList<T> ?? [.. expected];
        var actualItems = actual as IReadOnlyList<T> ?? [.. actual];

        var firstDifference = FirstDifference(expectedItems, actualItems);
        if (firstDifference >= 0)
        {
            throw new ReactiveAssertException(Describe(expectedItems, actualItems, firstDifference));
        }
    }

    /// <summary>Asserts that <paramref name="actual"/> equals <paramref name="expected"/>, element by element.</summary>
    /// <exception cref="ReactiveAssertException">The sequences differ; the message shows where.</exception>
    public static void AssertEqual<T>(this IEnumerable<T> actual, IEnumerable<T> expected) =>
        AreElementsEqual(expected, actual);

    /// <summary>Asserts that <paramref name="actual"/> consists of exactly <paramref name="expected"/>, in order.</summary>
    /// <exception cref="ReactiveAssertException">The sequences differ; the message shows where.</exception>
    public static void AssertEqual<T>(this IEnumerable<T> actual, params T[] expected) =>
        AreElementsEqual(expected, actual);

    private static int FirstDifference<T>(IReadOnlyList<T> expected, IReadOnlyList<T> actual)
    {
        var comparer = EqualityComparer<T>.Default;
        var common = Math.Min(expected.Count, actual.Count);
        for (var i = 0; i < common; i++)
        {
            if (!comparer.Equals(expected[i], actual[i]))
            {
                return i;
            }
        }
        return expected.Count == actual.Count ? -1 : common;
    }

    private static string Describe<T>(IReadOnlyList<T> expected, IReadOnlyList<T> actual, int firstDifference)
    {
        var comparer = EqualityComparer<T>.Default;
        var rows = Math.Max(expected.Count, actual.Count);
        var start = Math.Max(0, firstDifference - RowsBeforeFirstDifference);
        var end = Math.Min(rows, start + MaxRows);

        var expectedCells = new string[end - start];
        var actualCells = new string[end - start];
        var width = "Expected".Length;
        var widest = 0;
        for (var i = start; i < end; i++)
        {
            expectedCells[i - start] = i < expected.Count ? Cell(expected[i]) : "(missing)";
            actualCells[i - start] = i < actual.Count ? Cell(actual[i]) : "(missing)";
            width = Math.Max(width, expectedCells[i - start].Length);
            widest = Math.Max(widest, Math.Max(width, actualCells[i - start].Length));
        }
        var indexWidth = Math.Max(1, (rows - 1).ToString(CultureInfo.InvariantCulture).Length);
        // Side by side reads best for notifications of simple values; records with many fields would push the
        // actual column off screen, so those get one line for each side instead.
        var stacked = widest > MaxColumnWidth;

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"Sequences differ at index {firstDifference}: expected {expected.Count} element(s), actual {actual.Count}.");
        text.AppendLine();
        if (!stacked)
        {
            text.Append("    ").Append(' ', indexWidth).Append("  ").Append("Expected".PadRight(width)).Append("  Actual").AppendLine();
        }
        if (start > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"    ({start} equal row(s) not shown)").AppendLine();
        }
        for (var i = start; i < end; i++)
        {
            var same = i < expected.Count && i < actual.Count && comparer.Equals(expected[i], actual[i]);
            text.Append(same ? "    " : "  * ")
                .Append(i.ToString(CultureInfo.InvariantCulture).PadLeft(indexWidth))
                .Append("  ");
            if (stacked)
            {
                text.Append("expected: ").Append(expectedCells[i - start]).AppendLine();
                text.Append(' ', 4 + indexWidth + 2).Append("actual:   ").Append(actualCells[i - start]).AppendLine();
            }
            else
            {
                text.Append(expectedCells[i - start].PadRight(width)).Append("  ").Append(actualCells[i - start]).AppendLine();
            }
        }
        if (end < rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"    ({rows - end} more row(s) not shown)").AppendLine();
        }
        return text.ToString();
    }

    private static string Cell<T>(T value)
    {
        var text = value?.ToString() ?? "null";
        // One row per element keeps the columns aligned even for values that print several lines.
        text = text.ReplaceLineEndings(" ");
        if (text.Length <= MaxCellWidth)
        {
            return text;
        }
        // Cut from the middle: the end of a Recorded<T> is its time, which is usually what differs.
        var tail = MaxCellWidth / 3;
        return string.Concat(text.AsSpan(0, MaxCellWidth - tail - 3), "...", text.AsSpan(text.Length - tail));
    }
}
