using System.Diagnostics;
using System.Text.Json;

namespace Cep.State.Tests.Runner;

/// <summary>
/// The process-level guarantee: <c>cep run --state</c> killed with SIGKILL at random moments and restarted until
/// it finishes writes what an uninterrupted run writes — as a multiset, no record missing, none twice, no broken
/// line — on the main output and on a side output.
/// </summary>
[Collection(CepProcess.Collection)]
public sealed class CrashRecoveryTests : IDisposable
{
    private const int EventCount = 200_000;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Run_KilledWithSigkillRepeatedly_OutputEqualsUninterruptedRun()
    {
        File.WriteAllText(_dir.File("rule.yaml"), OrderWorkload.Rule);
        OrderWorkload.WriteEvents(_dir.File("orders.jsonl"), EventCount);

        var referenceTime = Stopwatch.StartNew();
        var reference = CepProcess.Run(_dir.Path, Args("ref.jsonl", "ref-timeouts.jsonl"));
        var referenceMs = (int)Math.Max(referenceTime.ElapsedMilliseconds, 100);
        Assert.True(reference.Exit == 0, reference.Stderr);
        var expectedMain = File.ReadAllLines(_dir.File("ref.jsonl"));
        var expectedSide = File.ReadAllLines(_dir.File("ref-timeouts.jsonl"));
        Assert.True(expectedMain.Length > 5_000, $"the workload produces matches ({expectedMain.Length})");
        Assert.True(expectedSide.Length > 50_000, $"the workload produces timeouts ({expectedSide.Length})");

        var random = new Random(20261121);
        var kills = 0;
        var budget = Stopwatch.StartNew();
        var args = Args("out.jsonl", "out-timeouts.jsonl", "--state", "state.db", "--checkpoint-interval", "100ms");
        for (var attempt = 0; ; attempt++)
        {
            Assert.True(budget.Elapsed < TimeSpan.FromSeconds(90), $"no finish after {attempt} attempts and {kills} kills");
            using var process = CepProcess.Start(_dir.Path, args, out var stderr);

            // Kill at a random point of the first half of an uninterrupted run (measured above, start-up included: a
            // run with checkpoints is no faster), so that however fast the machine and the runner, the first attempts
            // are killed before they finish; later attempts wait longer so the run always gets to finish.
            var delay = random.Next(referenceMs / 10, referenceMs / 2) + (attempt * referenceMs / 10);
            if (kills < 12 && !process.WaitForExit(delay))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                kills++;
                continue;
            }

            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {stderr}");
            break;
        }

        Assert.True(kills >= 3, $"the run was killed only {kills} time(s)");
        AssertSameMultiset(expectedMain, _dir.File("out.jsonl"));
        AssertSameMultiset(expectedSide, _dir.File("out-timeouts.jsonl"));
    }

    [Fact]
    public void Run_WithStateUninterrupted_WritesExactlyTheSameBytes()
    {
        File.WriteAllText(_dir.File("rule.yaml"), OrderWorkload.Rule);
        OrderWorkload.WriteEvents(_dir.File("orders.jsonl"), 20_000, seed: 7);
        Assert.Equal(0, CepProcess.Run(_dir.Path, Args("ref.jsonl", "ref-t.jsonl")).Exit);
        var run = CepProcess.Run(_dir.Path, Args("out.jsonl", "out-t.jsonl", "--state", "state.db", "--checkpoint-interval", "10ms"));
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Equal(File.ReadAllBytes(_dir.File("ref.jsonl")), File.ReadAllBytes(_dir.File("out.jsonl")));
        Assert.Equal(File.ReadAllBytes(_dir.File("ref-t.jsonl")), File.ReadAllBytes(_dir.File("out-t.jsonl")));

        // The same command again resumes at the end of the input and writes nothing new.
        var again = CepProcess.Run(_dir.Path, Args("out.jsonl", "out-t.jsonl", "--state", "state.db"));
        Assert.True(again.Exit == 0, again.Stderr);
        Assert.Contains("resumed from checkpoint", again.Stderr);
        Assert.Equal(File.ReadAllBytes(_dir.File("ref.jsonl")), File.ReadAllBytes(_dir.File("out.jsonl")));
    }

    [Fact]
    public void Run_InputAppendedAfterCompletedRun_RefusedWithExit2()
    {
        File.WriteAllText(_dir.File("rule.yaml"), OrderWorkload.Rule);
        OrderWorkload.WriteEvents(_dir.File("orders.jsonl"), 2_000, seed: 3);
        var first = CepProcess.Run(_dir.Path, Args("out.jsonl", "out-t.jsonl", "--state", "state.db"));
        Assert.True(first.Exit == 0, first.Stderr);
        var output = File.ReadAllBytes(_dir.File("out.jsonl"));

        File.AppendAllText(_dir.File("orders.jsonl"), "{\"type\":\"create\",\"orderId\":\"late\",\"ts\":99999999}\n");
        var second = CepProcess.Run(_dir.Path, Args("out.jsonl", "out-t.jsonl", "--state", "state.db"));
        Assert.Equal(2, second.Exit);
        Assert.Contains("was read to its end by the saved run", second.Stderr);
        Assert.Equal(output, File.ReadAllBytes(_dir.File("out.jsonl")));
    }

    private static string[] Args(string output, string side, params string[] more) =>
        ["run", "rule.yaml", "--input", "orders=orders.jsonl", "--output", output, "--side-output", $"order-timeouts={side}", "--no-progress", .. more];

    private static void AssertSameMultiset(string[] expected, string actualPath)
    {
        var bytes = File.ReadAllBytes(actualPath);
        Assert.True(bytes.Length == 0 || bytes[^1] == (byte)'\n', "the output ends with a complete line");
        var actual = File.ReadAllLines(actualPath);
        foreach (var line in actual)
        {
            using var _ = JsonDocument.Parse(line);
        }

        var missing = expected.Except(actual).Take(3).ToList();
        var extra = actual.Except(expected).Take(3).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0, $"missing: {string.Join(" | ", missing)}; extra: {string.Join(" | ", extra)}");
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
    }
}
