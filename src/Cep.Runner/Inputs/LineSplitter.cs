using System.Buffers;

namespace Cep.Runner.Inputs;

/// <summary>What <see cref="LineSplitter"/> found next.</summary>
internal enum LineStatus
{
    /// <summary>A complete line; <see cref="LineSplitter.Line"/> holds its bytes without the line ending.</summary>
    Line,

    /// <summary>A line longer than the limit; its bytes were skipped, <see cref="LineSplitter.Line"/> holds a prefix.</summary>
    Oversize,

    /// <summary>The stream ended.</summary>
    End,
}

/// <summary>
/// Splits a stream of UTF-8 bytes into lines without decoding them: one pooled buffer (64 KiB, grown up to
/// the line limit), no strings, no per-line allocation. A line's bytes are valid until the next call.
/// Tracks the line number and the byte offset just past the last line returned, which is what a checkpoint
/// stores to resume a file input.
/// </summary>
internal sealed class LineSplitter : IDisposable
{
    internal const int DefaultBufferSize = 64 * 1024;
    private const int OversizePrefixBytes = 256;

    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _scanned;
    private bool _eof;
    private bool _atStart = true;
    private long _bufferOrigin;
    private bool _discarding;
    private byte[] _oversizePrefix = [];

    /// <param name="startOffset">Where <paramref name="stream"/> is positioned (resuming a file): offsets count from the file's start.</param>
    /// <param name="startLine">Lines before <paramref name="startOffset"/>, so line numbers go on where they stopped.</param>
    public LineSplitter(Stream stream, int maxLineBytes, long startOffset = 0, long startLine = 0)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        _buffer = ArrayPool<byte>.Shared.Rent(DefaultBufferSize);
        _bufferOrigin = startOffset;
        Offset = startOffset;
        LineNumber = startLine;
        _atStart = startOffset == 0;
    }

    /// <summary>1-based number of the line last returned (counting empty lines).</summary>
    public long LineNumber { get; private set; }

    /// <summary>Byte offset in the stream just past the last line returned (including its line ending).</summary>
    public long Offset { get; private set; }

    /// <summary>The line last returned (for an oversize line, its first bytes).</summary>
    public ReadOnlyMemory<byte> Line { get; private set; }

    /// <summary>Reads the next line, blocking on the stream when the buffer holds no complete line.</summary>
    public LineStatus Next()
    {
        while (true)
        {
            if (TryTakeLine(out var status))
            {
                return status;
            }
            Fill(_stream.Read(FreeSpace()));
        }
    }

    /// <summary>
    /// Takes the next line if it is already buffered (or the stream has ended); false when getting it would need a
    /// read from the stream (<see cref="Next"/> or <see cref="NextAsync"/> then does it).
    /// </summary>
    public bool TryNextBuffered(out LineStatus status) => TryTakeLine(out status);

    /// <summary>Reads the next line, awaiting the stream when the buffer holds no complete line.</summary>
    public async ValueTask<LineStatus> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryTakeLine(out var status))
            {
                return status;
            }
            var free = FreeMemory();
            Fill(await _stream.ReadAsync(free, cancellationToken));
        }
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool TryTakeLine(out LineStatus status)
    {
        if (_discarding)
        {
            return TrySkipOversize(out status);
        }
        var newline = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
        if (newline >= 0)
        {
            var lineEnd = _scanned + newline;
            status = Emit(_start, lineEnd, lineEnd + 1);
            return true;
        }
        _scanned = _end;
        if (_end - _start > _maxLineBytes)
        {
            // Keep a prefix for the report and drop the rest of the line as it streams past.
            _oversizePrefix = _buffer.AsSpan(_start, Math.Min(OversizePrefixBytes, _end - _start)).ToArray();
            _discarding = true;
            return TrySkipOversize(out status);
        }
        if (_eof)
        {
            if (_start < _end)
            {
                status = Emit(_start, _end, _end);
                return true;
            }
            status = LineStatus.End;
            Line = ReadOnlyMemory<byte>.Empty;
            return true;
        }
        MakeRoom();
        status = default;
        return false;
    }

    private LineStatus Emit(int start, int end, int next)
    {
        var length = end - start;
        if (length > 0 && _buffer[end - 1] == (byte)'\r')
        {
            length--;
        }
        LineNumber++;
        _start = next;
        _scanned = next;
        Offset = _bufferOrigin + next;
        if (length > _maxLineBytes)
        {
            Line = _buffer.AsMemory(start, Math.Min(OversizePrefixBytes, length));
            return LineStatus.Oversize;
        }
        Line = _buffer.AsMemory(start, length);
        return LineStatus.Line;
    }

    private bool TrySkipOversize(out LineStatus status)
    {
        var newline = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
        if (newline < 0 && !_eof)
        {
            // Drop everything buffered: the line is already too long to keep.
            _bufferOrigin += _end;
            _start = _end = _scanned = 0;
            status = default;
            return false;
        }
        _start = newline >= 0 ? _scanned + newline + 1 : _end;
        _scanned = _start;
        _discarding = false;
        LineNumber++;
        Offset = _bufferOrigin + _start;
        Line = _oversizePrefix;
        status = LineStatus.Oversize;
        return true;
    }

    private void MakeRoom()
    {
        if (_start > 0)
        {
            var pending = _end - _start;
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
            _bufferOrigin += _start;
            _scanned -= _start;
            _start = 0;
            _end = pending;
        }
        if (_end == _buffer.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(checked(_buffer.Length * 2));
            Buffer.BlockCopy(_buffer, 0, grown, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = grown;
        }
    }

    private Span<byte> FreeSpace() => _buffer.AsSpan(_end);

    private Memory<byte> FreeMemory() => _buffer.AsMemory(_end);

    private void Fill(int read)
    {
        if (read == 0)
        {
            _eof = true;
            return;
        }
        if (_atStart)
        {
            _atStart = false;
            _end += read;
            // A UTF-8 byte order mark is not part of the first line; the offset still counts it.
            if (_end >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF)
            {
                _start = _scanned = 3;
            }
            return;
        }
        _end += read;
    }
}
