using System.Buffers.Binary;
using System.Text;
using System.Threading.Channels;
using Cep.Runner.Inputs;

namespace Cep.Runner.Tests.Inputs;

public sealed class LiveInputsTests
{
    /// <summary>Reads a live stream through the channel; each message as its kind and its lines (number: text).</summary>
    private static async Task<List<string>> ReadAll(Stream stream, int maxLineBytes)
    {
        var channel = Channel.CreateUnbounded<InputMessage>();
        await LiveInputs.ReadLinesAsync(stream, 0, "in", maxLineBytes, channel.Writer, endsInput: true, CancellationToken.None);
        channel.Writer.Complete();
        var messages = new List<string>();
        await foreach (var message in channel.Reader.ReadAllAsync())
        {
            messages.Add(message.Kind switch
            {
                InputMessageKind.Lines => "lines " + string.Join(" ", Lines(message)),
                InputMessageKind.Oversize => $"oversize {message.Line}",
                _ => message.Kind.ToString().ToLowerInvariant(),
            });
            message.Release();
        }
        return messages;
    }

    private static List<string> Lines(InputMessage message)
    {
        var lines = new List<string>();
        var line = message.Line;
        for (var pos = 0; pos < message.Length;)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(message.Buffer.AsSpan(pos));
            lines.Add($"{line++}:{Encoding.UTF8.GetString(message.Buffer!, pos + 4, length)}");
            pos += 4 + length;
        }
        return lines;
    }

    [Fact]
    public async Task ReadLinesAsync_BufferedLines_GoOutTogetherNumberedAndInOrderAroundAnOversizeLine()
    {
        var text = "a\n\nb\r\n" + new string('x', 40) + "\nc\nd";

        var messages = await ReadAll(new MemoryStream(Encoding.UTF8.GetBytes(text)), 16);

        // The unterminated last line is only complete once a read finds the end of the stream.
        Assert.Equal(["lines 1:a 2: 3:b", "oversize 4", "lines 5:c", "lines 6:d", "ended"], messages);
    }

    [Fact]
    public async Task ReadLinesAsync_SlowStream_SendsWhatIsBufferedWithoutWaitingForMore()
    {
        // Three bytes per read: a batch never waits for the stream, so it holds only the lines one read completed.
        var messages = await ReadAll(new ChunkedStream(Encoding.UTF8.GetBytes("ab\ncd\ne\nf\n"), 3), 100);

        Assert.Equal("ended", messages[^1]);
        var lines = messages[..^1].SelectMany(m => m["lines ".Length..].Split(' ')).ToList();
        Assert.Equal(["1:ab", "2:cd", "3:e", "4:f"], lines);
        Assert.True(messages.Count > 2, "lines that arrive in separate reads are not held back for a batch");
    }

    [Fact]
    public async Task ReadLinesAsync_MoreLinesThanABatchHolds_SplitsIntoConsecutiveBatches()
    {
        var count = InputMessage.BatchLines * 2 + 5;
        var text = string.Concat(Enumerable.Range(1, count).Select(i => $"{{\"i\":{i}}}\n"));

        var messages = await ReadAll(new MemoryStream(Encoding.UTF8.GetBytes(text)), 100);

        var lines = messages[..^1].SelectMany(m => m["lines ".Length..].Split(' ')).ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => $"{i}:{{\"i\":{i}}}"), lines);
        Assert.True(messages.Count >= 4);
    }

    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
