using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cep.Rules.Events;

/// <summary>
/// Reads CSV rows (RFC 4180 quoting, one row per line) into events. Each row becomes a JSON object with
/// the header's names as keys, in header order; that object is the event's <see cref="JsonEvent.Raw"/>.
/// A cell is a number when it is written as a JSON number, a boolean when it is exactly <c>true</c> or
/// <c>false</c>, and a string otherwise (an empty cell is the empty string); quoting does not change this.
/// One instance per input: it reuses its buffers, so it is not thread-safe.
/// </summary>
public sealed class CsvEventParser
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Raw keeps the text as it was written; only what JSON requires is escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string[] _columns;
    private readonly string _stream;
    private readonly List<(int Start, int Length, bool Quoted)> _cells = [];
    private readonly StringBuilder _unquoted = new();
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    /// <summary>Reads the header row. Throws <see cref="FormatException"/> when it is malformed.</summary>
    public CsvEventParser(string headerLine, string stream)
    {
        ArgumentNullException.ThrowIfNull(headerLine);
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        var header = TrimLineEnd(headerLine);
        if (header.StartsWith('\uFEFF'))
        {
            header = header[1..];
        }
        if (header.Trim().Length == 0)
        {
            throw new FormatException("The CSV header row is empty.");
        }
        if (!TrySplit(header, out var cellError))
        {
            throw new FormatException("Invalid CSV header: " + cellError);
        }
        _columns = new string[_cells.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < _cells.Count; i++)
        {
            var name = CellText(header, i);
            if (name.Length == 0)
            {
                throw new FormatException($"Invalid CSV header: column {i + 1} has no name.");
            }
            if (!seen.Add(name))
            {
                throw new FormatException($"Invalid CSV header: column name '{name}' appears twice.");
            }
            _columns[i] = name;
        }
    }

    /// <summary>The column names, in header order.</summary>
    public IReadOnlyList<string> Columns => _columns;

    public bool TryParse(
        ReadOnlySpan<byte> utf8Line,
        long lineNumber,
        FieldTable fields,
        [NotNullWhen(true)] out JsonEvent? evt,
        [NotNullWhen(false)] out string? error) =>
        TryParse(utf8Line, lineNumber, fields, [], out evt, out error);

    /// <summary>Parses a row; the values of the field table's dispatch slots go to <paramref name="dispatch"/> (see <see cref="JsonEventParser"/>).</summary>
    public bool TryParse(
        ReadOnlySpan<byte> utf8Line,
        long lineNumber,
        FieldTable fields,
        Span<JsonValue> dispatch,
        [NotNullWhen(true)] out JsonEvent? evt,
        [NotNullWhen(false)] out string? error)
    {
        string line;
        try
        {
            line = StrictUtf8.GetString(utf8Line);
        }
        catch (DecoderFallbackException)
        {
            evt = null;
            error = "the line is not valid UTF-8";
            return false;
        }
        return TryParse(line, lineNumber, fields, dispatch, out evt, out error);
    }

    public bool TryParse(
        string line,
        long lineNumber,
        FieldTable fields,
        [NotNullWhen(true)] out JsonEvent? evt,
        [NotNullWhen(false)] out string? error) =>
        TryParse(line, lineNumber, fields, [], out evt, out error);

    private bool TryParse(
        string line,
        long lineNumber,
        FieldTable fields,
        Span<JsonValue> dispatch,
        [NotNullWhen(true)] out JsonEvent? evt,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(fields);
        evt = null;
        line = TrimLineEnd(line);
        if (line.Length == 0)
        {
            error = "empty line: expected a CSV row";
            return false;
        }
        if (!TrySplit(line, out error))
        {
            return false;
        }
        if (_cells.Count != _columns.Length)
        {
            error = $"the row has {_cells.Count} cell{(_cells.Count == 1 ? "" : "s")} but the header has {_columns.Length}";
            return false;
        }
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer, WriterOptions);
        writer.WriteStartObject();
        for (var i = 0; i < _columns.Length; i++)
        {
            writer.WritePropertyName(_columns[i]);
            var cell = CellText(line, i);
            if (IsJsonNumber(cell))
            {
                writer.WriteRawValue(cell, skipInputValidation: true);
            }
            else if (cell is "true")
            {
                writer.WriteBooleanValue(true);
            }
            else if (cell is "false")
            {
                writer.WriteBooleanValue(false);
            }
            else
            {
                writer.WriteStringValue(cell);
            }
        }
        writer.WriteEndObject();
        writer.Flush();
        return JsonEventParser.TryParse(_buffer.WrittenMemory, _stream, lineNumber, fields, dispatch, out evt, out error);
    }

    private static string TrimLineEnd(string line) => line.TrimEnd('\r', '\n');

    /// <summary>Splits a row into <see cref="_cells"/>; quoted cells keep their quotes for <see cref="CellText"/>.</summary>
    private bool TrySplit(string line, [NotNullWhen(false)] out string? error)
    {
        _cells.Clear();
        var i = 0;
        while (true)
        {
            var start = i;
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        error = $"column {start + 1}: a quoted cell is not closed (cells spanning lines are not supported)";
                        return false;
                    }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    i++;
                }
                if (i < line.Length && line[i] != ',')
                {
                    error = $"column {i + 1}: unexpected character after a quoted cell";
                    return false;
                }
                _cells.Add((start, i - start, true));
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                {
                    if (line[i] == '"')
                    {
                        error = $"column {i + 1}: a quote inside an unquoted cell (quote the whole cell and double the quote)";
                        return false;
                    }
                    i++;
                }
                _cells.Add((start, i - start, false));
            }
            if (i >= line.Length)
            {
                error = null;
                return true;
            }
            i++; // the comma
        }
    }

    private string CellText(string line, int index)
    {
        var (start, length, quoted) = _cells[index];
        if (!quoted)
        {
            return line.Substring(start, length);
        }
        var inner = line.AsSpan(start + 1, length - 2);
        if (!inner.Contains('"'))
        {
            return inner.ToString();
        }
        _unquoted.Clear();
        for (var i = 0; i < inner.Length; i++)
        {
            _unquoted.Append(inner[i]);
            if (inner[i] == '"')
            {
                i++; // a doubled quote stands for one
            }
        }
        return _unquoted.ToString();
    }

    /// <summary>The JSON number grammar: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
    internal static bool IsJsonNumber(ReadOnlySpan<char> s)
    {
        var i = 0;
        if (i < s.Length && s[i] == '-')
        {
            i++;
        }
        if (i >= s.Length || !char.IsAsciiDigit(s[i]))
        {
            return false;
        }
        if (s[i] == '0')
        {
            i++;
        }
        else
        {
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }
        }
        if (i < s.Length && s[i] == '.')
        {
            i++;
            if (i >= s.Length || !char.IsAsciiDigit(s[i]))
            {
                return false;
            }
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }
        }
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < s.Length && (s[i] == '+' || s[i] == '-'))
            {
                i++;
            }
            if (i >= s.Length || !char.IsAsciiDigit(s[i]))
            {
                return false;
            }
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }
        }
        return i == s.Length;
    }
}
