using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Cep.Runner.Outputs;

namespace Cep.Runner.Engine;

/// <summary>
/// A rule's key in the runner's operators. Its identity is the key's canonical JSON text (what
/// <c>CompiledRule.KeyOf</c> returns and records print), but a key whose text is an integer within ±2^53 — the
/// text of every integral JSON number in that range — is held as that number: the common numeric key (an order
/// id) then costs no string per event, and hashing and comparing it is one <see cref="long"/>. Every other key
/// (strings, composites, fractions, <c>null</c>) is held as its text.
/// </summary>
/// <remarks>
/// The mapping is one to one: <see cref="FromCanonical"/> turns an integer text into the number form, and
/// <see cref="FromInteger"/> is only used for values whose canonical text is that integer, so two keys are equal
/// exactly when their canonical texts are, however each was obtained.
/// </remarks>
internal readonly struct RunKey : IEquatable<RunKey>
{
    /// <summary>2^53: integral doubles up to this magnitude print as integers (<c>JsonValue.ToJson</c>).</summary>
    internal const long MaxExactInteger = 9_007_199_254_740_992;

    private readonly string? _text;
    private readonly long _number;

    private RunKey(long number)
    {
        _number = number;
    }

    private RunKey(string text)
    {
        _text = text;
    }

    /// <summary>The key of an integral number within ±2^53 (its canonical text is the integer).</summary>
    public static RunKey FromInteger(long value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Math.Abs(value), MaxExactInteger);
        return new RunKey(value);
    }

    /// <summary>The key whose canonical JSON text is <paramref name="text"/>.</summary>
    public static RunKey FromCanonical(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length > 0 && (text[0] == '-' || char.IsAsciiDigit(text[0])) && TryParseInteger(text, out var number)
            ? new RunKey(number)
            : new RunKey(text);
    }

    /// <summary>The key whose canonical JSON text is these UTF-8 bytes (a checkpoint's key bytes).</summary>
    public static RunKey FromCanonicalUtf8(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > 0 && (utf8[0] == (byte)'-' || char.IsAsciiDigit((char)utf8[0]))
            && Utf8Parser.TryParse(utf8, out long number, out var consumed) && consumed == utf8.Length
            && Math.Abs(number) <= MaxExactInteger)
        {
            // Only the integer's own text maps to the number ("007", "-0" and "+1" stay text).
            Span<byte> canonical = stackalloc byte[24];
            if (Utf8Formatter.TryFormat(number, canonical, out var written) && canonical[..written].SequenceEqual(utf8))
            {
                return new RunKey(number);
            }
        }
        return new RunKey(Encoding.UTF8.GetString(utf8));
    }

    /// <summary>True when the key is held as a number (for tests).</summary>
    internal bool IsNumber => _text is null;

    /// <summary>Writes the key's canonical JSON text to a record.</summary>
    public void WriteTo(PendingBuffer buffer)
    {
        if (_text is null)
        {
            buffer.Write(_number);
        }
        else
        {
            buffer.WriteUtf8(_text);
        }
    }

    /// <summary>Writes the key's canonical JSON text as UTF-8 (<paramref name="destination"/> holds at least <see cref="MaxUtf8Length"/> bytes); returns its length.</summary>
    public int WriteUtf8(Span<byte> destination)
    {
        if (_text is null)
        {
            return Utf8Formatter.TryFormat(_number, destination, out var written) ? written : throw new ArgumentException("too small for the key", nameof(destination));
        }
        return Encoding.UTF8.GetBytes(_text, destination);
    }

    /// <summary>The most UTF-8 bytes <see cref="WriteUtf8"/> may need.</summary>
    public int MaxUtf8Length => _text is null ? 20 : Encoding.UTF8.GetMaxByteCount(_text.Length);

    public bool Equals(RunKey other) =>
        _number == other._number && (ReferenceEquals(_text, other._text) || string.Equals(_text, other._text, StringComparison.Ordinal));

    public override bool Equals(object? obj) => obj is RunKey other && Equals(other);

    public override int GetHashCode() => _text is null ? unchecked((int)_number ^ (int)(_number >> 32)) : StringComparer.Ordinal.GetHashCode(_text);

    public static bool operator ==(RunKey left, RunKey right) => left.Equals(right);

    public static bool operator !=(RunKey left, RunKey right) => !left.Equals(right);

    /// <summary>The key's canonical JSON text.</summary>
    public override string ToString() => _text ?? _number.ToString(CultureInfo.InvariantCulture);

    private static bool TryParseInteger(string text, out long number) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number)
        && Math.Abs(number) <= MaxExactInteger
        && string.Equals(number.ToString(CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
}
