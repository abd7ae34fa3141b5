using Microsoft.Data.Sqlite;

namespace Cep.State.Tests.Runner;

/// <summary><c>--output sqlite:PATH[#TABLE]</c> with and without <c>--state</c>, and processing-time timers on resume.</summary>
[Collection(CepProcess.Collection)]
public sealed class StateOutputsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public StateOutputsTests()
    {
        File.WriteAllText(_dir.File("rule.yaml"), OrderWorkload.Rule);
        OrderWorkload.WriteEvents(_dir.File("orders.jsonl"), 20_000, seed: 21);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Run_SqliteOutputInStateFile_RowsEqualJsonLinesRun()
    {
        var expected = JsonLinesRun();
        var run = CepProcess.Run(_dir.Path, "run", "rule.yaml", "--input", "orders=orders.jsonl", "--output", "sqlite:state.db#matches", "--state", "state.db", "--checkpoint-interval", "20ms", "--no-progress");
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Equal(expected, Rows("state.db", "matches"));
        Assert.Equal(expected.Length, Count("state.db", "matches", "checkpoint > 0"));
    }

    [Fact]
    public void Run_SqliteOutputSeparateFileKilledAndResumed_RowsEqualJsonLinesRun()
    {
        var expected = JsonLinesRun();
        string[] args = ["run", "rule.yaml", "--input", "orders=orders.jsonl", "--output", "sqlite:out.db", "--state", "state.db", "--checkpoint-interval", "50ms", "--no-progress"];
        for (var attempt = 0; ; attempt++)
        {
            using var process = CepProcess.Start(_dir.Path, args, out var stderr);
            if (attempt < 3 && !process.WaitForExit(500 + (attempt * 150)))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                continue;
            }

            process.WaitForExit();
            Assert.True(process.ExitCode == 0, stderr.ToString());
            break;
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), Rows("out.db", "records").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Run_SqliteOutputWithoutState_WritesEveryRecord()
    {
        var expected = JsonLinesRun();
        var run = CepProcess.Run(_dir.Path, "run", "rule.yaml", "--input", "orders=orders.jsonl", "--output", "sqlite:out.db#t", "--no-progress");
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Equal(expected, Rows("out.db", "t"));
    }

    [Fact]
    public void Run_ProcessingTimeTimerDueWhileDown_FiresOnResume()
    {
        File.WriteAllText(_dir.File("clock.yaml"), """
            rule: unpaid
            key: orderId
            pattern:
              - begin: create
                where: type == 'create'
              - followedBy: pay
                where: type == 'pay'
            within: 5s
            onTimeout: unpaid-orders
            """);
        string[] args = ["run", "clock.yaml", "--input", "orders=-", "--output", "out.jsonl", "--state", "state.db", "--no-progress"];
        using (var process = CepProcess.Start(_dir.Path, args, out var stderr, keepStdinOpen: true))
        {
            process.StandardInput.WriteLine("{\"type\":\"create\",\"orderId\":\"o1\"}");
            process.StandardInput.WriteLine("{\"type\":\"create\",\"orderId\":\"probe\"}");
            process.StandardInput.WriteLine("{\"type\":\"pay\",\"orderId\":\"probe\"}");
            process.StandardInput.Flush();
            CepProcess.WaitForLine(_dir.File("out.jsonl"), "\"key\":\"probe\"", TimeSpan.FromSeconds(30));
            CepProcess.Signal(process, "TERM");
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(20)));
            Assert.True(process.ExitCode == 0, stderr.ToString());
        }

        Assert.Single(File.ReadAllLines(_dir.File("out.jsonl")));

        // Down for longer than the window: the timeout is due when the runner comes back, and fires at once.
        Thread.Sleep(5000);
        var resumed = CepProcess.Run(_dir.Path, args);
        Assert.True(resumed.Exit == 0, resumed.Stderr);
        var lines = File.ReadAllLines(_dir.File("out.jsonl"));
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"type\":\"match\"", lines[0]);
        var record = lines[1];
        Assert.Contains("\"type\":\"timeout\"", record);
        Assert.Contains("\"key\":\"o1\"", record);
    }

    private string[] JsonLinesRun()
    {
        var run = CepProcess.Run(_dir.Path, "run", "rule.yaml", "--input", "orders=orders.jsonl", "--output", "ref.jsonl", "--no-progress");
        Assert.True(run.Exit == 0, run.Stderr);
        var lines = File.ReadAllLines(_dir.File("ref.jsonl"));
        Assert.NotEmpty(lines);
        return lines;
    }

    private string[] Rows(string file, string table)
    {
        using var connection = new SqliteConnection($"Data Source={_dir.File(file)};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT record FROM {table} ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return [.. rows];
    }

    private long Count(string file, string table, string where)
    {
        using var connection = new SqliteConnection($"Data Source={_dir.File(file)};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table} WHERE {where}";
        return (long)command.ExecuteScalar()!;
    }
}
