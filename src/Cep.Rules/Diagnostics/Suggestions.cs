namespace Cep.Rules.Diagnostics;

/// <summary>Did-you-mean: the closest of the names a place takes, by Damerau-Levenshtein distance.</summary>
internal static class Suggestions
{
    /// <summary>The candidate closest to <paramref name="input"/>, or null when none is close enough to help.</summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var limit = Math.Max(2, input.Length / 3);
        foreach (var candidate in candidates)
        {
            var distance = Distance(input, candidate);
            if (input.Length >= 4 && candidate.StartsWith(input, StringComparison.OrdinalIgnoreCase))
            {
                // A truncated name (skipPastLast) is far by edits but obviously meant.
                distance = Math.Min(distance, 1);
            }
            if (distance <= limit && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>" Did you mean 'x'?" or "", to append to a message.</summary>
    public static string DidYouMean(string input, IEnumerable<string> candidates)
    {
        var closest = Closest(input, candidates);
        return closest is null ? "" : $"; did you mean '{closest}'?";
    }

    /// <summary>Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions), ignoring case.</summary>
    public static int Distance(string a, string b)
    {
        var rows = a.Length + 1;
        var cols = b.Length + 1;
        var d = new int[rows, cols];
        for (var i = 0; i < rows; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j < cols; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i < rows; i++)
        {
            for (var j = 1; j < cols; j++)
            {
                var cost = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                var value = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1
                    && char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 2])
                    && char.ToUpperInvariant(a[i - 2]) == char.ToUpperInvariant(b[j - 1]))
                {
                    value = Math.Min(value, d[i - 2, j - 2] + 1);
                }
                d[i, j] = value;
            }
        }
        return d[rows - 1, cols - 1];
    }
}
