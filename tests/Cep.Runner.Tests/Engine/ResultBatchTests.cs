using System.Text;
using System.Text.Json;

namespace Cep.Runner.Tests.Engine;

/// <summary>
/// Match and timeout records of the raw path are written in batches (ResultBatch); the outputs must still hold
/// every record in the order it was decided, whichever path wrote it: raw records, records with emit (the JSON
/// writer), late records, matches on the main output and timeouts on a side output, across batch boundaries.
/// </summary>
public sealed class ResultBatchTests
{
    // Matches without emit are spliced as bytes and batched; the same pattern with emit goes through the JSON
    // writer, one record at a time.
    private static readonly string RawRule = Rule("raw", "onLate: late");

    private static readonly string EmitRule = Rule("emitted", "emit:\n  id: a.id");

    private static string Rule(string name, string tail) => $"""
        rule: {name}
        key: id
        time:
          field: ts
        pattern:
          - begin: a
            where: kind == 'a'
          - followedBy: b
            where: kind == 'b'
        within: 10s
        onTimeout: expired
        {tail}
        """;

    [Fact]
    public void Run_RawAndEmitRecordsInterleaved_KeepsTheOrderTheyWereDecided()
    {
        using var dir = new TempDir();
        var raw = dir.File("raw.yaml", RawRule);
        var emitted = dir.File("emit.yaml", EmitRule);
        // 100 keys a second apart, paid half a second later but every third one, which times out 10 s after its a;
        // a late event after key 50.
        var lines = new StringBuilder();
        for (var i = 1; i <= 100; i++)
        {
            lines.AppendLine($$"""{"id":{{i}},"kind":"a","ts":{{i * 1000}}}""");
            if (i % 3 != 0)
            {
                lines.AppendLine($$"""{"id":{{i}},"kind":"b","ts":{{i * 1000 + 500}}}""");
            }
            if (i == 50)
            {
                lines.AppendLine("""{"id":999,"kind":"a","ts":1}""");
            }
        }
        // Then the clock moves on a second at a time, past one deadline at most per event.
        for (var ts = 101_000; ts <= 115_000; ts += 1000)
        {
            lines.AppendLine($$"""{"id":0,"kind":"tick","ts":{{ts}}}""");
        }
        var input = dir.File("events.jsonl", lines.ToString());
        var timeouts = dir.Combine("timeouts.jsonl");

        var result = CepCli.Run("run", raw, emitted, "--input", input, "--side-output", "expired=" + timeouts);

        Assert.Equal(0, result.Exit);
        // Main output: per paid key, both rules' matches (raw first, in rule order). The late event is reported when
        // it arrives, before key 50's match: that pay waits in the reorder buffer until a later event moves the
        // watermark past it.
        var expectedMain = new List<string>();
        for (var i = 1; i <= 100; i++)
        {
            if (i == 50)
            {
                expectedMain.Add("raw late 999");
            }
            if (i % 3 != 0)
            {
                expectedMain.Add($"raw match {i}");
                expectedMain.Add($"emitted match {i}");
            }
        }
        Assert.Equal(expectedMain, result.Lines.Select(Describe));
        // Side output: unpaid keys in deadline order, both rules each time.
        var expectedTimeouts = Enumerable.Range(1, 100).Where(i => i % 3 == 0)
            .SelectMany(i => new[] { $"raw timeout {i}", $"emitted timeout {i}" });
        Assert.Equal(expectedTimeouts, File.ReadAllLines(timeouts).Select(Describe));
    }

    [Fact]
    public void Run_RawRecordsOnly_WritesEveryRecordOfAPartialBatchAtTheEnd()
    {
        using var dir = new TempDir();
        var raw = dir.File("raw.yaml", RawRule);
        // 33 paid keys: one full batch of 32 and one record left when the input ends.
        var input = dir.File("events.jsonl", string.Concat(Enumerable.Range(1, 33).Select(i =>
            $$"""{"id":{{i}},"kind":"a","ts":{{i}}}""" + "\n" + $$"""{"id":{{i}},"kind":"b","ts":{{i}}}""" + "\n")));

        var result = CepCli.Run("run", raw, "--input", input, "--stats");

        Assert.Equal(0, result.Exit);
        Assert.Equal(Enumerable.Range(1, 33).Select(i => $"raw match {i}"), result.Lines.Select(Describe));
        Assert.Contains("output stdout: 33 records", result.Stderr);
    }

    private static string Describe(string line)
    {
        using var record = JsonDocument.Parse(line);
        var root = record.RootElement;
        var type = root.GetProperty("type").GetString();
        var id = type == "late" ? root.GetProperty("event").GetProperty("id").GetInt32() : root.GetProperty("key").GetInt32();
        return $"{root.GetProperty("rule").GetString()} {type} {id}";
    }
}
