using System.Text;

namespace Cep.Runner.Outputs;

/// <summary>
/// Bad input lines: counted, reported on standard error as <c>SOURCE:LINE: warning: REASON</c> (the first
/// <see cref="WarningsPerInput"/> of each input, then one summary line per input at the end), and written to
/// <c>--dead-letter</c> as <c>{"source","line","reason","text"}</c> when given. Never stops a run.
/// </summary>
internal sealed class DeadLetters : IDisposable
{
    public const int WarningsPerInput = 10;

    private readonly TextWriter _error;
    private readonly RecordOutput? _file;
    private readonly Dictionary<string, long> _byInput = new(StringComparer.Ordinal);

    public DeadLetters(TextWriter error, RecordOutput? file)
    {
        _error = error;
        _file = file;
    }

    public long Count { get; private set; }

    /// <summary>The dead-letter file, if any (for checkpoints).</summary>
    public RecordOutput? File => _file;

    /// <summary>Reports one bad line. <paramref name="input"/> groups warnings for rate limiting; <paramref name="source"/> names the line's origin.</summary>
    public void Report(string input, string source, long line, string reason, ReadOnlySpan<byte> text)
    {
        Count++;
        _byInput.TryGetValue(input, out var seen);
        _byInput[input] = seen + 1;
        if (seen < WarningsPerInput)
        {
            _error.WriteLine($"{source}:{line}: warning: {reason}");
        }
        if (_file is null)
        {
            return;
        }
        var w = _file.BeginRecord();
        w.WriteStartObject();
        w.WriteString("source", source);
        w.WriteNumber("line", line);
        w.WriteString("reason", reason);
        // Invalid UTF-8 is replaced rather than rejected: the dead letter must be writable whatever came in.
        w.WriteString("text", Encoding.UTF8.GetString(text));
        w.WriteEndObject();
        _file.EndRecord();
    }

    /// <summary>Writes the summary of warnings that were not shown.</summary>
    public void WriteSummary()
    {
        foreach (var (input, count) in _byInput)
        {
            if (count > WarningsPerInput)
            {
                _error.WriteLine($"{input}: warning: {count - WarningsPerInput} more bad lines not shown ({count} in all)");
            }
        }
    }

    public void Flush() => _file?.Flush();

    public void Dispose() => _file?.Dispose();
}
