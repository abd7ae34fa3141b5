using Microsoft.Data.Sqlite;

namespace Cep.State.Tests.Runner;

/// <summary>
/// <c>cep run --state</c> refuses what it cannot resume exactly — a changed or removed rule, a corrupt, truncated
/// or newer state file — with a clear message and a non-zero exit, touching no output.
/// </summary>
[Collection(CepProcess.Collection)]
public sealed class StateRefusalTests : IDisposable
{
    private readonly TempDir _dir = new();

    public StateRefusalTests()
    {
        File.WriteAllText(_dir.File("rule.yaml"), OrderWorkload.Rule);
        OrderWorkload.WriteEvents(_dir.File("orders.jsonl"), 3_000, seed: 11);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Run_StepsChanged_Exit2NamingRuleAndStepThenResetStateRuns()
    {
        SaveState();
        var output = File.ReadAllBytes(_dir.File("out.jsonl"));
        File.WriteAllText(_dir.File("rule.yaml"), OrderWorkload.Rule.Replace("- followedBy: pay", "- next: pay", StringComparison.Ordinal));

        var refused = Run();
        Assert.Equal(2, refused.Exit);
        Assert.Contains("rule 'order-timeout'", refused.Stderr);
        Assert.Contains("steps changed", refused.Stderr);
        Assert.Contains("pay: Strict", refused.Stderr);
        Assert.Contains("--reset-state order-timeout", refused.Stderr);
        Assert.Equal(output, File.ReadAllBytes(_dir.File("out.jsonl")));

        var reset = Run("--reset-state", "order-timeout");
        Assert.True(reset.Exit == 0, reset.Stderr);
        Assert.Contains("reset as asked", reset.Stderr);
    }

    [Fact]
    public void Run_OnlyConditionChanged_Restores()
    {
        SaveState();
        File.WriteAllText(_dir.File("rule.yaml"), OrderWorkload.Rule.Replace("where: type == 'pay'", "where: type == 'pay' && ts > 0", StringComparison.Ordinal));
        var run = Run();
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Contains("resumed from checkpoint", run.Stderr);
    }

    [Fact]
    public void Run_RuleRemoved_Exit2ThenDropRemovedRulesRuns()
    {
        File.WriteAllText(_dir.File("big.yaml"), OrderWorkload.SecondRule);
        var first = CepProcess.Run(_dir.Path, Args("rule.yaml", "big.yaml"));
        Assert.True(first.Exit == 0, first.Stderr);

        var refused = Run();
        Assert.Equal(2, refused.Exit);
        Assert.Contains("rule 'big-orders'", refused.Stderr);
        Assert.Contains("--drop-removed-rules", refused.Stderr);

        var dropped = Run("--drop-removed-rules");
        Assert.True(dropped.Exit == 0, dropped.Stderr);
        Assert.Contains("'big-orders' was removed", dropped.Stderr);
        Assert.Equal(0, Run().Exit);
    }

    [Fact]
    public void Run_StateFileNotADatabase_Exit1AndOutputUntouched()
    {
        SaveState();
        var output = File.ReadAllBytes(_dir.File("out.jsonl"));
        File.WriteAllText(_dir.File("state.db"), "garbage, not a database at all; garbage, not a database at all; garbage!!\n");
        var run = Run();
        Assert.Equal(1, run.Exit);
        Assert.Contains("not a Cep state file", run.Stderr);
        Assert.Equal(output, File.ReadAllBytes(_dir.File("out.jsonl")));
    }

    [Fact]
    public void Run_StateFileTruncated_Exit1AndOutputUntouched()
    {
        SaveState();
        var output = File.ReadAllBytes(_dir.File("out.jsonl"));
        var length = new FileInfo(_dir.File("state.db")).Length;
        using (var stream = new FileStream(_dir.File("state.db"), FileMode.Open))
        {
            stream.SetLength(length / 2);
        }

        var run = Run();
        Assert.Equal(1, run.Exit);
        Assert.Contains("truncated", run.Stderr);
        Assert.Equal(output, File.ReadAllBytes(_dir.File("out.jsonl")));
    }

    [Fact]
    public void Run_StateFromNewerSchema_Exit1NamingVersions()
    {
        SaveState();
        using (var connection = new SqliteConnection($"Data Source={_dir.File("state.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version=99";
            command.ExecuteNonQuery();
        }

        var run = Run();
        Assert.Equal(1, run.Exit);
        Assert.Contains("schema version 99", run.Stderr);
        Assert.Contains("newer Cep", run.Stderr);
    }

    [Fact]
    public void Run_KeyBlobWithBadChecksum_Exit1NamingRuleAndKey()
    {
        // A run over standard input stopped by SIGTERM keeps its open partial matches in the state file.
        using (var process = CepProcess.Start(_dir.Path, ["run", "rule.yaml", "--input", "orders=-", "--output", "out.jsonl", "--state", "state.db", "--no-progress"], out var stderr, keepStdinOpen: true))
        {
            process.StandardInput.WriteLine("{\"type\":\"create\",\"orderId\":\"MARKER-ORDER-1\",\"amount\":1,\"ts\":1000}");

            // A later event moves the watermark past the first, out of the reorder buffer and into its key.
            process.StandardInput.WriteLine("{\"type\":\"create\",\"orderId\":\"other\",\"amount\":1,\"ts\":60000}");
            process.StandardInput.WriteLine("{\"type\":\"create\",\"orderId\":\"probe\",\"amount\":1,\"ts\":60001}");
            process.StandardInput.WriteLine("{\"type\":\"pay\",\"orderId\":\"probe\",\"ts\":60002}");
            process.StandardInput.WriteLine("{\"type\":\"create\",\"orderId\":\"later\",\"amount\":1,\"ts\":70000}");
            process.StandardInput.Flush();
            CepProcess.WaitForLine(_dir.File("out.jsonl"), "\"key\":\"probe\"", TimeSpan.FromSeconds(30));
            CepProcess.Signal(process, "TERM");
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(20)), "cep stops on SIGTERM");
            Assert.True(process.ExitCode == 0, stderr.ToString());
        }

        using (var store = CheckpointStore.Open(_dir.File("state.db")))
        {
            Assert.True(store.Load()!.Rules["order-timeout"].KeyCount >= 1);
        }

        var bytes = File.ReadAllBytes(_dir.File("state.db"));
        var at = bytes.AsSpan().LastIndexOf("MARKER-ORDER-1\",\"amount"u8);
        Assert.True(at > 0, "the event is stored in the key's blob");
        bytes[at + 3] ^= 0x01;
        File.WriteAllBytes(_dir.File("state.db"), bytes);

        var run = CepProcess.Run(_dir.Path, "run", "rule.yaml", "--input", "orders=-", "--output", "out.jsonl", "--state", "state.db", "--no-progress");
        Assert.Equal(1, run.Exit);
        Assert.Contains("bad checksum", run.Stderr);
        Assert.Contains("rule 'order-timeout'", run.Stderr);
    }

    [Fact]
    public void Run_OutputShorterThanCommitted_Exit2()
    {
        SaveState();
        File.WriteAllText(_dir.File("out.jsonl"), "");
        var run = Run();
        Assert.Equal(2, run.Exit);
        Assert.Contains("outside Cep", run.Stderr);
    }

    [Fact]
    public void Run_ResetStateWithoutState_Exit2()
    {
        var run = CepProcess.Run(_dir.Path, "run", "rule.yaml", "--input", "orders=orders.jsonl", "--reset-state", "order-timeout", "--no-progress");
        Assert.Equal(2, run.Exit);
        Assert.Contains("need --state", run.Stderr);
    }

    [Fact]
    public void Run_BadStateFlags_Exit2()
    {
        var interval = Run("--checkpoint-interval", "soon");
        Assert.Equal(2, interval.Exit);
        Assert.Contains("--checkpoint-interval", interval.Stderr);
        var sync = Run("--state-sync", "off");
        Assert.Equal(2, sync.Exit);
        Assert.Contains("--state-sync", sync.Stderr);
        Assert.False(File.Exists(_dir.File("state.db")), "nothing is created on bad usage");
    }

    [Fact]
    public void Run_StateSyncNormal_RunsAndResumes()
    {
        var first = Run("--state-sync", "normal");
        Assert.True(first.Exit == 0, first.Stderr);
        var again = Run("--state-sync", "normal");
        Assert.True(again.Exit == 0, again.Stderr);
        Assert.Contains("resumed from checkpoint", again.Stderr);
    }

    private void SaveState()
    {
        var first = Run();
        Assert.True(first.Exit == 0, first.Stderr);
    }

    private (int Exit, string Stderr) Run(params string[] more) => CepProcess.Run(_dir.Path, [.. Args("rule.yaml"), .. more]);

    private static string[] Args(params string[] rules) =>
        ["run", .. rules, "--input", "orders=orders.jsonl", "--output", "out.jsonl", "--state", "state.db", "--no-progress"];
}
