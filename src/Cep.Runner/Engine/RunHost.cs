using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Cep.Rules.Events;
using Cep.Runner.Cli;
using Cep.Runner.Inputs;
using Cep.Runner.Outputs;

namespace Cep.Runner.Engine;

/// <summary>
/// Sets up and tears down one <c>cep run</c>: checks inputs, loads rules, opens inputs and outputs, starts the
/// live-input readers, runs the <see cref="RunEngine"/> loop, then flushes everything and reports.
/// </summary>
internal sealed partial class RunHost
{
    private readonly RunSettings _settings;
    private readonly CliConsole _console;

    public RunHost(RunSettings settings, CliConsole console)
    {
        _settings = settings;
        _console = console;
    }

    public int Execute()
    {
        var error = _console.Error;
        if (!CheckInputs(error))
        {
            return Cli.ExitCodes.Usage;
        }
        var fields = new FieldTable();
        if (!RuleFiles.TryLoad(_settings.RulePaths, fields, error, out var ruleSet))
        {
            return Cli.ExitCodes.Usage;
        }
        WarnUnusedSideOutputs(ruleSet.Rules, error);
        if (!OpenState(ruleSet.Rules, error, out var stateExit))
        {
            return stateExit;
        }
        using var state = _state;

        var files = new List<FileSource>();
        try
        {
            for (var i = 0; i < _settings.Inputs.Count; i++)
            {
                var spec = _settings.Inputs[i];
                if (!spec.IsFile)
                {
                    continue;
                }
                try
                {
                    files.Add(FileSource.Open(i, spec, _settings.MaxLineBytes, StartOffset(spec)));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    error.WriteLine($"error: cannot read input '{spec.Source}': {e.Message}");
                    return Cli.ExitCodes.Usage;
                }
            }
            return Run(ruleSet.Rules, fields, files);
        }
        finally
        {
            foreach (var file in files)
            {
                file.Dispose();
            }
        }
    }

    private int Run(IReadOnlyList<Rules.CompiledRule> rules, FieldTable fields, List<FileSource> files)
    {
        var error = _console.Error;
        OutputSet outputs;
        RecordOutput? deadLetterFile = null;
        try
        {
            outputs = OpenOutputs();
            if (_settings.DeadLetterPath is { } path)
            {
                deadLetterFile = OpenDeadLetters(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot open output: {e.Message}");
            return Cli.ExitCodes.Failure;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_console.Interrupt);
        var listeners = new List<TcpListener>();
        using var deadLetters = new DeadLetters(error, deadLetterFile);
        var stopwatch = Stopwatch.StartNew();
        RunEngine? engine = null;
        ProgressDisplay? progress = null;
        var exit = Cli.ExitCodes.Ok;
        try
        {
            var engineInputs = _settings.Inputs.Select(s => new EngineInput(s.Stream, s.Kind == InputKind.CsvFile, s.Source)).ToList();
            engine = new RunEngine(rules, fields, engineInputs, outputs, deadLetters, RunClock.Default, error, trackChanges: _state is not null);
            foreach (var idle in engine.IdleRules)
            {
                error.WriteLine($"warning: rule '{idle.Name}' reads {string.Join(", ", idle.Streams ?? new HashSet<string>())}, which no --input provides; it sees no events");
            }
            RestoreState(engine, fields);
            engine.Start();

            // Made for the first live input only: a run over files never needs it, and its generic code over the
            // message type is JIT-compiled when it is built (~1 ms of start-up).
            Channel<InputMessage>? channel = null;
            ChannelWriter<InputMessage> Live() => (channel ??= Channel.CreateBounded<InputMessage>(new BoundedChannelOptions(RunSettings.LiveChannelCapacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            })).Writer;
            var liveEnding = 0;
            var listening = false;
            for (var i = 0; i < _settings.Inputs.Count; i++)
            {
                var spec = _settings.Inputs[i];
                switch (spec.Kind)
                {
                    case InputKind.StandardInput:
                        LiveInputs.StartStdin(_console.StandardInput, i, _settings.MaxLineBytes, Live(), stop.Token);
                        liveEnding++;
                        break;
                    case InputKind.TcpConnect:
                        LiveInputs.StartConnect(spec, i, _settings.MaxLineBytes, Live(), stop.Token);
                        liveEnding++;
                        break;
                    case InputKind.TcpListen:
                        var listener = LiveInputs.StartListen(spec, i, _settings.MaxLineBytes, _settings.Sockets, Live(), error, stop.Token, out var bound);
                        if (listener is null)
                        {
                            return Cli.ExitCodes.Failure;
                        }
                        listeners.Add(listener);
                        error.WriteLine($"{spec.Source}: listening on {bound}");
                        listening = true;
                        break;
                    default:
                        break;
                }
            }
            var live = liveEnding > 0 || listening ? channel!.Reader : null;

            if (_settings.Progress && _console.ErrorIsTerminal && files.Count > 0)
            {
                progress = ProgressDisplay.Start(engine, files);
            }
            var completed = engine.Run(files, _settings.MaxLineBytes, live, liveEnding, listening, stop.Token);
            if (!completed)
            {
                error.WriteLine("interrupted: stopped reading; records decided so far are written");
            }
            FinalCheckpoint(engine);
        }
        catch (RunFailedException e)
        {
            error.WriteLine($"error: {e.Message}");
            exit = Cli.ExitCodes.Failure;
        }
        catch (IOException e)
        {
            error.WriteLine($"error: {e.Message}");
            exit = Cli.ExitCodes.Failure;
        }
        finally
        {
            progress?.Dispose();
            stop.Cancel();
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
            try
            {
                outputs.Dispose();
            }
            catch (AggregateException e)
            {
                error.WriteLine($"error: writing output failed: {e.InnerException?.Message}");
                exit = Cli.ExitCodes.Failure;
            }
        }
        deadLetters.WriteSummary();
        if (engine is null)
        {
            return exit;
        }
        foreach (var rule in engine.Rules)
        {
            rule.Sink.WriteSummary();
        }
        if (_settings.Stats)
        {
            RunStats.Write(engine, stopwatch.Elapsed, error);
        }
        return exit;
    }

    private bool CheckInputs(TextWriter error)
    {
        var ok = true;
        if (_settings.Inputs.Count(i => i.Kind == InputKind.StandardInput) > 1)
        {
            error.WriteLine("error: standard input ('-') can be read by one --input only");
            ok = false;
        }
        foreach (var spec in _settings.Inputs.Where(i => i.Kind == InputKind.TcpListen))
        {
            IPAddress address;
            try
            {
                address = LiveInputs.ResolveListenAddress(spec.Host!);
            }
            catch (SocketException e)
            {
                error.WriteLine($"error: --input '{spec.Source}': {e.Message}");
                ok = false;
                continue;
            }
            if (!IPAddress.IsLoopback(address) && !_settings.Sockets.AllowRemote)
            {
                error.WriteLine($"error: --input '{spec.Source}' would accept connections from other machines; bind a loopback address or pass --allow-remote");
                ok = false;
            }
        }
        return ok;
    }

    private void WarnUnusedSideOutputs(IReadOnlyList<Rules.CompiledRule> rules, TextWriter error)
    {
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (rule.OnTimeout is { } t)
            {
                named.Add(t);
            }
            if (rule.OnLate is { } l)
            {
                named.Add(l);
            }
        }
        foreach (var (name, _) in _settings.SideOutputs)
        {
            if (!named.Contains(name))
            {
                error.WriteLine($"warning: --side-output {name}: no rule writes to a side output named '{name}'");
            }
        }
    }
}
