using System.Text;
using Cep.State;

namespace Cep.Runner.Checkpointing;

/// <summary>
/// Lets a <c>RecordOutput</c> write into an <see cref="SqliteRecordOutput"/>: the bytes it writes are complete
/// JSON lines, each becomes one pending row. Without <c>--state</c>, <see cref="Flush"/> commits them.
/// </summary>
internal sealed class SqliteLineStream : Stream
{
    private readonly SqliteRecordOutput _output;
    private readonly bool _commitOnFlush;
    private readonly MemoryStream _partial = new();

    public SqliteLineStream(SqliteRecordOutput output, bool commitOnFlush)
    {
        _output = output;
        _commitOnFlush = commitOnFlush;
    }

    public SqliteRecordOutput Output => _output;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var newline = buffer.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _partial.Write(buffer);
                return;
            }

            if (_partial.Length > 0)
            {
                _partial.Write(buffer[..newline]);
                _output.Append(Encoding.UTF8.GetString(_partial.GetBuffer(), 0, (int)_partial.Length));
                _partial.SetLength(0);
            }
            else
            {
                _output.Append(Encoding.UTF8.GetString(buffer[..newline]));
            }

            buffer = buffer[(newline + 1)..];
        }
    }

    public override void Flush()
    {
        if (_commitOnFlush)
        {
            _output.Flush();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _partial.Dispose();
        }

        base.Dispose(disposing);
    }
}
