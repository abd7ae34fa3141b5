using System.Diagnostics;
using Cep.Benchmarks.Workloads;

namespace Cep.Benchmarks.WholeRun;

/// <summary>
/// <c>profile-w1 [engine|hand-coded, or several comma-separated to alternate] [disorderMs] [seconds] [open orders]</c>:
/// W1 (1M orders, ~100K open unless told) through one implementation in a loop, or several taking turns, and nothing
/// else, so a profiler attached to the process (dotnet-trace, dotnet-counters, perf) sees only it.
/// </summary>
internal static class ProfileCommand
{
    public static int Run(string[] args)
    {
        // Several implementations, comma-separated, take turns round by round (an interleaved A/B on a noisy host).
        var choices = (args.Length > 0 ? args[0] : "engine").Split(',');
        var disorder = args.Length > 1 ? long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2000;
        var seconds = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20;
        var open = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var spec = new OrderWorkloadSpec(1_000_000, OrderWorkloadSpec.RateForOpenOrders(open, 0.2, 900_000), 0.2, 900_000, disorder, 42);
        var workload = OrderWorkload.Generate(spec);
        var pattern = EngineOrderTimeout.Compile(900_000);
        var collector = new OutcomeCollector(spec.Orders);
        var clock = Stopwatch.StartNew();
        var rounds = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            collector.Clear();
            var which = choices[rounds % choices.Length];
            IOrderTimeoutRunner runner = which switch
            {
                "engine" => new EngineOrderTimeout(pattern, disorder, collector),
                "hand-coded" => new HandCodedOrderTimeout(900_000, disorder, collector),
                _ => throw new ArgumentException($"unknown implementation '{which}' (engine, hand-coded)"),
            };
            var start = clock.Elapsed;
            using var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var paused = GC.GetTotalPauseDuration();
            var gen0 = GC.CollectionCount(0);
            var gen1 = GC.CollectionCount(1);
            var gen2 = GC.CollectionCount(2);
            foreach (var e in workload.Events)
            {
                runner.OnEvent(e);
            }
            runner.End();
            rounds++;
            process.Refresh();
            var cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
            Console.WriteLine($"round {rounds} {which}: {workload.Events.Length / cpuSeconds / 1e6:F2} M events per CPU-s, " +
                $"{workload.Events.Length / (clock.Elapsed - start).TotalSeconds / 1e6:F2} M events/s wall, {collector.Count} records, GC pauses {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:F0} ms " +
                $"(gen0/1/2 collections {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2})");
        }
        return 0;
    }
}
