using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cep.Benchmarks.Workloads;
using Cep.Nfa;
using Cep.Rules.Events;
using Cep.Runtime;

namespace Cep.Benchmarks.WholeRun;

/// <summary>W2–W5: key scaling, match explosion, timer storm, ingest.</summary>
internal static partial class WholeRunCommand
{
    /// <summary>W2: W1 (in order) with about K orders open at once; cost per event and bytes per pending partial match.</summary>
    private static void KeyScaling(WholeRunOptions options, Report report, List<string> failures)
    {
        int[] points = options.Smoke ? [1_000, 10_000] : options.Big ? [1_000, 100_000, 1_000_000, 10_000_000] : [1_000, 100_000, 1_000_000];
        report.Line("## W2 key scaling (W1 in order, about K orders open at once)");
        report.Line();
        report.Line("Bytes per pending partial match: live heap after K creates on K keys (all inside one window, watermark past " +
                    "them) minus live heap before, over K; the K event objects are allocated before the first measurement, " +
                    "so the figure is what the engine adds beyond the event.");
        report.Line();
        var pattern = EngineOrderTimeout.Compile(Window);
        report.TableHeader(
            ["keys open", "events", "engine events per CPU-s", "engine CPU ns/event", "engine B/event allocated", "engine B per pending match",
             "hand-coded CPU ns/event", "hand-coded B per pending order", "engine ÷ hand-coded speed", "outcomes correct"]);
        foreach (var keys in points)
        {
            var orders = Math.Max(2 * keys, options.Smoke ? 20_000 : 300_000);
            var spec = new OrderWorkloadSpec(orders, OrderWorkloadSpec.RateForOpenOrders(keys, Unpaid, Window), Unpaid, Window, 0, options.Seed);
            var workload = OrderWorkload.Generate(spec);
            var collector = new OutcomeCollector(orders);
            var engine = TimeRuns(options, () => new EngineOrderTimeout(pattern, 0, collector), workload, collector, out var engineOk);
            var hand = TimeRuns(options, () => new HandCodedOrderTimeout(Window, 0, collector), workload, collector, out var handOk);
            var events = workload.Events.Length;
            workload = null;
            var (enginePending, handPending) = BytesPerPending(pattern, keys);
            if (!engineOk || !handOk)
            {
                failures.Add($"W2 ({keys} keys): outcomes differ from the expected ones (engine {(engineOk ? "ok" : "WRONG")}, hand-coded {(handOk ? "ok" : "WRONG")})");
            }
            report.TableRow(
            [
                N(keys), N(events), Report.Rate(engine.PerCpuSecond(events)), F(engine.CpuNanosecondsPer(events)), F(engine.AllocatedPer(events)),
                F(enginePending, 0), F(hand.CpuNanosecondsPer(events)), F(handPending, 0), F(hand.Cpu / engine.Cpu, 2),
                engineOk && handOk ? "yes" : "NO",
            ]);
        }
        report.Line();
    }

    private static Measurement TimeRuns(WholeRunOptions options, Func<IOrderTimeoutRunner> create, OrderWorkload workload, OutcomeCollector collector, out bool correct)
    {
        var runs = new List<Measurement>();
        correct = true;
        for (var rep = 0; rep < options.Reps; rep++)
        {
            collector.Clear();
            var runner = create();
            runs.Add(Measurement.Of(() => Feed(runner, workload.Events)));
            correct &= OutcomeCollector.Difference(workload.Expected, collector.Sorted()) is null;
        }
        return Measurement.Median(runs);
    }

    private static (double Engine, double HandCoded) BytesPerPending(CompiledPattern<OrderEvent> pattern, int keys)
    {
        var creates = new OrderEvent[keys];
        for (var i = 0; i < keys; i++)
        {
            creates[i] = new OrderEvent(i + 1, OrderKind.Create, OrderWorkloadSpec.BaseTimestamp + i * 600_000L / keys, i);
        }
        var last = creates[^1].Timestamp;
        var collector = new OutcomeCollector(16);

        var before = Measurement.LiveBytes();
        var engine = new EngineOrderTimeout(pattern, 0, collector);
        foreach (var e in creates)
        {
            engine.OnEvent(e);
        }
        engine.Operator.OnWatermark(0, last);
        var engineBytes = (double)(Measurement.LiveBytes() - before) / keys;
        if (engine.Open != keys)
        {
            throw new InvalidOperationException($"expected {keys} pending partial matches, the engine holds {engine.Open}");
        }
        GC.KeepAlive(engine);
        engine = null;

        before = Measurement.LiveBytes();
        var hand = new HandCodedOrderTimeout(Window, 0, collector);
        foreach (var e in creates)
        {
            hand.OnEvent(e);
        }
        hand.AdvanceWatermark(last);
        var handBytes = (double)(Measurement.LiveBytes() - before) / keys;
        GC.KeepAlive(hand);
        GC.KeepAlive(creates);
        return (engineBytes, handBytes);
    }

    /// <summary>Counts records without keeping them (W3, W4).</summary>
    private sealed class CountingSink : IPatternSink<OrderEvent, long>
    {
        public long Matches { get; private set; }

        public long Timeouts { get; private set; }

        public Action? OnRecord { get; set; }

        public void OnMatch(in PatternResult<OrderEvent, long> match)
        {
            Matches++;
            OnRecord?.Invoke();
        }

        public void OnTimeout(in PatternResult<OrderEvent, long> timeout)
        {
            Timeouts++;
            OnRecord?.Invoke();
        }

        public void OnLate(int input, OrderEvent @event, long timestamp) => throw new InvalidOperationException("unexpected late event");

        public void OnConditionError(ConditionError<OrderEvent> error) => throw new InvalidOperationException("a condition threw", error.Exception);
    }

    /// <summary>W3: followedByAny + oneOrMore with a long window: partial matches and matches multiply per key.</summary>
    private static void MatchExplosion(WholeRunOptions options, Report report)
    {
        var (keys, perKey) = options.Smoke ? (20, 12) : (200, 150);
        var pattern = Pattern.Begin<OrderEvent>("a").Where(e => e.Kind == OrderKind.Create)
            .FollowedByAny("b").Where(e => e.Kind == OrderKind.Pay).OneOrMore()
            .Within(TimeSpan.FromHours(1))
            .Compile();
        var events = new List<OrderEvent>(keys * perKey);
        for (var j = 0; j < perKey; j++)
        {
            for (var k = 0; k < keys; k++)
            {
                events.Add(new OrderEvent(k + 1, j == 0 ? OrderKind.Create : OrderKind.Pay, OrderWorkloadSpec.BaseTimestamp + j * 1000L + k, events.Count));
            }
        }
        var sink = new CountingSink();
        long peakRuns = 0;
        var op = new KeyedPatternOperator<OrderEvent, long>(pattern, new OperatorOptions(), sink);
        var cost = Measurement.Of(() =>
        {
            var i = 0;
            foreach (var e in events)
            {
                op.OnEvent(0, e.OrderId, e, e.Timestamp, e.Timestamp);
                if (++i % keys == 0)
                {
                    peakRuns = Math.Max(peakRuns, op.PendingRuns);
                }
            }
            op.EndInput(0);
        });
        report.Line("## W3 match explosion");
        report.Line();
        report.Line($"`begin a, followedByAny b oneOrMore, within 1h`, {keys} keys × (1 a + {perKey - 1} b) events, in order.");
        report.Line();
        report.Table(["events", "matches", "timeouts", "peak open partial matches", "wall / CPU time", "events per CPU-s", "records per CPU-s", "allocated B/record"],
        [[
            N(events.Count), N(sink.Matches), N(sink.Timeouts), N(peakRuns), $"{cost.Elapsed.TotalMilliseconds:F0} / {cost.Cpu.TotalMilliseconds:F0} ms",
            Report.Rate(cost.PerCpuSecond(events.Count)), Report.Rate(cost.PerCpuSecond(sink.Matches + sink.Timeouts)),
            F(cost.AllocatedPer(Math.Max(1, sink.Matches + sink.Timeouts))),
        ]]);
    }

    /// <summary>W4: N keys each with a window ending in the same second; one watermark fires them all.</summary>
    private static void TimerStorm(WholeRunOptions options, Report report)
    {
        var keys = options.Smoke ? 50_000 : 1_000_000;
        var creates = new OrderEvent[keys];
        for (var i = 0; i < keys; i++)
        {
            creates[i] = new OrderEvent(i + 1, OrderKind.Create, OrderWorkloadSpec.BaseTimestamp + i * 1000L / keys, i);
        }
        var storm = OrderWorkloadSpec.BaseTimestamp + Window + 1000;
        var pattern = EngineOrderTimeout.Compile(Window);
        var sink = new CountingSink();
        var op = new KeyedPatternOperator<OrderEvent, long>(pattern, new OperatorOptions(), sink);
        var ingest = Measurement.Of(() =>
        {
            foreach (var e in creates)
            {
                op.OnEvent(0, e.OrderId, e, e.Timestamp, e.Timestamp);
            }
        });
        var delays = new long[keys];
        var fired = 0;
        long start = 0;
        sink.OnRecord = () => delays[fired++] = Stopwatch.GetTimestamp() - start;
        var fire = Measurement.Of(() =>
        {
            start = Stopwatch.GetTimestamp();
            op.OnWatermark(0, storm);
        });
        Array.Sort(delays, 0, fired);
        var collector = new OutcomeCollector(keys);
        var hand = new HandCodedOrderTimeout(Window, 0, collector);
        foreach (var e in creates)
        {
            hand.OnEvent(e);
        }
        var handFire = Measurement.Of(() => hand.AdvanceWatermark(storm));
        report.Line("## W4 timer storm");
        report.Line();
        report.Line($"{N(keys)} keys, one create each within the same second, `within 15m`; then one watermark passes every deadline.");
        report.Line();
        var ms = 1e3 / Stopwatch.Frequency;
        report.Table(["measure", "value"],
        [
            ["timeouts fired", fired == keys && sink.Timeouts == keys ? N(fired) : $"{N(fired)} — expected {N(keys)} (WRONG)"],
            ["ingest (schedule): wall / CPU time, CPU per key", $"{ingest.Elapsed.TotalMilliseconds:F0} / {ingest.Cpu.TotalMilliseconds:F0} ms, {F(ingest.CpuNanosecondsPer(keys))} ns"],
            ["storm (fire): wall / CPU time, CPU per timeout", $"{fire.Elapsed.TotalMilliseconds:F0} / {fire.Cpu.TotalMilliseconds:F0} ms, {F(fire.CpuNanosecondsPer(keys))} ns"],
            ["allocated per timeout while firing", $"{F(fire.AllocatedPer(keys))} B"],
            ["GC 0/1/2 while firing", fire.Collections],
            ["delay from the watermark call to OnTimeout, p50 / p99 / max", $"{F(Measurement.Percentile(delays[..fired], 0.5) * ms)} / {F(Measurement.Percentile(delays[..fired], 0.99) * ms)} / {F(fired > 0 ? delays[fired - 1] * ms : 0)} ms"],
            ["hand-coded loop: fire wall / CPU time, CPU per timeout", $"{handFire.Elapsed.TotalMilliseconds:F0} / {handFire.Cpu.TotalMilliseconds:F0} ms, {F(handFire.CpuNanosecondsPer(keys))} ns ({collector.Timeouts} timeouts)"],
        ]);
    }

    /// <summary>W5: parse and discard a JSON Lines file in process; then the runner over a file and over loopback TCP.</summary>
    private static void Ingest(WholeRunOptions options, Report report, string? cep, string work, List<string> failures)
    {
        var orders = options.Smoke ? 30_000 : 1_000_000;
        var spec = new OrderWorkloadSpec(orders, OrderWorkloadSpec.RateForOpenOrders(100_000, Unpaid, Window), Unpaid, Window, 2000, options.Seed);
        var workload = OrderWorkload.Generate(spec);
        var path = Path.Combine(work, "ingest.jsonl");
        workload.WriteJsonLines(path);
        var lines = workload.Events.Length;
        workload = null;
        var bytes = new FileInfo(path).Length;
        var fields = new FieldTable();
        fields.Slot("orderId");
        fields.Slot("type");
        fields.Slot("ts");
        ParseFile(path, fields); // warm-up
        long parsed = 0;
        var runs = new List<Measurement>();
        for (var rep = 0; rep < options.Reps; rep++)
        {
            runs.Add(Measurement.Of(() => parsed = ParseFile(path, fields)));
        }
        var cost = Measurement.Median(runs);
        report.Line("## W5 ingest only (parse and discard)");
        report.Line();
        report.Line($"{N(lines)} W1 lines, {Report.Bytes(bytes)}.");
        report.Line();
        var rows = new List<string[]>
        {
            new[]
            {
                "in process: FileStream → split lines → JsonEventParser.TryParse (3 fields registered)",
                parsed == lines ? N(parsed) : $"{N(parsed)} (expected {N(lines)})",
                Report.Rate(cost.PerCpuSecond(lines)), Report.Rate(cost.PerSecond(lines)), F(bytes / cost.Cpu.TotalSeconds / (1 << 20)), F(cost.AllocatedPer(lines)),
            },
        };
        if (cep is not null)
        {
            var rule = Path.Combine(work, "never.yaml");
            var output = Path.Combine(work, "never-out.jsonl");
            File.WriteAllText(rule, EndToEndOrderTimeout.RuleYaml(Window, 2000, neverMatch: true));
            var file = EndToEndOrderTimeout.RunCep(cep, ["run", rule, "--input", "orders=" + path, "--output", output], TimeSpan.FromMinutes(5));
            rows.Add(RunnerRow("`cep run` with a rule that never matches, file input (process start included)", file, lines, bytes, failures));
            var tcp = RunOverTcp(cep, rule, path, output);
            rows.Add(RunnerRow("`cep run`, input `tcp://127.0.0.1:PORT` (the benchmark serves the file on loopback)", tcp, lines, bytes, failures));
        }
        report.Table(["path", "lines", "lines per CPU-s", "lines/s wall", "MiB per CPU-s", "allocated B/line"], rows);
        if (cep is not null)
        {
            LatencyOverTcp(options, report, cep, work, failures);
        }
    }

    /// <summary>Ingress-to-emission latency of <c>cep run</c> in processing time over loopback TCP (see <see cref="TcpLatency"/>).</summary>
    private static void LatencyOverTcp(WholeRunOptions options, Report report, string cep, string work, List<string> failures)
    {
        var (orders, rate) = options.Smoke ? (2_000, 5_000) : (50_000, 10_000);
        var result = TcpLatency.Run(cep, work, orders, rate);
        report.Line();
        report.Line($"Ingress-to-emission latency over loopback TCP, processing time: W1's pattern within {TcpLatency.WindowMs} ms, "
            + $"{N(orders)} orders sent at {N(rate)} per second ({N((long)result.LinesPerSecond)} lines/s), 80 % paid 20 ms after "
            + "their create; the runner connects to the benchmark and writes its records to standard output. The first fifth "
            + "of the orders is warm-up and not counted.");
        report.Line();
        if (result.Failure is not null)
        {
            failures.Add("W5 latency over TCP: " + result.Failure);
            report.Line("FAILED: " + result.Failure);
            return;
        }
        static string Us(long[] sorted, double p) => F(Measurement.Percentile(sorted, p) * 1e6 / Stopwatch.Frequency);
        report.Table(["measure", "p50", "p99", "p99.9", "max", "samples"],
        [
            ["match: pay line sent → match record read, µs wall", Us(result.MatchTicks, 0.5), Us(result.MatchTicks, 0.99), Us(result.MatchTicks, 0.999), Us(result.MatchTicks, 1.0), N(result.MatchTicks.Length)],
            ["timeout: deadline (create sent + window) → timeout record read, µs wall", Us(result.TimeoutTicks, 0.5), Us(result.TimeoutTicks, 0.99), Us(result.TimeoutTicks, 0.999), Us(result.TimeoutTicks, 1.0), N(result.TimeoutTicks.Length)],
        ]);
    }

    private static string[] RunnerRow(string name, ProcessRun run, long lines, long bytes, List<string> failures)
    {
        if (run.ExitCode != 0)
        {
            failures.Add($"W5 {name}: cep exited with {run.ExitCode}: {run.StandardError.Trim()}");
            return [name, "failed", "-", "-", "-", "-"];
        }
        var cpu = run.Cpu.TotalSeconds;
        return [name, N(lines), Report.Rate(lines / cpu), Report.Rate(lines / run.Elapsed.TotalSeconds), F(bytes / cpu / (1 << 20)), $"n/a (peak RSS {Report.Bytes(run.PeakRssBytes)})"];
    }

    private static ProcessRun RunOverTcp(string cep, string rule, string path, string output)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serve = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            await using var network = client.GetStream();
            await using var file = File.OpenRead(path);
            await file.CopyToAsync(network, 1 << 20);
        });
        var run = EndToEndOrderTimeout.RunCep(cep, ["run", rule, "--input", $"orders=tcp://127.0.0.1:{port}", "--output", output], TimeSpan.FromMinutes(5));
        if (!serve.Wait(TimeSpan.FromSeconds(10)))
        {
            return run with { ExitCode = run.ExitCode == 0 ? -1 : run.ExitCode, StandardError = run.StandardError + " (the benchmark's TCP server did not finish sending)" };
        }
        return run;
    }

    /// <summary>Reads a JSON Lines file in 1 MiB chunks and parses every line; returns the number parsed.</summary>
    private static long ParseFile(string path, FieldTable fields)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[1 << 20];
        var filled = 0;
        long line = 0;
        long parsed = 0;
        while (true)
        {
            var read = stream.Read(buffer, filled, buffer.Length - filled);
            filled += read;
            var start = 0;
            while (true)
            {
                var newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n');
                if (newline < 0)
                {
                    break;
                }
                line++;
                if (newline > 0 && JsonEventParser.TryParse(buffer.AsMemory(start, newline), "orders", line, fields, out _, out _))
                {
                    parsed++;
                }
                start += newline + 1;
            }
            if (read == 0)
            {
                if (start < filled && JsonEventParser.TryParse(buffer.AsMemory(start, filled - start), "orders", ++line, fields, out _, out _))
                {
                    parsed++;
                }
                return parsed;
            }
            Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
            filled -= start;
        }
    }
}
