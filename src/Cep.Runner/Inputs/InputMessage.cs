using System.Buffers;

namespace Cep.Runner.Inputs;

internal enum InputMessageKind
{
    /// <summary>
    /// Consecutive lines, numbered from <see cref="InputMessage.Line"/>: <see cref="InputMessage.Buffer"/> (rented from
    /// the shared pool, returned by the consumer) holds each as a 4-byte little-endian length and its bytes.
    /// </summary>
    Lines,

    /// <summary>A line over the limit; the buffer holds its first bytes.</summary>
    Oversize,

    /// <summary>Something to tell the user on standard error (a client connected, was refused, timed out).</summary>
    Notice,

    /// <summary>The input ended (end of stream, server closed the connection).</summary>
    Ended,

    /// <summary>The input cannot go on (connection refused, address in use): the run fails.</summary>
    Failed,
}

/// <summary>What a background reader hands to the processing loop through the bounded channel.</summary>
internal readonly record struct InputMessage(InputMessageKind Kind, int Input, string Source, long Line, byte[]? Buffer, int Length, string? Text = null)
{
    /// <summary>Lines gathered into one message at most: a message per line costs more than parsing the line.</summary>
    public const int BatchBytes = 64 * 1024;

    public const int BatchLines = 1024;

    public ReadOnlyMemory<byte> Bytes => Buffer is null ? ReadOnlyMemory<byte>.Empty : Buffer.AsMemory(0, Length);

    public static InputMessage Copy(InputMessageKind kind, int input, string source, long line, ReadOnlySpan<byte> bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(bytes.Length, 1));
        bytes.CopyTo(buffer);
        return new InputMessage(kind, input, source, line, buffer, bytes.Length);
    }

    public void Release()
    {
        if (Buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }
    }
}
