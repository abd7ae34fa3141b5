using System.Text.Json;

namespace Cep.Runner.Tests.Cli;

public sealed class RunCommandTests
{
    private const string OrderRule = """
        rule: order-timeout
        key: orderId
        time:
          field: ts
        pattern:
          - begin: create
            where: type == 'create'
          - followedBy: pay
            where: type == 'pay'
        within: 15m
        onTimeout: order-timeouts
        emit:
          waited: pay.$ts - create.$ts
        """;

    private const string Orders = """
        {"id":1,"orderId":"o1","type":"create","ts":0}
        {"id": 2,  "orderId":"o2","type":"create","ts":60000, "note":"spaced  \u00e9"}
        {"id":3,"orderId":"o1","type":"pay","ts":300000}
        {"id":4,"orderId":"o3","type":"create","ts":2000000}
        """;

    private static JsonElement[] Records(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();

    [Fact]
    public void Run_JsonLinesFile_WritesMatchAndTimeoutRecordsWithEventsExactlyAsRead()
    {
        using var dir = new TempDir();
        var rule = dir.File("order.yaml", OrderRule);
        var input = dir.File("orders.jsonl", Orders);

        var result = CepCli.Run("run", rule, "--input", input);

        Assert.Equal(0, result.Exit);
        var lines = result.Lines;
        Assert.Contains("{\"rule\":\"order-timeout\",\"type\":\"match\",\"key\":\"o1\",\"time\":300000,\"events\":{\"create\":[{\"id\":1,\"orderId\":\"o1\",\"type\":\"create\",\"ts\":0}],\"pay\":[{\"id\":3,\"orderId\":\"o1\",\"type\":\"pay\",\"ts\":300000}]},\"emit\":{\"waited\":300000}}", lines);
        // The timed-out order's event is spliced byte for byte, spacing and escapes included.
        Assert.Contains("{\"rule\":\"order-timeout\",\"type\":\"timeout\",\"output\":\"order-timeouts\",\"key\":\"o2\",\"time\":960000,\"events\":{\"create\":[{\"id\": 2,  \"orderId\":\"o2\",\"type\":\"create\",\"ts\":60000, \"note\":\"spaced  \\u00e9\"}]}}", lines);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public void Run_SideOutputPath_SendsTimeoutsThereAndKeepsMatchesOnMain()
    {
        using var dir = new TempDir();
        var rule = dir.File("order.yaml", OrderRule);
        var input = dir.File("orders.jsonl", Orders);
        var main = dir.Combine("out/main.jsonl");
        var side = dir.Combine("out/timeouts.jsonl");

        var result = CepCli.Run("run", rule, "--input", input, "--output", main, "--side-output", $"order-timeouts={side}");

        Assert.Equal(0, result.Exit);
        Assert.Equal("", result.Stdout);
        var mainRecords = Records(File.ReadAllText(main));
        var sideRecords = Records(File.ReadAllText(side));
        Assert.Equal(["match"], mainRecords.Select(r => r.GetProperty("type").GetString()));
        Assert.Equal(["o2", "o3"], sideRecords.Select(r => r.GetProperty("key").GetString()).Order());
        Assert.All(sideRecords, r => Assert.Equal("order-timeouts", r.GetProperty("output").GetString()));
    }

    [Fact]
    public void Run_TimeoutWithoutOnTimeout_IsDropped()
    {
        using var dir = new TempDir();
        var rule = dir.File("order.yaml", OrderRule.Replace("onTimeout: order-timeouts\n", "", StringComparison.Ordinal));
        var input = dir.File("orders.jsonl", Orders);

        var result = CepCli.Run("run", rule, "--input", input, "--stats");

        Assert.Equal(0, result.Exit);
        Assert.Single(result.Lines);
        Assert.Contains("2 timeouts (2 dropped)", result.Stderr);
        Assert.Matches(@"process: CPU \d+\.\d{3}s, peak memory .+, GC \d+/\d+/\d+ collections \(gen0/1/2\), \d+ ms paused, .+ allocated, JIT \d+ methods in \d+ ms", result.Stderr);
    }

    [Fact]
    public void Run_BadLines_AreDeadLettersWithSourceLineAndReasonAndTheRestIsProcessed()
    {
        using var dir = new TempDir();
        var rule = dir.File("order.yaml", OrderRule);
        var input = dir.File("orders.jsonl", """
            {"id":1,"orderId":"o1","type":"create","ts":0}
            {"id":2,"orderId":
            [1,2,3]

            {"id":5,"orderId":"o1","type":"pay"}
            {"id":6,"orderId":"o1","type":"pay","ts":1000}
            """);
        var deadLetter = dir.Combine("dead.jsonl");

        var result = CepCli.Run("run", rule, "--input", input, "--dead-letter", deadLetter);

        Assert.Equal(0, result.Exit);
        var match = Assert.Single(Records(result.Stdout));
        Assert.Equal(6, match.GetProperty("events").GetProperty("pay")[0].GetProperty("id").GetInt32());
        var dead = Records(File.ReadAllText(deadLetter));
        Assert.Equal([2L, 3, 5], dead.Select(d => d.GetProperty("line").GetInt64()));
        Assert.All(dead, d => Assert.Equal(input, d.GetProperty("source").GetString()));
        Assert.Equal("[1,2,3]", dead[1].GetProperty("text").GetString());
        Assert.Contains("no usable timestamp", dead[2].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains($"{input}:2: warning: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{input}:5: warning: no usable timestamp for rule 'order-timeout'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_BlankAndIndentedLines_BlankOnesAreSkippedIndentedOnesRead()
    {
        using var dir = new TempDir();
        var rule = dir.File("order.yaml", OrderRule);
        var input = dir.File("orders.jsonl",
            "{\"id\":1,\"orderId\":\"o1\",\"type\":\"create\",\"ts\":0}\n" +
            " \t \r\n" +
            "\r\n" +
            " \t{\"id\":4,\"orderId\":\"o1\",\"type\":\"pay\",\"ts\":1000} \r\n");
        var deadLetter = dir.Combine("dead.jsonl");

        var result = CepCli.Run("run", rule, "--input", input, "--dead-letter", deadLetter);

        Assert.Equal(0, result.Exit);
        var match = Assert.Single(Records(result.Stdout));
        Assert.Equal(4, match.GetProperty("events").GetProperty("pay")[0].GetProperty("id").GetInt32());
        Assert.False(File.Exists(deadLetter) && File.ReadAllText(deadLetter).Length > 0, "a blank line became a dead letter");
    }

    [Fact]
    public void Run_OversizeLine_IsADeadLetterNotACrash()
    {
        using var dir = new TempDir();
        var rule = dir.File("order.yaml", OrderRule);
        var input = dir.File("orders.jsonl", "{\"id\":1,\"orderId\":\"o1\",\"type\":\"create\",\"ts\":0,\"pad\":\"" + new string('x', 5000) + "\"}\n" + Orders);

        var result = CepCli.Run("run", rule, "--input", input, "--max-line-bytes", "1000");

        Assert.Equal(0, result.Exit);
        Assert.Contains($"{input}:1: warning: line longer than 1000 bytes", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, result.Lines.Length);
    }

    [Fact]
    public void Run_CsvInput_TypesNumbersAndMatches()
    {
        using var dir = new TempDir();
        var rule = dir.File("jump.yaml", """
            rule: jump
            key: id
            time:
              field: ts
              unit: s
            pattern:
              - begin: before
              - next: after
                where: abs(vc - before.vc) > 40
            afterMatch: skipToNext
            """);
        var input = dir.File("sensor.csv", "seq,id,ts,vc\n1,s1,100,10\n2,s1,101,70\n3,s2,101,5\n4,s1,102,\"20\"\n");

        var result = CepCli.Run("run", rule, "--input", input);

        Assert.Equal(0, result.Exit);
        var records = Records(result.Stdout);
        var seqs = records.Select(r => (r.GetProperty("events").GetProperty("before")[0].GetProperty("seq").GetInt32(), r.GetProperty("events").GetProperty("after")[0].GetProperty("seq").GetInt32())).Order().ToArray();
        Assert.Equal([(1, 2), (2, 4)], seqs);
        Assert.Equal("{\"seq\":1,\"id\":\"s1\",\"ts\":100,\"vc\":10}", records.Select(r => r.GetProperty("events").GetProperty("before")[0].GetRawText()).Order(StringComparer.Ordinal).First());
    }

    [Fact]
    public void Run_TwoNamedInputs_EachRuleReadsItsStreams()
    {
        using var dir = new TempDir();
        var rule = dir.File("recon.yaml", """
            rule: recon
            key: orderId
            time:
              field: ts
            order: any
            pattern:
              - begin: app
                from: app
              - followedBy: bank
                from: bank
            within: 5s
            onTimeout: unreconciled
            """);
        var app = dir.File("a.jsonl", "{\"id\":\"a1\",\"orderId\":\"x\",\"ts\":1000}\n{\"id\":\"a2\",\"orderId\":\"y\",\"ts\":2000}\n");
        var bank = dir.File("b.jsonl", "{\"id\":\"b1\",\"orderId\":\"x\",\"ts\":3000}\n");

        var result = CepCli.Run("run", rule, "--input", $"app={app}", $"bank={bank}");

        Assert.Equal(0, result.Exit);
        var records = Records(result.Stdout);
        Assert.Equal(2, records.Length);
        var match = records.Single(r => r.GetProperty("type").GetString() == "match");
        Assert.Equal("x", match.GetProperty("key").GetString());
        var timeout = records.Single(r => r.GetProperty("type").GetString() == "timeout");
        Assert.Equal("y", timeout.GetProperty("key").GetString());
        Assert.Equal(7000, timeout.GetProperty("time").GetInt64());
    }

    [Fact]
    public void Run_LateEventWithOnLate_GoesToMainOutputWithOutputName()
    {
        using var dir = new TempDir();
        var rule = dir.File("fails.yaml", """
            rule: fails
            key: user
            time:
              field: ts
            pattern:
              - begin: fail
                where: result == 'fail'
                times: 2
            within: 1m
            onLate: late
            """);
        var input = dir.File("logins.jsonl", """
            {"id":1,"user":"a","result":"fail","ts":10000}
            {"id":2,"user":"a","result":"ok","ts":20000}
            {"id":3,"user":"a","result":"fail","ts":5000}
            """);

        var result = CepCli.Run("run", rule, "--input", input);

        Assert.Equal(0, result.Exit);
        var late = Assert.Single(Records(result.Stdout));
        Assert.Equal("late", late.GetProperty("type").GetString());
        Assert.Equal("late", late.GetProperty("output").GetString());
        Assert.Equal("logins", late.GetProperty("stream").GetString());
        Assert.Equal("{\"id\":3,\"user\":\"a\",\"result\":\"fail\",\"ts\":5000}", late.GetProperty("event").GetRawText());
    }

    [Fact]
    public void Run_StandardInput_IsReadAsJsonLines()
    {
        using var dir = new TempDir();
        var rule = dir.File("order.yaml", OrderRule);

        var result = CepCli.RunWithStdin(Orders, "run", rule, "--input", "orders=-");

        Assert.Equal(0, result.Exit);
        Assert.Equal(3, result.Lines.Length);
    }

    [Fact]
    public void Run_InvalidRule_ExitsTwoWithCompilerStyleErrorsAndRunsNothing()
    {
        using var dir = new TempDir();
        var rule = dir.File("bad.yaml", "rule: bad\npattern:\n  - begin: a\n    where: nosuch(1)\n");
        var input = dir.File("orders.jsonl", Orders);
        var output = dir.Combine("out.jsonl");

        var result = CepCli.Run("run", rule, "--input", input, "--output", output);

        Assert.Equal(2, result.Exit);
        Assert.Matches(@"bad\.yaml:4:\d+: error CEP\d{4}: ", result.Stderr);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("--side-output", "nonsense")]
    [InlineData("--max-line-bytes", "0")]
    [InlineData("--idle-timeout", "5 minutes")]
    [InlineData("--unknown", "x")]
    public void Run_BadUsage_ExitsTwo(string option, string value)
    {
        using var dir = new TempDir();
        var rule = dir.File("order.yaml", OrderRule);
        var input = dir.File("orders.jsonl", Orders);

        var result = CepCli.Run("run", rule, "--input", input, option, value);

        Assert.Equal(2, result.Exit);
        Assert.Contains("error", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MissingInputFile_ExitsTwo()
    {
        using var dir = new TempDir();
        var rule = dir.File("order.yaml", OrderRule);

        var result = CepCli.Run("run", rule, "--input", dir.Combine("nope.jsonl"));

        Assert.Equal(2, result.Exit);
        Assert.Contains("cannot read input", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ListenOnNonLoopbackWithoutAllowRemote_ExitsTwo()
    {
        using var dir = new TempDir();
        var rule = dir.File("order.yaml", OrderRule);

        var result = CepCli.Run("run", rule, "--input", "tcp-listen://0.0.0.0:0");

        Assert.Equal(2, result.Exit);
        Assert.Contains("--allow-remote", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ManyBadLines_WarnsTenTimesThenSummarises()
    {
        using var dir = new TempDir();
        var rule = dir.File("order.yaml", OrderRule);
        var input = dir.File("orders.jsonl", string.Concat(Enumerable.Repeat("oops\n", 25)));

        var result = CepCli.Run("run", rule, "--input", input);

        Assert.Equal(0, result.Exit);
        Assert.Equal(10, result.Stderr.Split('\n').Count(l => l.Contains(": warning: not a JSON object", StringComparison.Ordinal)));
        Assert.Contains("15 more bad lines not shown (25 in all)", result.Stderr, StringComparison.Ordinal);
    }
}
