namespace Cep.Runner.Engine;

/// <summary>The <c>--stats</c> summary: totals of the run, then one line per rule.</summary>
internal static class RunStats
{
    public static void Write(RunEngine engine, TimeSpan elapsed, TextWriter error)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-6);
        var bytes = engine.Files.Sum(f => f.Offset);
        error.WriteLine(
            $"cep: {engine.Lines} lines, {engine.Events} events, {engine.DeadLetters.Count} dead letters, {FormatBytes(bytes)} of files in {elapsed.TotalSeconds:0.000}s ({engine.Events / seconds:0} events/s)");
        foreach (var rule in engine.Rules)
        {
            var sink = rule.Sink;
            error.WriteLine(
                $"  {rule.Rule.Name}: {sink.Matches} matches, {sink.Timeouts + sink.TimeoutsDropped} timeouts ({sink.TimeoutsDropped} dropped), "
                + $"{sink.Late + sink.LateDropped} late ({sink.LateDropped} dropped), {sink.Errors} expression errors");
        }
        foreach (var output in engine.Outputs.All)
        {
            error.WriteLine($"  output {output.Name}: {output.Records} records, {FormatBytes(output.Length)}");
        }

        // What the process spent beside the events: the first thing to look at when a run is slower than expected.
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        error.WriteLine(
            $"  process: CPU {process.TotalProcessorTime.TotalSeconds:0.000}s, peak memory {FormatBytes(process.PeakWorkingSet64)}, "
            + $"GC {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} collections (gen0/1/2), "
            + $"{GC.GetTotalPauseDuration().TotalMilliseconds:0} ms paused, {FormatBytes(GC.GetTotalAllocatedBytes())} allocated, "
            + $"JIT {System.Runtime.JitInfo.GetCompiledMethodCount()} methods in {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:0} ms");
    }

    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0} KiB",
        _ => $"{bytes} B",
    };
}
