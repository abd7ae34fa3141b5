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
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("reading", maxValue: total);
                var started = DateTime.UtcNow;
                while (!done.IsCancellationRequested)
                {
                    var read = files.Sum(f => f.Offset);
                    var seconds = Math.Max((DateTime.UtcNow - started).TotalSeconds + ShowAfter.TotalSeconds, 0.001);
                    long matches = 0, timeouts = 0, late = 0;
                    foreach (var rule in engine.Rules)
                    {
                        matches += rule.Sink.Matches;
                        timeouts += rule.Sink.Timeouts + rule.Sink.TimeoutsDropped;
                        late += rule.Sink.Late + rule.Sink.LateDropped;
                    }
                    var watermark = engine.Watermark is { } w ? w.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-";
                    task.Description = Markup.Escape(
                        $"{RunStats.FormatBytes(read)}/{RunStats.FormatBytes(total)}  {engine.Events / seconds:0} ev/s  {matches} matches  {timeouts} timeouts  {late} late  {engine.DeadLetters.Count} dead  wm {watermark}");
                    task.Value = read;
                    context.Refresh();
                    done.WaitHandle.WaitOne(Refresh);
                }
                task.Value = total;
            });
    }
}
