namespace Cep.State;

/// <summary>
/// An append-only output file whose committed prefix survives a crash. The event loop writes lines and, at a
/// checkpoint, calls <see cref="FlushToOs"/> (cheap: hands the buffer to the kernel) to learn the length to
/// record; <see cref="SyncToDisk"/> (the fsync) may then run on the checkpoint thread, before the state commit.
/// On restart, <see cref="Open"/> cuts the file back to the committed length, removing what was written after
/// the last checkpoint (the replayed input writes it again).
/// </summary>
public sealed class DurableOutputFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _syncHandle;

    private DurableOutputFile(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;

        // A second descriptor for fsync: FileStream.SafeFileHandle flushes the stream's buffer when read, which
        // must not happen from the checkpoint thread while the event loop writes.
        _syncHandle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
    }

    public string Path { get; }

    /// <summary>Bytes written so far, buffered ones included.</summary>
    public long Length => _stream.Position;

    /// <summary>
    /// Opens <paramref name="path"/> for appending. With a <paramref name="committedLength"/> (a restore) the file
    /// must be at least that long and is truncated to it; without one (a fresh run) it is created or emptied.
    /// </summary>
    public static DurableOutputFile Open(string path, long? committedLength, int bufferSize = 1 << 16)
    {
        var full = System.IO.Path.GetFullPath(path);
        FileStream stream;
        if (committedLength is { } length)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length);
            stream = new FileStream(full, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize);
            try
            {
                if (stream.Length < length)
                {
                    throw new StateException(
                        StateErrorKind.Mismatch,
                        $"output file {full} has {stream.Length} bytes but the state file says {length} were committed; "
                        + "it was changed or replaced outside Cep, so the run cannot resume exactly-once");
                }

                if (stream.Length > length)
                {
                    stream.SetLength(length);
                    stream.Flush(flushToDisk: true);
                }

                stream.Seek(length, SeekOrigin.Begin);
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }
        else
        {
            stream = new FileStream(full, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize);
        }

        return new DurableOutputFile(full, stream);
    }

    public void Write(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    /// <summary>Hands buffered bytes to the operating system and returns the length to record.</summary>
    public long FlushToOs()
    {
        _stream.Flush(flushToDisk: false);
        return _stream.Position;
    }

    /// <summary>
    /// fsync: every byte handed to the OS so far is on disk afterwards. Safe to call from another thread while
    /// the event loop keeps writing, because it touches only the kernel file, not the stream's buffer.
    /// </summary>
    public void SyncToDisk() => RandomAccess.FlushToDisk(_syncHandle);

    public void Dispose()
    {
        _stream.Dispose();
        _syncHandle.Dispose();
    }
}
