using System.Text;
using Cep.Runner.Inputs;

namespace Cep.Runner.Tests.Inputs;

public sealed class LineSplitterTests
{
    private static List<(LineStatus Status, string Text, long Line, long Offset)> ReadAll(string text, int maxLineBytes = 1024, int chunk = int.MaxValue)
    {
        using var stream = new ChunkedStream(Encoding.UTF8.GetBytes(text), chunk);
        using var splitter = new LineSplitter(stream, maxLineBytes);
        var lines = new List<(LineStatus, string, long, long)>();
        while (splitter.Next() is var status && status != LineStatus.End)
        {
            lines.Add((status, Encoding.UTF8.GetString(splitter.Line.Span), splitter.LineNumber, splitter.Offset));
        }
        return lines;
    }

    [Fact]
    public void Next_LfAndCrLfLines_ReturnsLinesWithoutEndingsAndOffsetsPastThem()
    {
        var lines = ReadAll("a\r\nbb\nccc");

        Assert.Equal([(LineStatus.Line, "a", 1, 3), (LineStatus.Line, "bb", 2, 6), (LineStatus.Line, "ccc", 3, 9)], lines);
    }

    [Fact]
    public void Next_EmptyLines_AreCountedForLineNumbers()
    {
        var lines = ReadAll("a\n\nb\n");

        Assert.Equal(["a", "", "b"], lines.Select(l => l.Text));
        Assert.Equal([1L, 2, 3], lines.Select(l => l.Line));
    }

    [Fact]
    public void Next_ByteOrderMark_IsSkippedButCountedInOffset()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF, (byte)'x', (byte)'\n' };
        using var splitter = new LineSplitter(new MemoryStream(bytes), 100);

        Assert.Equal(LineStatus.Line, splitter.Next());
        Assert.Equal("x", Encoding.UTF8.GetString(splitter.Line.Span));
        Assert.Equal(5, splitter.Offset);
    }

    [Fact]
    public void Next_OversizeLine_IsReportedWithPrefixAndFollowingLinesSurvive()
    {
        var lines = ReadAll("ok\n" + new string('x', 50) + "\nafter\n", maxLineBytes: 10, chunk: 7);

        Assert.Equal(LineStatus.Line, lines[0].Status);
        Assert.Equal(LineStatus.Oversize, lines[1].Status);
        Assert.Equal(2, lines[1].Line);
        Assert.StartsWith("xxxxxxxxxx", lines[1].Text);
        Assert.Equal((LineStatus.Line, "after", 3L, 3L + 51 + 6), lines[2]);
    }

    [Fact]
    public void Next_OversizeLineLongerThanBuffer_IsSkippedWithoutGrowingPastTheLimit()
    {
        var big = new string('y', 300_000);
        var lines = ReadAll(big + "\nz\n", maxLineBytes: 100_000, chunk: 4096);

        Assert.Equal([LineStatus.Oversize, LineStatus.Line], lines.Select(l => l.Status));
        Assert.Equal("z", lines[1].Text);
        Assert.Equal(300_001 + 2, lines[1].Offset);
    }

    [Fact]
    public void Next_LinesSplitAcrossSmallReads_AreReassembled()
    {
        var text = string.Join("\n", Enumerable.Range(0, 500).Select(i => $"{{\"i\":{i}}}"));

        var lines = ReadAll(text, chunk: 3);

        Assert.Equal(500, lines.Count);
        Assert.Equal("{\"i\":499}", lines[^1].Text);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), lines[^1].Offset);
    }

    [Fact]
    public void Next_LongLinesBeyondInitialBuffer_GrowsAndKeepsThemWhole()
    {
        var line = new string('q', 200_000);

        var lines = ReadAll(line + "\n" + line, maxLineBytes: 1 << 20, chunk: 10_000);

        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal(200_000, l.Text.Length));
    }

    [Fact]
    public void Next_ResumedAtAnOffset_ContinuesOffsetsAndLineNumbers()
    {
        var bytes = Encoding.UTF8.GetBytes("first\nsecond\nthird\n");
        using var stream = new MemoryStream(bytes);
        stream.Seek(6, SeekOrigin.Begin);
        using var splitter = new LineSplitter(stream, 100, startOffset: 6, startLine: 1);

        Assert.Equal(LineStatus.Line, splitter.Next());
        Assert.Equal("second", Encoding.UTF8.GetString(splitter.Line.Span));
        Assert.Equal(2, splitter.LineNumber);
        Assert.Equal(13, splitter.Offset);
    }

    [Fact]
    public async Task NextAsync_ReadsTheSameLinesAsNext()
    {
        using var splitter = new LineSplitter(new ChunkedStream(Encoding.UTF8.GetBytes("a\nb\n" + new string('x', 40) + "\nc"), 5), 16);
        var seen = new List<string>();
        while (await splitter.NextAsync(CancellationToken.None) is var status && status != LineStatus.End)
        {
            seen.Add(status == LineStatus.Line ? Encoding.UTF8.GetString(splitter.Line.Span) : "<oversize>");
        }

        Assert.Equal(["a", "b", "<oversize>", "c"], seen);
    }

    /// <summary>A stream that hands out at most <c>chunk</c> bytes per read, as a socket or pipe does.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
