using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cep.Benchmarks.WholeRun;

/// <summary>
/// Ingress-to-emission latency of <c>cep run</c> in processing time over loopback TCP: the benchmark listens, the
/// runner connects (<c>--input orders=tcp://127.0.0.1:PORT</c>) and writes its records to standard output. Orders are
/// sent at a steady rate: a create, then for 80 % of them a pay 20 ms later; the rest time out 200 ms after their
/// create reached the runner. A match's latency is from the pay line's send to its record read from the runner's
/// output; a timeout's is from its deadline (the create's send + 200 ms) to its record — how late the runner's
/// processing-time timer emits it. Both include the loopback hops and the pipe back. The first fifth of the orders
/// is warm-up (the runner's code is still being compiled) and not counted.
/// </summary>
internal static class TcpLatency
{
    public const int WindowMs = 200;
    private const int PayDelayMs = 20;

    public sealed record Result(long[] MatchTicks, long[] TimeoutTicks, int Orders, double LinesPerSecond, string? Failure);

    /// <summary>Sends <paramref name="orders"/> orders at <paramref name="ordersPerSecond"/> and collects every
    /// record's latency (Stopwatch ticks), sorted.</summary>
    public static Result Run(string cepDll, string work, int orders, int ordersPerSecond)
    {
        var rule = Path.Combine(work, "latency.yaml");
        File.WriteAllText(rule, EndToEndOrderTimeout.RuleYaml(WindowMs, 0, processingTime: true));
        var createSent = new long[orders];
        var paySent = new long[orders];
        var paid = new bool[orders];
        for (var i = 0; i < orders; i++)
        {
            paid[i] = i % 5 != 4;
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { cepDll, "run", rule, "--input", $"orders=tcp://127.0.0.1:{port}", "--output", "-", "--side-output", "timeouts=-" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stderr = process.StandardError.ReadToEndAsync();
        var matches = new List<long>(orders);
        var timeouts = new List<long>(orders / 4);
        var windowTicks = WindowMs * Stopwatch.Frequency / 1000;
        var warmUp = orders / 5;
        var reader = new Thread(() =>
        {
            // Stamped as each line is read: what a consumer of the runner's output would see.
            while (process.StandardOutput.ReadLine() is { } line)
            {
                var now = Stopwatch.GetTimestamp();
                var key = KeyOf(line);
                if (key < warmUp || key >= orders)
                {
                    continue;
                }
                if (line.Contains("\"type\":\"match\"", StringComparison.Ordinal))
                {
                    matches.Add(now - Volatile.Read(ref paySent[key]));
                }
                else if (line.Contains("\"type\":\"timeout\"", StringComparison.Ordinal))
                {
                    timeouts.Add(now - (Volatile.Read(ref createSent[key]) + windowTicks));
                }
            }
        }) { IsBackground = true, Name = "latency reader" };
        reader.Start();

        var accept = listener.AcceptTcpClientAsync();
        if (!accept.Wait(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            return new Result([], [], orders, 0, "the runner did not connect within 30 s: " + stderr.Result);
        }

        var sent = Stopwatch.StartNew();
        using (var client = accept.Result)
        {
            client.NoDelay = true;
            var socket = client.Client;
            var buffer = new byte[256];
            var periodTicks = (double)Stopwatch.Frequency / ordersPerSecond;
            var payDelayTicks = PayDelayMs * Stopwatch.Frequency / 1000;
            var origin = Stopwatch.GetTimestamp();
            var nextCreate = 0;
            var nextPay = 0;
            var lines = 0;
            while (nextCreate < orders || nextPay < orders)
            {
                var now = Stopwatch.GetTimestamp();
                var sentAny = false;
                while (nextCreate < orders && origin + (long)(nextCreate * periodTicks) <= now)
                {
                    Volatile.Write(ref createSent[nextCreate], Stopwatch.GetTimestamp());
                    socket.Send(buffer, 0, Line(buffer, nextCreate, "create"), SocketFlags.None);
                    nextCreate++;
                    lines++;
                    sentAny = true;
                }
                while (nextPay < nextCreate && origin + (long)(nextPay * periodTicks) + payDelayTicks <= now)
                {
                    if (paid[nextPay])
                    {
                        Volatile.Write(ref paySent[nextPay], Stopwatch.GetTimestamp());
                        socket.Send(buffer, 0, Line(buffer, nextPay, "pay"), SocketFlags.None);
                        lines++;
                        sentAny = true;
                    }
                    nextPay++;
                }
                if (!sentAny)
                {
                    Thread.Sleep(1);
                }
            }

            sent.Stop();
            var rate = lines / sent.Elapsed.TotalSeconds;

            // The last timeouts come due a window after the last create; then the connection closes and the run ends.
            Thread.Sleep(WindowMs * 3);
            socket.Shutdown(SocketShutdown.Send);
            if (!process.WaitForExit(30_000))
            {
                process.Kill(entireProcessTree: true);
                return new Result([], [], orders, rate, "the runner did not end within 30 s of its input closing");
            }
            reader.Join();
            var failure = process.ExitCode != 0 ? $"cep exited with {process.ExitCode}: {stderr.Result.Trim()}" : null;
            var matchTicks = matches.ToArray();
            var timeoutTicks = timeouts.ToArray();
            Array.Sort(matchTicks);
            Array.Sort(timeoutTicks);
            var expectedMatches = paid.Skip(warmUp).Count(p => p);
            var expectedTimeouts = orders - warmUp - expectedMatches;
            if (failure is null && (matchTicks.Length != expectedMatches || timeoutTicks.Length != expectedTimeouts))
            {
                failure = $"expected {expectedMatches} matches and {expectedTimeouts} timeouts after the warm-up, read {matchTicks.Length} and {timeoutTicks.Length}";
            }
            return new Result(matchTicks, timeoutTicks, orders, rate, failure);
        }
    }

    private static int Line(byte[] buffer, int order, string type)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{{\"orderId\":{order},\"type\":\"{type}\"}}\n");
        return Encoding.UTF8.GetBytes(text, buffer);
    }

    /// <summary>The number after <c>"key":</c> in a record, or -1.</summary>
    private static int KeyOf(string line)
    {
        var at = line.IndexOf("\"key\":", StringComparison.Ordinal);
        if (at < 0)
        {
            return -1;
        }
        at += 6;
        var end = at;
        while (end < line.Length && char.IsAsciiDigit(line[end]))
        {
            end++;
        }
        return int.TryParse(line.AsSpan(at, end - at), NumberStyles.None, CultureInfo.InvariantCulture, out var key) ? key : -1;
    }
}
