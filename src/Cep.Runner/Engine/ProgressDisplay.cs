using Cep.Runner.Inputs;
using Spectre.Console;

namespace Cep.Runner.Engine;

/// <summary>
/// Live progress of a long file run on a terminal (standard error): bytes read of total, events/s, matches,
/// timeouts, late events, dead letters and the watermark. It runs on its own thread and only reads counters the
/// processing thread writes (a torn or stale read shows a slightly old number, never a wrong record).
/// </summary>
internal sealed class ProgressDisplay : IDisposable
{
    private static readonly TimeSpan ShowAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);

    private readonly CancellationTokenSource _done = new();
    private readonly Task _task;

    private ProgressDisplay(RunEngine engine, IReadOnlyList<FileSource> files)
    {
        _task = Task.Run(() => Show(engine, files, _done.Token));
    }

    public static ProgressDisplay Start(RunEngine engine, IReadOnlyList<FileSource> files) => new(engine, files);

    public void Dispose()
    {
        _done.Cancel();
        try
        {
            _task.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // Progress is cosmetic; a rendering failure must not fail the run.
        }
        _done.Dispose();
    }

    private static void Show(RunEngine engine, IReadOnlyList<FileSource> files, CancellationToken done)
    {
        if (done.WaitHandle.WaitOne(ShowAfter))
        {
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var total = Math.Max(1, files.Sum(f => f.Length));
        var started = DateTime.UtcNow - ShowAfter;
        console.Live(Render(engine, files, total, started))
            .AutoClear(true)
            .Start(context =>
            {
                while (!done.WaitHandle.WaitOne(Refresh))
                {
                    context.UpdateTarget(Render(engine, files, total, started));
                }
            });
    }

    /// <summary>Two short lines, so that narrow terminals do not wrap them: reading progress, then what was decided.</summary>
    private static Rows Render(RunEngine engine, IReadOnlyList<FileSource> files, long total, DateTime started)
    {
        var read = files.Sum(f => f.Offset);
        var seconds = Math.Max((DateTime.UtcNow - started).TotalSeconds, 0.001);
        long matches = 0, timeouts = 0, late = 0;
        foreach (var rule in engine.Rules)
        {
            matches += rule.Sink.Matches;
            timeouts += rule.Sink.Timeouts + rule.Sink.TimeoutsDropped;
            late += rule.Sink.Late + rule.Sink.LateDropped;
        }
        var fraction = Math.Clamp(read / (double)total, 0, 1);
        const int Width = 24;
        var filled = (int)(fraction * Width);
        var bar = new string('#', filled) + new string('-', Width - filled);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return new Rows(
            new Markup(Markup.Escape(string.Create(inv, $"[{bar}] {fraction:P0}  {RunStats.FormatBytes(read)} of {RunStats.FormatBytes(total)}  {engine.Events / seconds:N0} events/s"))),
            new Markup(Markup.Escape(string.Create(inv, $"{matches:N0} matches  {timeouts:N0} timeouts  {late:N0} late  {engine.DeadLetters.Count:N0} dead letters  watermark {Watermark(engine.Watermark)}"))));
    }

    /// <summary>Epoch milliseconds read as a UTC time when they look like one; other clocks as plain numbers.</summary>
    private static string Watermark(long? watermark) => watermark switch
    {
        null => "-",
        long.MaxValue => "end",
        >= 100_000_000_000 and < 253_402_300_800_000 => DateTimeOffset.FromUnixTimeMilliseconds(watermark.Value).ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture),
        _ => watermark.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
