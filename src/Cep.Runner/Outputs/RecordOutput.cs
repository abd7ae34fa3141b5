using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cep.Runner.Outputs;

/// <summary>
/// A JSON Lines destination: records are composed into a pending buffer, with a <see cref="Utf8JsonWriter"/>
/// (<see cref="BeginRecord"/>) or as bytes that are already JSON (<see cref="BeginRawRecord"/>), and written to
/// the stream in large blocks. <see cref="Length"/> is the number of bytes of complete records
/// accepted so far; after <see cref="Commit"/> exactly that many bytes are in the file and on disk, which is
/// what a checkpoint stores (and truncates back to on resume).
/// </summary>
internal sealed class RecordOutput : IDisposable
{
    private const int FlushThreshold = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly PendingBuffer _pending = new(FlushThreshold * 2);
    // Made on the first record written through it: its encoder costs ~15 ms of CPU to build, and a run whose
    // records are all spliced as bytes never needs it.
    private Utf8JsonWriter? _writer;
    private IRecordBacklog? _backlog;
    private long _written;
    private long _records;

    private RecordOutput(string name, Stream stream, bool ownsStream, long initialLength)
    {
        Name = name;
        _stream = stream;
        _ownsStream = ownsStream;
        _written = initialLength;
    }

    /// <summary>
    /// The encoder records are written with; whatever is encoded ahead for them (names spliced into raw records) uses
    /// it too, so the bytes are those of writing the strings. Built on first use (~15 ms of CPU).
    /// </summary>
    public static JavaScriptEncoder Encoder => RecordWriter.Options.Encoder!;

    /// <summary>The path, or <c>stdout</c>.</summary>
    public string Name { get; }

    /// <summary>Bytes of complete records accepted (written or pending).</summary>
    public long Length
    {
        get
        {
            _backlog?.WriteBacklog();
            return _written + _pending.WrittenCount;
        }
    }

    /// <summary>Records written.</summary>
    public long Records
    {
        get
        {
            _backlog?.WriteBacklog();
            return _records;
        }
    }

    /// <summary>Records accepted for this output and others that are composed later: written first, whenever this output is used.</summary>
    internal void AttachBacklog(IRecordBacklog backlog) => _backlog = backlog;

    /// <summary>Opens (creates or truncates) a file; with <paramref name="keepLength"/>, keeps that many bytes and appends after them.</summary>
    public static RecordOutput OpenFile(string path, long? keepLength = null)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
        var stream = new FileStream(full, keepLength is null ? FileMode.Create : FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 0);
        if (keepLength is { } keep)
        {
            if (stream.Length < keep)
            {
                // Padding would invent bytes that were never written: the file was cut behind our back.
                var actual = stream.Length;
                stream.Dispose();
                throw new IOException($"{path} holds {actual} bytes, fewer than the {keep} a checkpoint committed; it was shortened since.");
            }
            stream.SetLength(keep);
            stream.Seek(keep, SeekOrigin.Begin);
        }
        return new RecordOutput(path, stream, ownsStream: true, keepLength ?? 0);
    }

    /// <summary>Writes to a stream the caller owns (standard output, a test's memory stream).</summary>
    public static RecordOutput ToStream(string name, Stream stream) => new(name, stream, ownsStream: false, 0);

    /// <summary>Starts a record; finish it with <see cref="EndRecord"/>.</summary>
    public Utf8JsonWriter BeginRecord()
    {
        _backlog?.WriteBacklog();
        if (_writer is null)
        {
            _writer = new Utf8JsonWriter(_pending, RecordWriter.Options);
        }
        else
        {
            _writer.Reset(_pending);
        }
        return _writer;
    }

    public void EndRecord()
    {
        _writer!.Flush();
        EndRawRecord();
    }

    /// <summary>
    /// Starts a record written as bytes (the caller guarantees they are one JSON object, without line ending);
    /// finish it with <see cref="EndRawRecord"/>. Cheaper than the JSON writer for records spliced together from
    /// pre-encoded names and events' raw bytes.
    /// </summary>
    public PendingBuffer BeginRawRecord()
    {
        _backlog?.WriteBacklog();
        return _pending;
    }

    public void EndRawRecord()
    {
        _pending.Write((byte)'\n');
        _records++;
        if (_pending.WrittenCount >= FlushThreshold)
        {
            WritePending();
        }
    }

    /// <summary>Hands pending records to the stream (and the stream's buffers to the OS).</summary>
    public void Flush()
    {
        _backlog?.WriteBacklog();
        WritePending();
        _stream.Flush();
    }

    /// <summary>Flush and, for files, fsync: after this, <see cref="Length"/> bytes are durable.</summary>
    public void Commit()
    {
        _backlog?.WriteBacklog();
        WritePending();
        if (_stream is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            _stream.Flush();
        }
    }

    public void Dispose()
    {
        try
        {
            Flush();
        }
        finally
        {
            _writer?.Dispose();
            if (_ownsStream)
            {
                _stream.Dispose();
            }
        }
    }

    /// <summary>The JSON writer's options, apart so that their encoder is built with the first writer, not the first output.</summary>
    private static class RecordWriter
    {
        public static readonly JsonWriterOptions Options = new()
        {
            // Records carry user text verbatim; escaping '<' or non-ASCII would only make them harder to read.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            SkipValidation = false,
        };
    }

    private void WritePending()
    {
        if (_pending.WrittenCount == 0)
        {
            return;
        }
        _stream.Write(_pending.WrittenSpan);
        _written += _pending.WrittenCount;
        _pending.Clear();
    }
}

/// <summary>
/// The pending bytes of a <see cref="RecordOutput"/>: a growable array with inlined appends, so a record built
/// from parts costs a bounds check and a copy per part.
/// </summary>
internal sealed class PendingBuffer : IBufferWriter<byte>
{
    private byte[] _buffer;
    private int _count;

    public PendingBuffer(int capacity) => _buffer = new byte[capacity];

    public int WrittenCount => _count;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _count);

    public void Clear() => _count = 0;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _buffer.Length - _count)
        {
            throw new InvalidOperationException("advanced past the end of the buffer");
        }
        _count += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_count);
    }

    public void Write(byte value)
    {
        if (_count == _buffer.Length)
        {
            Grow(1);
        }
        _buffer[_count++] = value;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _buffer.Length - _count)
        {
            Grow(bytes.Length);
        }
        bytes.CopyTo(_buffer.AsSpan(_count));
        _count += bytes.Length;
    }

    /// <summary>The number in invariant form, as <see cref="Utf8JsonWriter.WriteNumberValue(long)"/> writes it.</summary>
    public void Write(long value)
    {
        Ensure(20);
        // The invariant digits without a culture lookup: what Utf8JsonWriter itself calls.
        System.Buffers.Text.Utf8Formatter.TryFormat(value, _buffer.AsSpan(_count), out var written);
        _count += written;
    }

    /// <summary>Text already in JSON form (a key's canonical JSON), as UTF-8.</summary>
    public void WriteUtf8(string text)
    {
        Ensure(System.Text.Encoding.UTF8.GetMaxByteCount(text.Length));
        _count += System.Text.Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_count));
    }

    private void Ensure(int sizeHint)
    {
        if (_buffer.Length - _count < Math.Max(sizeHint, 1))
        {
            Grow(Math.Max(sizeHint, 1));
        }
    }

    private void Grow(int needed)
    {
        var size = Math.Max(checked(_count + needed), _buffer.Length * 2);
        Array.Resize(ref _buffer, size);
    }
}
