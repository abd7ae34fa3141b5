using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cep.Runner.Outputs;

/// <summary>
/// A JSON Lines destination: records are composed with a <see cref="Utf8JsonWriter"/> into a pending buffer
/// and written to the stream in large blocks. <see cref="Length"/> is the number of bytes of complete records
/// accepted so far; after <see cref="Commit"/> exactly that many bytes are in the file and on disk, which is
/// what a checkpoint stores (and truncates back to on resume).
/// </summary>
internal sealed class RecordOutput : IDisposable
{
    private const int FlushThreshold = 64 * 1024;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Records carry user text verbatim; escaping '<' or non-ASCII would only make them harder to read.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly ArrayBufferWriter<byte> _pending = new(FlushThreshold * 2);
    private readonly Utf8JsonWriter _writer;
    private long _written;

    private RecordOutput(string name, Stream stream, bool ownsStream, long initialLength)
    {
        Name = name;
        _stream = stream;
        _ownsStream = ownsStream;
        _written = initialLength;
        _writer = new Utf8JsonWriter(_pending, WriterOptions);
    }

    /// <summary>The path, or <c>stdout</c>.</summary>
    public string Name { get; }

    /// <summary>Bytes of complete records accepted (written or pending).</summary>
    public long Length => _written + _pending.WrittenCount;

    /// <summary>Records written.</summary>
    public long Records { get; private set; }

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
        _writer.Reset(_pending);
        return _writer;
    }

    public void EndRecord()
    {
        _writer.Flush();
        _pending.GetSpan(1)[0] = (byte)'\n';
        _pending.Advance(1);
        Records++;
        if (_pending.WrittenCount >= FlushThreshold)
        {
            WritePending();
        }
    }

    /// <summary>Hands pending records to the stream (and the stream's buffers to the OS).</summary>
    public void Flush()
    {
        WritePending();
        _stream.Flush();
    }

    /// <summary>Flush and, for files, fsync: after this, <see cref="Length"/> bytes are durable.</summary>
    public void Commit()
    {
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
            _writer.Dispose();
            if (_ownsStream)
            {
                _stream.Dispose();
            }
        }
    }

    private void WritePending()
    {
        if (_pending.WrittenCount == 0)
        {
            return;
        }
        _stream.Write(_pending.WrittenSpan);
        _written += _pending.WrittenCount;
        _pending.ResetWrittenCount();
    }
}
