using System.Text;
using Cep.Runner.Outputs;

namespace Cep.Runner.Tests.Outputs;

public sealed class RecordOutputTests
{
    [Fact]
    public void EndRecord_ManyRecords_WritesOneJsonObjectPerLineAndCountsLength()
    {
        using var stream = new MemoryStream();
        var output = RecordOutput.ToStream("mem", stream);
        for (var i = 0; i < 10_000; i++)
        {
            var w = output.BeginRecord();
            w.WriteStartObject();
            w.WriteNumber("i", i);
            w.WriteEndObject();
            output.EndRecord();
        }
        output.Flush();

        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10_000, lines.Length);
        Assert.Equal("{\"i\":9999}", lines[^1]);
        Assert.Equal(stream.Length, output.Length);
        Assert.Equal(10_000, output.Records);
    }

    [Fact]
    public void OpenFile_KeepLength_TruncatesAndAppends()
    {
        using var dir = new TempDir();
        var path = dir.File("out.jsonl", "{\"a\":1}\n{\"b\":2}\n");

        using (var output = RecordOutput.OpenFile(path, keepLength: 8))
        {
            var w = output.BeginRecord();
            w.WriteStartObject();
            w.WriteNumber("c", 3);
            w.WriteEndObject();
            output.EndRecord();
            output.Commit();
            Assert.Equal(16, output.Length);
        }

        Assert.Equal("{\"a\":1}\n{\"c\":3}\n", File.ReadAllText(path));
    }

    [Fact]
    public void DeadLetters_Report_RateLimitsWarningsAndWritesEveryLine()
    {
        using var stream = new MemoryStream();
        var error = new StringWriter();
        using var deadLetters = new DeadLetters(error, RecordOutput.ToStream("dl", stream));

        for (var i = 1; i <= 15; i++)
        {
            deadLetters.Report("in.jsonl", "in.jsonl", i, "bad", "x\"y"u8);
        }
        deadLetters.WriteSummary();
        deadLetters.Flush();

        var warnings = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(11, warnings.Length);
        Assert.Equal("in.jsonl:1: warning: bad", warnings[0]);
        Assert.Contains("5 more bad lines not shown (15 in all)", warnings[^1]);
        var records = Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(15, records.Length);
        Assert.Equal("{\"source\":\"in.jsonl\",\"line\":1,\"reason\":\"bad\",\"text\":\"x\\\"y\"}", records[0]);
        Assert.Equal(15, deadLetters.Count);
    }

    [Fact]
    public void Backlog_RecordsAcceptedEarlier_AreWrittenBeforeTheOutputIsUsed()
    {
        using var stream = new MemoryStream();
        var output = RecordOutput.ToStream("mem", stream);
        var set = new OutputSet(output);
        var backlog = new OneRecordBacklog(output, "{\"first\":1}"u8.ToArray());
        set.AttachBacklog(backlog);

        // Its length and count already include the record accepted before.
        Assert.Equal(12, output.Length);
        Assert.Equal(1, output.Records);

        backlog.Accept("{\"second\":2}"u8.ToArray());
        var w = output.BeginRecord();
        w.WriteStartObject();
        w.WriteNumber("third", 3);
        w.WriteEndObject();
        output.EndRecord();
        backlog.Accept("{\"fourth\":4}"u8.ToArray());
        output.Flush();

        Assert.Equal("{\"first\":1}\n{\"second\":2}\n{\"third\":3}\n{\"fourth\":4}\n", Encoding.UTF8.GetString(stream.ToArray()));
        Assert.Equal(4, output.Records);
        Assert.Equal(stream.Length, output.Length);
    }

    /// <summary>A backlog of at most one raw record, written into its output on demand.</summary>
    private sealed class OneRecordBacklog(RecordOutput output, byte[] record) : IRecordBacklog
    {
        private byte[]? _record = record;

        public void Accept(byte[] next) => _record = next;

        public void WriteBacklog()
        {
            if (_record is not { } bytes)
            {
                return;
            }
            _record = null;
            output.BeginRawRecord().Write(bytes);
            output.EndRawRecord();
        }
    }
}
