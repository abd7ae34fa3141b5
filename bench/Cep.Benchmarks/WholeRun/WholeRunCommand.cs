using System.Diagnostics;
using System.Globalization;
using Cep.Benchmarks.Workloads;
using Cep.Nfa;

namespace Cep.Benchmarks.WholeRun;

/// <summary>
/// The whole-run benchmark: seeded workloads W1–W5, the four W1 implementations side by side (checked to agree
/// before any timing is reported), and a markdown report. Exit status: 0 done, 1 the implementations disagree
/// (or the runner failed), 2 bad usage.
/// </summary>
internal static partial class WholeRunCommand
{
    private const long Window = 900_000;
    private const double Unpaid = 0.2;

    public static int Run(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        WholeRunOptions options;
        try
        {
            options = WholeRunOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine("whole-run: " + ex.Message);
            Console.Error.WriteLine(WholeRunOptions.Usage);
            return 2;
        }
        string? cep = null;
        if ((options.Workloads.Contains("W1") || options.Workloads.Contains("W5")) && !options.SkipEndToEnd)
        {
            cep = EndToEndOrderTimeout.LocateCep(options.Cep);
            if (cep is null)
            {
                Console.Error.WriteLine("whole-run: cep.dll not found (" + (options.Cep ?? "$CEP_DLL or src/Cep.Runner/bin/{Release,Debug}/net10.0") +
                    "). Build it with `dotnet build -c Release src/Cep.Runner`, pass --cep PATH, or --skip-e2e to leave it out.");
                return 2;
            }
        }
        var report = new Report();
        report.Line("# Cep whole-run benchmark" + (options.Smoke ? " (smoke sizes)" : ""));
        report.Line();
        report.Machine(["whole-run", .. args]);
        var work = Path.Combine(Path.GetTempPath(), "cep-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(work);
        var failures = new List<string>();
        var total = Stopwatch.StartNew();
        try
        {
            if (options.Workloads.Contains("W1"))
            {
                foreach (var disorder in new long[] { 0, 2000 })
                {
                    OrderTimeoutSideBySide(options, report, cep, work, disorder, failures);
                }
            }
            if (options.Workloads.Contains("W2"))
            {
                KeyScaling(options, report, failures);
            }
            if (options.Workloads.Contains("W3"))
            {
                MatchExplosion(options, report);
            }
            if (options.Workloads.Contains("W4"))
            {
                TimerStorm(options, report);
            }
            if (options.Workloads.Contains("W5"))
            {
                Ingest(options, report, cep, work, failures);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        report.Line($"Total time {total.Elapsed.TotalSeconds:F1} s; load average at the end {Report.LoadAverage()}.");
        if (failures.Count > 0)
        {
            report.Line();
            report.Line("## FAILED");
            foreach (var failure in failures)
            {
                report.Line("- " + failure);
            }
        }
        if (options.ReportPath is not null)
        {
            report.Save(options.ReportPath);
        }
        return failures.Count > 0 ? 1 : 0;
    }

    private sealed record Implementation(string Name, Func<OutcomeCollector, IOrderTimeoutRunner> Create);

    /// <summary>W1: the four implementations on the same events; outcome sets compared before timings count.</summary>
    private static void OrderTimeoutSideBySide(WholeRunOptions options, Report report, string? cep, string work, long disorder, List<string> failures)
    {
        var (orders, open) = options.Smoke ? (30_000, 5_000) : (1_000_000, 100_000);
        var spec = new OrderWorkloadSpec(orders, OrderWorkloadSpec.RateForOpenOrders(open, Unpaid, Window), Unpaid, Window, disorder, options.Seed);
        var workload = OrderWorkload.Generate(spec);
        var events = workload.Events;
        report.Line($"## W1 order timeout, {(disorder == 0 ? "in order" : $"{disorder / 1000} s disorder")}");
        report.Line();
        report.Line($"`begin create, followedBy pay, within 15m`, keyed by order: {spec}; {N(events.Length)} events, " +
                    $"expected {N(workload.ExpectedMatches)} matches and {N(workload.ExpectedTimeouts)} timeouts.");
        report.Line();
        var pattern = EngineOrderTimeout.Compile(Window);
        var implementations = new[]
        {
            new Implementation("(1) Cep engine-only", c => new EngineOrderTimeout(pattern, disorder, c)),
            new Implementation("(3) Rx.NET GroupBy/Take/Timeout", c => new RxOrderTimeout(Window, disorder, c)),
            new Implementation("(4) hand-coded Dictionary + PriorityQueue", c => new HandCodedOrderTimeout(Window, disorder, c)),
        };
        var collector = new OutcomeCollector(orders);
        // Warm-up on a prefix so tiered JIT has settled before the timed runs: three passes (a method is promoted
        // after 30 calls, and with tiered PGO promoted twice), then a pause for the background compiler to finish.
        // Without the pause the compiler's CPU time landed in whichever timed run came first (the engine's, in
        // order): 2.1 M events per CPU-second there against 3.1 M in the same code's later disorder run.
        // The prefix reaches past the first deadlines, so every path of the timed runs — timeouts too — has run
        // and been profiled: a prefix of the first 50 000 events (150 s of event time, no timeout before 900 s) left
        // the timeout paths to be compiled during the timed runs from profiles that had never seen one, and the
        // engine's rate then varied 4.0-4.5 M between processes (4.8-4.9 M running W1 alone, profile-w1).
        var prefix = events.AsSpan(0, WarmUpLength(events, Window)).ToArray();
        for (var pass = 0; pass < 3; pass++)
        {
            foreach (var implementation in implementations)
            {
                collector.Clear();
                Feed(implementation.Create(collector), prefix);
            }
        }
        Thread.Sleep(TimeSpan.FromSeconds(1));
        // The implementations take turns, one run each per round, so that a host whose speed drifts (this one is
        // shared) slows all of them alike instead of whichever ran during the slow minute; each row is its median.
        var runs = implementations.Select(_ => new List<Measurement>()).ToArray();
        var disagreements = new string?[implementations.Length];
        var outcomes = new (long Matches, long Timeouts)[implementations.Length];
        for (var rep = 0; rep < options.Reps; rep++)
        {
            for (var i = 0; i < implementations.Length; i++)
            {
                collector.Clear();
                var runner = implementations[i].Create(collector);
                runs[i].Add(Measurement.Of(() => Feed(runner, events)));
                (runner as IDisposable)?.Dispose();
                disagreements[i] ??= OutcomeCollector.Difference(workload.Expected, collector.Sorted());
                outcomes[i] = (collector.Matches, collector.Timeouts);
            }
        }
        var rows = new List<(string Name, Measurement Cost, string Agreement, long PeakRss)>();
        for (var i = 0; i < implementations.Length; i++)
        {
            if (disagreements[i] is { } disagreement)
            {
                failures.Add($"W1 (disorder {disorder} ms) {implementations[i].Name}: {disagreement}");
            }
            var agreement = disagreements[i] is null ? $"yes ({N(outcomes[i].Matches)} matches, {N(outcomes[i].Timeouts)} timeouts)" : "NO: " + disagreements[i];
            rows.Add((implementations[i].Name, Measurement.Median(runs[i]), agreement, -1));
        }
        if (cep is not null)
        {
            var (cost, startup, agreement, peak) = EndToEnd(options, workload, cep, work, collector, failures);
            rows.Insert(1, ("(2) Cep end-to-end (`cep run`, JSONL file → JSONL file)", cost, agreement, peak));
            if (startup.Cpu > TimeSpan.Zero && cost.Cpu > startup.Cpu)
            {
                // The same run less a two-line run's cost: what each further event costs once the process is up.
                var afterStartup = new Measurement(cost.Elapsed - startup.Elapsed, cost.Cpu - startup.Cpu, 0, 0, 0, 0);
                rows.Insert(2, ($"(2) the same, after start-up (less a two-line run's {startup.Cpu.TotalSeconds:F2} s CPU, {startup.Elapsed.TotalSeconds:F2} s wall)", afterStartup, agreement.Replace("process start included", "process start subtracted", StringComparison.Ordinal), peak));
            }
        }
        var engine = rows[0].Cost;
        report.Table(
            ["implementation", "events per CPU-second", "CPU ns/event", "events/s wall", "allocated B/event", "GC 0/1/2", "engine-only faster by × (CPU time)", "same matches and timeouts"],
            rows.Select(r => new[]
            {
                r.Name,
                Report.Rate(r.Cost.PerCpuSecond(events.Length)),
                F(r.Cost.CpuNanosecondsPer(events.Length)),
                Report.Rate(r.Cost.PerSecond(events.Length)),
                r.PeakRss >= 0 ? $"n/a (peak RSS {Report.Bytes(r.PeakRss)})" : F(r.Cost.AllocatedPer(events.Length)),
                r.PeakRss >= 0 ? "n/a" : r.Cost.Collections,
                F(r.Cost.Cpu / engine.Cpu, 2),
                r.Agreement,
            }));
        report.Line("\"engine-only faster by ×\" is this row's CPU time over engine-only's: above 1 the engine is faster by that factor. " +
                    "CPU time is the whole process's (user + system); for the runner it includes process start and JIT.");
        report.Line();
        OrderTimeoutMemory(report, workload, pattern, disorder);
        OrderTimeoutLatency(report, workload, pattern, disorder);
    }

    /// <summary>Events up to a quarter of a window past the first deadline (at least 50 000, at most all).</summary>
    private static int WarmUpLength(OrderEvent[] events, long windowMs)
    {
        if (events.Length == 0)
        {
            return 0;
        }
        var until = events[0].Timestamp + windowMs + windowMs / 4;
        var length = Math.Min(events.Length, 50_000);
        while (length < events.Length && events[length].Timestamp <= until)
        {
            length++;
        }
        return length;
    }

    private static void Feed(IOrderTimeoutRunner runner, OrderEvent[] events)
    {
        foreach (var e in events)
        {
            runner.OnEvent(e);
        }
        runner.End();
    }

    private static (Measurement Cost, Measurement Startup, string Agreement, long PeakRss) EndToEnd(WholeRunOptions options, OrderWorkload workload, string cep, string work, OutcomeCollector collector, List<string> failures)
    {
        var input = Path.Combine(work, "orders.jsonl");
        var rule = Path.Combine(work, "w1.yaml");
        var matches = Path.Combine(work, "matches.jsonl");
        var timeouts = Path.Combine(work, "timeouts.jsonl");
        workload.WriteJsonLines(input);
        File.WriteAllText(rule, EndToEndOrderTimeout.RuleYaml(workload.Spec.WindowMs, workload.Spec.DisorderMs));
        string[] arguments = ["run", rule, "--input", "orders=" + input, "--output", matches, "--side-output", "timeouts=" + timeouts];
        var runs = new List<Measurement>();
        long peak = 0;
        string? disagreement = null;
        for (var rep = 0; rep < options.Reps; rep++)
        {
            File.Delete(matches);
            File.Delete(timeouts);
            var run = EndToEndOrderTimeout.RunCep(cep, arguments, TimeSpan.FromMinutes(5));
            if (run.ExitCode != 0)
            {
                var message = $"cep run exited with {run.ExitCode}: {run.StandardError.Trim()}";
                failures.Add("W1 (2) end-to-end: " + message);
                return (new Measurement(run.Elapsed, run.Cpu, 0, 0, 0, 0), default, "NO: " + message, run.PeakRssBytes);
            }
            runs.Add(new Measurement(run.Elapsed, run.Cpu, 0, 0, 0, 0));
            peak = Math.Max(peak, run.PeakRssBytes);
            collector.Clear();
            EndToEndOrderTimeout.ReadRecords(matches, collector);
            EndToEndOrderTimeout.ReadRecords(timeouts, collector);
            disagreement ??= OutcomeCollector.Difference(workload.Expected, collector.Sorted());
        }
        if (disagreement is not null)
        {
            failures.Add($"W1 (disorder {workload.Spec.DisorderMs} ms) (2) end-to-end: {disagreement}");
        }
        var size = new FileInfo(input).Length;
        return (Measurement.Median(runs), StartupCost(options, cep, work, input, rule), disagreement is null
            ? $"yes ({N(collector.Matches)} matches, {N(collector.Timeouts)} timeouts; input {Report.Bytes(size)}, process start included)"
            : "NO: " + disagreement, peak);
    }

    /// <summary>The median cost of the same command over the input's first two lines: process start, rule compilation and JIT.</summary>
    private static Measurement StartupCost(WholeRunOptions options, string cep, string work, string input, string rule)
    {
        var twoLines = Path.Combine(work, "two-lines.jsonl");
        File.WriteAllLines(twoLines, File.ReadLines(input).Take(2));
        var matches = Path.Combine(work, "two-lines-matches.jsonl");
        var timeouts = Path.Combine(work, "two-lines-timeouts.jsonl");
        var runs = new List<Measurement>();
        for (var rep = 0; rep < Math.Max(3, options.Reps); rep++)
        {
            var run = EndToEndOrderTimeout.RunCep(cep, ["run", rule, "--input", "orders=" + twoLines, "--output", matches, "--side-output", "timeouts=" + timeouts], TimeSpan.FromMinutes(1));
            if (run.ExitCode != 0)
            {
                return default;
            }
            runs.Add(new Measurement(run.Elapsed, run.Cpu, 0, 0, 0, 0));
        }
        return Measurement.Median(runs);
    }

    /// <summary>Live heap per open order halfway through the stream, for each in-process implementation.</summary>
    private static void OrderTimeoutMemory(Report report, OrderWorkload workload, CompiledPattern<OrderEvent> pattern, long disorder)
    {
        var events = workload.Events;
        var half = events.AsSpan(0, events.Length / 2).ToArray();
        var collector = new OutcomeCollector(workload.Spec.Orders);
        long open = 0;
        var rows = new List<string[]>();
        foreach (var (name, create) in new (string, Func<IOrderTimeoutRunner>)[]
        {
            ("(1) Cep engine-only", () => new EngineOrderTimeout(pattern, disorder, collector)),
            ("(3) Rx.NET", () => new RxOrderTimeout(Window, disorder, collector)),
            ("(4) hand-coded", () => new HandCodedOrderTimeout(Window, disorder, collector)),
        })
        {
            collector.Clear();
            var before = Measurement.LiveBytes();
            var runner = create();
            foreach (var e in half)
            {
                runner.OnEvent(e);
            }
            var live = Measurement.LiveBytes() - before;
            if (runner.Open >= 0)
            {
                open = runner.Open;
            }
            rows.Add([name, Report.Bytes(live), N(open), open > 0 ? F((double)live / open, 0) : "?"]);
            GC.KeepAlive(runner);
            (runner as IDisposable)?.Dispose();
        }
        report.Line($"Memory halfway through the stream (events held by the benchmark itself are not counted; the Rx row uses the open-order count of the others):");
        report.Line();
        report.Table(["implementation", "live state", "open orders", "bytes per open order"], rows);
    }

    /// <summary>
    /// Ingress-to-emission latency of matches (wall clock, from the OnEvent call that handed over the pay event
    /// to the sink call), and how late timeouts are emitted: in event time (watermark at emission − deadline) and
    /// in wall-clock time from the start of the call that moved the watermark past the deadline.
    /// </summary>
    private static void OrderTimeoutLatency(Report report, OrderWorkload workload, CompiledPattern<OrderEvent> pattern, long disorder)
    {
        var events = workload.Events;
        var ingress = new long[events.Length];
        var matchLatency = new List<long>(workload.ExpectedMatches);
        var timeoutWall = new List<long>(workload.ExpectedTimeouts);
        var timeoutEventTime = new List<long>(workload.ExpectedTimeouts);
        var collector = new OutcomeCollector(workload.Spec.Orders);
        var runner = new EngineOrderTimeout(pattern, disorder, collector);
        long callStart = 0;
        var ending = false;
        runner.Observe = (result, kind) =>
        {
            var now = Stopwatch.GetTimestamp();
            if (ending)
            {
                return;
            }
            if (kind == OutcomeKind.Match)
            {
                matchLatency.Add(now - ingress[result.Newest.Event.Index]);
            }
            else
            {
                timeoutWall.Add(now - callStart);
                timeoutEventTime.Add(Math.Max(0, runner.Operator.Watermark - result.Time));
            }
        };
        foreach (var e in events)
        {
            callStart = ingress[e.Index] = Stopwatch.GetTimestamp();
            runner.OnEvent(e);
        }
        ending = true;
        runner.End();
        static string Micros(List<long> ticks, double p)
        {
            var sorted = ticks.ToArray();
            Array.Sort(sorted);
            return F(Measurement.Percentile(sorted, p) * 1e6 / Stopwatch.Frequency, 1);
        }
        static string Millis(List<long> ms, double p)
        {
            var sorted = ms.ToArray();
            Array.Sort(sorted);
            return N(Measurement.Percentile(sorted, p));
        }
        report.Line("Engine-only latency while replaying as fast as it goes (timeouts still open when the input ends are left out):");
        report.Line();
        report.Table(["measure", "p50", "p99", "p99.9", "max", "samples"],
        [
            ["match: OnEvent(pay) → OnMatch, µs wall", Micros(matchLatency, 0.5), Micros(matchLatency, 0.99), Micros(matchLatency, 0.999), Micros(matchLatency, 1), N(matchLatency.Count)],
            ["timeout: start of the call that passed the deadline → OnTimeout, µs wall", Micros(timeoutWall, 0.5), Micros(timeoutWall, 0.99), Micros(timeoutWall, 0.999), Micros(timeoutWall, 1), N(timeoutWall.Count)],
            ["timeout: watermark at emission − deadline, ms event time", Millis(timeoutEventTime, 0.5), Millis(timeoutEventTime, 0.99), Millis(timeoutEventTime, 0.999), Millis(timeoutEventTime, 1), N(timeoutEventTime.Count)],
        ]);
    }

    private static string F(double value, int digits = 1) => Report.F(value, digits);

    private static string N(long value) => Report.N(value);
}
