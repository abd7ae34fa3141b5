namespace Cep.Runner.Inputs;

/// <summary>
/// A file input, read on the processing thread one line at a time. <see cref="Offset"/> is the byte offset just
/// past the last line handed out — once the caller has processed that line, the position to resume from.
/// </summary>
internal sealed class FileSource : IDisposable
{
    private readonly FileStream _stream;
    private readonly LineSplitter _lines;

    private FileSource(int input, InputSpec spec, FileStream stream, int maxLineBytes, long startOffset, long startLine)
    {
        Input = input;
        Spec = spec;
        _stream = stream;
        Length = stream.Length;
        if (startOffset > 0)
        {
            stream.Seek(startOffset, SeekOrigin.Begin);
        }
        _lines = new LineSplitter(stream, maxLineBytes, startOffset, startLine);
    }

    /// <summary>The run input index.</summary>
    public int Input { get; }

    public InputSpec Spec { get; }

    /// <summary>The file's size when it was opened (for progress).</summary>
    public long Length { get; }

    public long Offset => _lines.Offset;

    public long LineNumber => _lines.LineNumber;

    public bool Ended { get; private set; }

    public ReadOnlyMemory<byte> Line => _lines.Line;

    /// <summary>
    /// Opens the file for sequential reading, at <paramref name="startOffset"/> (a checkpointed <see cref="Offset"/>,
    /// with its <see cref="LineNumber"/> as <paramref name="startLine"/>); throws <see cref="IOException"/> and friends
    /// when it cannot be read.
    /// </summary>
    public static FileSource Open(int input, InputSpec spec, int maxLineBytes, long startOffset = 0, long startLine = 0)
    {
        var stream = new FileStream(spec.Path!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.SequentialScan);
        return new FileSource(input, spec, stream, maxLineBytes, startOffset, startLine);
    }

    public LineStatus Next()
    {
        var status = _lines.Next();
        if (status == LineStatus.End)
        {
            Ended = true;
        }
        return status;
    }

    public void Dispose()
    {
        _lines.Dispose();
        _stream.Dispose();
    }
}
