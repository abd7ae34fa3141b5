using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Cep.Runner.Tests.Cli;

/// <summary>The built executable, run as a process: standard input, sockets, signals, help.</summary>
public sealed class ProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private const string HighRule = """
        rule: high
        key: id
        pattern:
          - begin: high
            where: level >= 80
        """;

    [Theory]
    [InlineData("run")]
    [InlineData("validate")]
    [InlineData("test")]
    [InlineData("explain")]
    public void Help_EveryCommand_PrintsUsageAndExitsZero(string command)
    {
        using var cep = new CepProcess(command, "--help");

        Assert.Equal(0, cep.WaitForExit(Timeout));
        Assert.Contains($"cep {command}", cep.Stdout, StringComparison.Ordinal);
        Assert.Contains("Usage:", cep.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_Root_ListsCommands()
    {
        using var cep = new CepProcess("--help");

        Assert.Equal(0, cep.WaitForExit(Timeout));
        foreach (var verb in new[] { "run", "validate", "test", "explain" })
        {
            Assert.Contains(verb, cep.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Run_StandardInput_ProcessesLinesUntilEndOfFile()
    {
        using var dir = new TempDir();
        var rule = dir.File("high.yaml", HighRule);
        using var cep = new CepProcess("run", rule, "--input", "-");

        cep.Stdin.WriteLine("{\"id\":\"s1\",\"level\":90}");
        cep.Stdin.WriteLine("oops");
        cep.Stdin.WriteLine("{\"id\":\"s2\",\"level\":10}");
        cep.Stdin.Close();

        Assert.Equal(0, cep.WaitForExit(Timeout));
        var record = JsonDocument.Parse(cep.Stdout.Trim()).RootElement;
        Assert.Equal("s1", record.GetProperty("key").GetString());
        Assert.Contains("stdin:2: warning: ", cep.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TcpConnect_ReadsUntilTheServerCloses()
    {
        using var dir = new TempDir();
        var rule = dir.File("high.yaml", HighRule);
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var port = ((IPEndPoint)server.LocalEndpoint).Port;
        using var cep = new CepProcess("run", rule, "--input", $"sensors=tcp://127.0.0.1:{port}");

        using var accepting = new CancellationTokenSource(Timeout);
        using (var client = await server.AcceptTcpClientAsync(accepting.Token))
        using (var stream = client.GetStream())
        {
            stream.Write(Encoding.UTF8.GetBytes("{\"id\":\"a\",\"level\":81}\n{\"id\":\"b\",\"level\":5}\n{\"id\":\"c\",\"le"));
            stream.Write(Encoding.UTF8.GetBytes("vel\":99}\n"));
        }

        Assert.Equal(0, cep.WaitForExit(Timeout));
        var keys = cep.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("key").GetString()!).Order().ToArray();
        Assert.Equal(["a", "c"], keys);
    }

    [Fact]
    public void Run_ProcessingTimeWindowOnOpenStdin_TimesOutByTheClockAndIsFlushedWhileIdle()
    {
        using var dir = new TempDir();
        var rule = dir.File("quick.yaml", """
            rule: quick
            key: order
            pattern:
              - begin: create
                where: type == 'create'
              - followedBy: pay
                where: type == 'pay'
            within: 300ms
            onTimeout: slow
            """);
        using var cep = new CepProcess("run", rule, "--input", "orders=-");

        cep.Stdin.WriteLine("{\"order\":\"a\",\"type\":\"create\"}");
        cep.Stdin.Flush();

        // No further event arrives and standard input stays open: the timer alone must fire, and the record must be flushed.
        Assert.True(CepProcess.WaitUntil(() => cep.Stdout.Contains("\"type\":\"timeout\"", StringComparison.Ordinal), Timeout), cep.Stderr);
        cep.Stdin.Close();
        Assert.Equal(0, cep.WaitForExit(Timeout));
        var record = JsonDocument.Parse(cep.Stdout.Trim()).RootElement;
        Assert.Equal("slow", record.GetProperty("output").GetString());
    }

    [Fact]
    public void Run_TcpConnectRefused_ExitsOne()
    {
        using var dir = new TempDir();
        var rule = dir.File("high.yaml", HighRule);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var cep = new CepProcess("run", rule, "--input", $"tcp://127.0.0.1:{port}");

        Assert.Equal(1, cep.WaitForExit(Timeout));
        Assert.Contains("cannot connect", cep.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Signals.SigTerm)]
    [InlineData(Signals.SigInt)]
    public void Run_TcpListenWithSeveralClients_ProcessesAllAndExitsZeroOnSignal(int signal)
    {
        using var dir = new TempDir();
        var rule = dir.File("high.yaml", HighRule);
        var output = dir.Combine("out.jsonl");
        using var cep = new CepProcess("run", rule, "--input", "sensors=tcp-listen://127.0.0.1:0", "--output", output);
        Assert.True(CepProcess.WaitUntil(() => cep.Stderr.Contains("listening on", StringComparison.Ordinal), Timeout), cep.Stderr);
        var port = int.Parse(cep.Stderr.Split("listening on ")[1].Split('\n')[0].Split(':')[^1].Trim(), System.Globalization.CultureInfo.InvariantCulture);

        var clients = Enumerable.Range(0, 3).Select(_ => new TcpClient()).ToList();
        try
        {
            foreach (var (client, i) in clients.Select((c, i) => (c, i)))
            {
                client.Connect(IPAddress.Loopback, port);
                client.GetStream().Write(Encoding.UTF8.GetBytes($"{{\"id\":\"c{i}\",\"level\":{80 + i}}}\n{{\"id\":\"x{i}\",\"level\":1}}\n"));
            }
            // A client that never finishes its line must not hold up the others.
            clients[0].GetStream().Write("{\"id\":\"partial\""u8);
            Assert.True(CepProcess.WaitUntil(() => File.Exists(output) && File.ReadAllLines(output).Length == 3, Timeout), "records did not arrive while clients stayed connected");

            cep.Signal(signal);

            Assert.Equal(0, cep.WaitForExit(Timeout));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
        var keys = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("key").GetString()!).Order().ToArray();
        Assert.Equal(["c0", "c1", "c2"], keys);
        Assert.Contains("interrupted", cep.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TcpListenMaxConnections_RefusesExtraClients()
    {
        using var dir = new TempDir();
        var rule = dir.File("high.yaml", HighRule);
        using var cep = new CepProcess("run", rule, "--input", "tcp-listen://127.0.0.1:0", "--max-connections", "1");
        Assert.True(CepProcess.WaitUntil(() => cep.Stderr.Contains("listening on", StringComparison.Ordinal), Timeout), cep.Stderr);
        var port = int.Parse(cep.Stderr.Split("listening on ")[1].Split('\n')[0].Split(':')[^1].Trim(), System.Globalization.CultureInfo.InvariantCulture);

        using var first = new TcpClient();
        first.Connect(IPAddress.Loopback, port);
        first.GetStream().Write("{\"id\":\"a\",\"level\":90}\n"u8);
        Assert.True(CepProcess.WaitUntil(() => cep.Stdout.Contains("\"a\"", StringComparison.Ordinal), Timeout), cep.Stderr);
        using var second = new TcpClient();
        second.Connect(IPAddress.Loopback, port);

        Assert.True(CepProcess.WaitUntil(() => cep.Stderr.Contains("connection refused", StringComparison.Ordinal), Timeout), cep.Stderr);
        cep.Signal(Signals.SigTerm);
        Assert.Equal(0, cep.WaitForExit(Timeout));
    }

    [Fact]
    public void Run_TcpListenIdleClient_IsClosedAfterIdleTimeout()
    {
        using var dir = new TempDir();
        var rule = dir.File("high.yaml", HighRule);
        using var cep = new CepProcess("run", rule, "--input", "tcp-listen://127.0.0.1:0", "--idle-timeout", "300ms");
        Assert.True(CepProcess.WaitUntil(() => cep.Stderr.Contains("listening on", StringComparison.Ordinal), Timeout), cep.Stderr);
        var port = int.Parse(cep.Stderr.Split("listening on ")[1].Split('\n')[0].Split(':')[^1].Trim(), System.Globalization.CultureInfo.InvariantCulture);

        using var idle = new TcpClient();
        idle.Connect(IPAddress.Loopback, port);

        Assert.True(CepProcess.WaitUntil(() => cep.Stderr.Contains("idle for", StringComparison.Ordinal), Timeout), cep.Stderr);
        var buffer = new byte[1];
        idle.ReceiveTimeout = 10_000;
        Assert.Equal(0, idle.GetStream().Read(buffer));
        cep.Signal(Signals.SigTerm);
        Assert.Equal(0, cep.WaitForExit(Timeout));
    }

    [Fact]
    public void Run_InvalidRules_ExitsTwoAsAProcess()
    {
        using var dir = new TempDir();
        var rule = dir.File("bad.yaml", "rule: x\nbogus: 1\npattern:\n  - begin: a\n");

        using var cep = new CepProcess("run", rule, "--input", "-");

        Assert.Equal(2, cep.WaitForExit(Timeout));
        Assert.Matches(@"bad\.yaml:2:1: error CEP\d{4}: ", cep.Stderr);
    }
}
