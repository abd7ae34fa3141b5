using System.Globalization;

namespace Cep.Rules.Model;

/// <summary>Durations as rule files write them: a whole number and a unit, <c>250ms</c>, <c>5s</c>, <c>10m</c>, <c>2h</c>, <c>1d</c>.</summary>
public static class Durations
{
    /// <summary>
    /// Parses <paramref name="text"/> into milliseconds. Only one number and one unit: no fractions,
    /// no signs, no spaces, no compound forms (<c>1m30s</c> is <c>90s</c>), no unit-less numbers.
    /// </summary>
    public static bool TryParse(string text, out long milliseconds, out string? error)
    {
        milliseconds = 0;
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }
        var unit = text[digits..];
        long scale = unit switch
        {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => 0,
        };
        if (digits == 0 || scale == 0)
        {
            error = digits > 0 && unit.Length == 0
                ? $"'{text}' has no unit; write it as {text}ms, {text}s, {text}m, {text}h or {text}d"
                : $"'{text}' is not a duration; write a whole number and a unit: 250ms, 5s, 10m, 2h, 1d";
            return false;
        }
        if (!long.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value > long.MaxValue / scale)
        {
            error = $"'{text}' is too long a duration";
            return false;
        }
        milliseconds = value * scale;
        error = null;
        return true;
    }

    /// <summary>The shortest exact text for <paramref name="milliseconds"/> (<c>90000</c> → <c>90s</c>), for messages and explain.</summary>
    public static string Format(long milliseconds)
    {
        if (milliseconds != 0)
        {
            foreach (var (scale, unit) in Units)
            {
                if (milliseconds % scale == 0)
                {
                    return $"{milliseconds / scale}{unit}";
                }
            }
        }
        return $"{milliseconds}ms";
    }

    private static readonly (long Scale, string Unit)[] Units =
        [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s"), (1, "ms")];
}
