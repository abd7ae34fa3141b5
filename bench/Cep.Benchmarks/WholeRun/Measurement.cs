using System.Diagnostics;

namespace Cep.Benchmarks.WholeRun;

/// <summary>Cost of one timed section on the current thread.</summary>
/// <remarks><see cref="Cpu"/> is the process's CPU time (user + system) over the section: on a machine shared with
/// other work it is the fairer "per core" figure, since wall time then includes waiting for a core.</remarks>
internal readonly record struct Measurement(TimeSpan Elapsed, TimeSpan Cpu, long AllocatedBytes, int Gen0, int Gen1, int Gen2)
{
    public double PerSecond(long count) => count / Elapsed.TotalSeconds;

    public double PerCpuSecond(long count) => count / Cpu.TotalSeconds;

    public double NanosecondsPer(long count) => Elapsed.TotalMilliseconds * 1e6 / count;

    public double CpuNanosecondsPer(long count) => Cpu.TotalMilliseconds * 1e6 / count;

    public double AllocatedPer(long count) => (double)AllocatedBytes / count;

    public string Collections => $"{Gen0}/{Gen1}/{Gen2}";

    /// <summary>Runs <paramref name="action"/> after a full collection, counting time, allocations and collections.</summary>
    public static Measurement Of(Action action)
    {
        FullCollect();
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        using var process = Process.GetCurrentProcess();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpu = process.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        action();
        stopwatch.Stop();
        process.Refresh();
        return new Measurement(
            stopwatch.Elapsed,
            process.TotalProcessorTime - cpu,
            GC.GetAllocatedBytesForCurrentThread() - allocated,
            GC.CollectionCount(0) - gen0,
            GC.CollectionCount(1) - gen1,
            GC.CollectionCount(2) - gen2);
    }

    public static Measurement Median(IReadOnlyList<Measurement> runs)
    {
        var sorted = runs.OrderBy(r => r.Cpu).ToArray();
        return sorted[sorted.Length / 2];
    }

    public static void FullCollect()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>Live managed heap after a full collection.</summary>
    public static long LiveBytes()
    {
        FullCollect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Percentile of a sorted sample.</summary>
    public static long Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1 < 0 ? 0 : (int)Math.Ceiling(p * sorted.Length) - 1)];
}
