using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Cep.Runner.Inputs;

/// <summary>Limits for socket inputs.</summary>
internal sealed record SocketLimits(int MaxConnections = 64, TimeSpan? IdleTimeout = null, bool AllowRemote = false)
{
    public TimeSpan Idle => IdleTimeout ?? TimeSpan.FromMinutes(5);
}

/// <summary>
/// Readers of unbounded inputs (standard input, sockets). Each runs as a background task and hands lines to the
/// processing loop through a bounded channel, so a fast producer waits instead of filling memory, and the
/// operators are only ever touched by the processing thread.
/// </summary>
internal static class LiveInputs
{
    /// <summary>
    /// Reads lines of <paramref name="stream"/> until it ends; then reports the input ended when <paramref name="endsInput"/>.
    /// Lines already buffered when one is read go out together in one <see cref="InputMessageKind.Lines"/> message
    /// (up to <see cref="InputMessage.BatchBytes"/> or <see cref="InputMessage.BatchLines"/>); a batch is sent as soon as
    /// the next line would have to wait for the stream, so batching adds no delay to a slow input.
    /// </summary>
    public static async Task ReadLinesAsync(Stream stream, int input, string source, int maxLineBytes, ChannelWriter<InputMessage> writer, bool endsInput, CancellationToken cancellationToken, Action? onLine = null)
    {
        using var splitter = new LineSplitter(stream, maxLineBytes);
        var batch = new LineBatch(input, source);
        try
        {
            while (true)
            {
                var status = await splitter.NextAsync(cancellationToken);
                if (status == LineStatus.End)
                {
                    break;
                }
                onLine?.Invoke();
                do
                {
                    if (status == LineStatus.Oversize)
                    {
                        await batch.SendAsync(writer, cancellationToken);
                        await SendAsync(writer, InputMessage.Copy(InputMessageKind.Oversize, input, source, splitter.LineNumber, splitter.Line.Span), cancellationToken);
                    }
                    else if (!batch.TryAdd(splitter.LineNumber, splitter.Line.Span))
                    {
                        await batch.SendAsync(writer, cancellationToken);
                        batch.Add(splitter.LineNumber, splitter.Line.Span);
                    }
                }
                while (splitter.TryNextBuffered(out status) && status != LineStatus.End);
                await batch.SendAsync(writer, cancellationToken);
                if (status == LineStatus.End)
                {
                    break;
                }
            }
        }
        finally
        {
            batch.Dispose();
        }
        if (endsInput)
        {
            await writer.WriteAsync(new InputMessage(InputMessageKind.Ended, input, source, 0, null, 0), cancellationToken);
        }
    }

    private static async ValueTask SendAsync(ChannelWriter<InputMessage> writer, InputMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await writer.WriteAsync(message, cancellationToken);
        }
        catch
        {
            message.Release();
            throw;
        }
    }

    /// <summary>Consecutive lines being gathered into one <see cref="InputMessageKind.Lines"/> message.</summary>
    private sealed class LineBatch(int input, string source) : IDisposable
    {
        private byte[]? _buffer;
        private int _length;
        private int _count;
        private long _firstLine;

        /// <summary>Adds the line if it fits the batch; false when the batch must be sent first.</summary>
        public bool TryAdd(long line, ReadOnlySpan<byte> bytes)
        {
            if (_buffer is null)
            {
                Add(line, bytes);
                return true;
            }
            if (_count >= InputMessage.BatchLines || _buffer.Length - _length < 4 + bytes.Length)
            {
                return false;
            }
            Append(bytes);
            return true;
        }

        /// <summary>Starts a batch with the line (the batch is empty: it was just sent).</summary>
        public void Add(long line, ReadOnlySpan<byte> bytes)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(InputMessage.BatchBytes, 4 + bytes.Length));
            _length = 0;
            _count = 0;
            _firstLine = line;
            Append(bytes);
        }

        public async ValueTask SendAsync(ChannelWriter<InputMessage> writer, CancellationToken cancellationToken)
        {
            if (_buffer is null)
            {
                return;
            }
            var message = new InputMessage(InputMessageKind.Lines, input, source, _firstLine, _buffer, _length);
            _buffer = null;
            await LiveInputs.SendAsync(writer, message, cancellationToken);
        }

        public void Dispose()
        {
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }
        }

        private void Append(ReadOnlySpan<byte> bytes)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_length), bytes.Length);
            bytes.CopyTo(_buffer.AsSpan(_length + 4));
            _length += 4 + bytes.Length;
            _count++;
        }
    }

    /// <summary>Standard input as JSON Lines; the input ends at end of file.</summary>
    public static Task StartStdin(Stream stdin, int input, int maxLineBytes, ChannelWriter<InputMessage> writer, CancellationToken cancellationToken)
        => Task.Run(() => Guard(input, "stdin", writer,
            () => ReadLinesAsync(stdin, input, "stdin", maxLineBytes, writer, endsInput: true, cancellationToken), cancellationToken), CancellationToken.None);

    /// <summary>Connects to a server that sends lines (Flink's socketTextStream); the input ends when the server closes.</summary>
    public static Task StartConnect(InputSpec spec, int input, int maxLineBytes, ChannelWriter<InputMessage> writer, CancellationToken cancellationToken)
        => Task.Run(() => Guard(input, spec.Source, writer, async () =>
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(spec.Host!, spec.Port, cancellationToken);
            }
            catch (SocketException e)
            {
                await writer.WriteAsync(new InputMessage(InputMessageKind.Failed, input, spec.Source, 0, null, 0, $"cannot connect to {spec.Host}:{spec.Port}: {e.Message}"), cancellationToken);
                return;
            }
            await using var stream = client.GetStream();
            await ReadLinesAsync(stream, input, spec.Source, maxLineBytes, writer, endsInput: true, cancellationToken);
        }, cancellationToken), CancellationToken.None);

    /// <summary>
    /// Binds <paramref name="spec"/>'s address and accepts clients that send lines, each read by its own task;
    /// at most <see cref="SocketLimits.MaxConnections"/> at once (others are refused), idle ones are closed.
    /// Never ends by itself. Bind errors surface as a <see cref="InputMessageKind.Failed"/> message.
    /// </summary>
    public static TcpListener? StartListen(InputSpec spec, int input, int maxLineBytes, SocketLimits limits, ChannelWriter<InputMessage> writer, TextWriter error, CancellationToken cancellationToken, out IPEndPoint? boundEndPoint)
    {
        boundEndPoint = null;
        var address = ResolveListenAddress(spec.Host!);
        var listener = new TcpListener(address, spec.Port);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            error.WriteLine($"error: cannot listen on {spec.Host}:{spec.Port}: {e.Message}");
            return null;
        }
        boundEndPoint = (IPEndPoint)listener.LocalEndpoint;
        _ = Task.Run(() => AcceptLoopAsync(listener, spec, input, maxLineBytes, limits, writer, cancellationToken));
        return listener;
    }

    /// <summary>The address to bind: <c>localhost</c> and names resolve to loopback; <c>*</c> means any address.</summary>
    public static IPAddress ResolveListenAddress(string host)
    {
        if (host is "*" or "0.0.0.0")
        {
            return IPAddress.Any;
        }
        if (host is "::")
        {
            return IPAddress.IPv6Any;
        }
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }
        var addresses = Dns.GetHostAddresses(host);
        return addresses.Length > 0 ? addresses[0] : throw new SocketException((int)SocketError.HostNotFound);
    }

    private static async Task AcceptLoopAsync(TcpListener listener, InputSpec spec, int input, int maxLineBytes, SocketLimits limits, ChannelWriter<InputMessage> writer, CancellationToken cancellationToken)
    {
        var open = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var source = $"{spec.Source}[{client.Client.RemoteEndPoint}]";
            if (Interlocked.Increment(ref open) > limits.MaxConnections)
            {
                Interlocked.Decrement(ref open);
                client.Dispose();
                await Notice(writer, input, source, $"connection refused: already {limits.MaxConnections} connections (--max-connections)", cancellationToken);
                continue;
            }
            _ = Task.Run(async () =>
            {
                try
                {
                    await ServeClientAsync(client, input, source, maxLineBytes, limits.Idle, writer, cancellationToken);
                }
                finally
                {
                    Interlocked.Decrement(ref open);
                    client.Dispose();
                }
            }, CancellationToken.None);
        }
    }

    private static async Task ServeClientAsync(TcpClient client, int input, string source, int maxLineBytes, TimeSpan idle, ChannelWriter<InputMessage> writer, CancellationToken cancellationToken)
    {
        using var idleCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idleCts.CancelAfter(idle);
        try
        {
            await using var stream = client.GetStream();
            await ReadLinesAsync(stream, input, source, maxLineBytes, writer, endsInput: false, idleCts.Token, onLine: () => idleCts.CancelAfter(idle));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await Notice(writer, input, source, $"connection closed: idle for {idle.TotalSeconds:0.###}s (--idle-timeout)", cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // A broken client only loses its own connection.
            await Notice(writer, input, source, $"connection lost: {e.Message}", cancellationToken);
        }
    }

    private static async Task Notice(ChannelWriter<InputMessage> writer, int input, string source, string text, CancellationToken cancellationToken)
    {
        try
        {
            await writer.WriteAsync(new InputMessage(InputMessageKind.Notice, input, source, 0, null, 0, text), cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task Guard(int input, string source, ChannelWriter<InputMessage> writer, Func<Task> body, CancellationToken cancellationToken)
    {
        try
        {
            await body();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            try
            {
                await writer.WriteAsync(new InputMessage(InputMessageKind.Failed, input, source, 0, null, 0, e.Message), cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
