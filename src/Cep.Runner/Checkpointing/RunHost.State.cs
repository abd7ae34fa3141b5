using Cep.Rules.Events;
using Cep.Runner.Checkpointing;
using Cep.Runner.Inputs;
using Cep.Runner.Outputs;
using Cep.State;

namespace Cep.Runner.Engine;

/// <summary>The <c>--state</c> side of <see cref="RunHost"/>: kept here so the host's flow stays readable.</summary>
internal sealed partial class RunHost
{
    private RunCheckpointer? _state;
    private readonly Dictionary<InputSpec, long> _startOffsets = [];

    /// <summary>
    /// Opens the state file and checks it against the rules and files: a refused rule change exits 2, a damaged,
    /// newer or locked file (or an input shorter than its saved offset) exits 1. Nothing has been read or written.
    /// </summary>
    private bool OpenState(IReadOnlyList<Rules.CompiledRule> rules, TextWriter error, out int exit)
    {
        exit = Cli.ExitCodes.Ok;
        if (_settings.State is not { } settings)
        {
            return true;
        }

        try
        {
            _state = RunCheckpointer.Open(settings, rules, error);
            foreach (var spec in _settings.Inputs.Where(s => s.IsFile))
            {
                _startOffsets[spec] = _state.StartOffset(spec);
            }

            foreach (var path in new[] { _settings.OutputPath, _settings.DeadLetterPath }.Concat(_settings.SideOutputs.Select(s => s.Value)))
            {
                if (path is not null && path != "-" && !CheckpointOutputs.IsSqlite(path))
                {
                    _state.CommittedLength(path);
                }
            }

            return true;
        }
        catch (StateException e)
        {
            _state?.Dispose();
            _state = null;
            error.WriteLine($"error: {e.Message}");
            exit = e.Kind == StateErrorKind.Mismatch ? Cli.ExitCodes.Usage : Cli.ExitCodes.Failure;
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _state?.Dispose();
            _state = null;
            error.WriteLine($"error: state file {settings.Path}: {e.Message}");
            exit = Cli.ExitCodes.Failure;
            return false;
        }
    }

    private long StartOffset(InputSpec spec) => _startOffsets.GetValueOrDefault(spec);

    private OutputSet OpenOutputs()
    {
        if (_state is null && !CheckpointOutputs.IsSqlite(_settings.OutputPath))
        {
            return OutputSet.Open(_settings.OutputPath, _settings.SideOutputs, _console.StandardOutput);
        }

        try
        {
            return CheckpointOutputs.Open(_settings.OutputPath, _settings.SideOutputs, _console.StandardOutput, _state);
        }
        catch (Exception e) when (e is StateException or ArgumentException)
        {
            throw new IOException(e.Message, e);
        }
    }

    private RecordOutput OpenDeadLetters(string path) => RecordOutput.OpenFile(path, _state?.CommittedLength(path));

    private void RestoreState(RunEngine engine, FieldTable fields)
    {
        if (_state is null)
        {
            return;
        }

        try
        {
            _state.Restore(engine, fields);
        }
        catch (StateException e)
        {
            throw new RunFailedException(e.Message, e);
        }

        _state.Attach(engine);
    }

    private void FinalCheckpoint(RunEngine engine) => _state?.Checkpoint(engine, final: true);
}
