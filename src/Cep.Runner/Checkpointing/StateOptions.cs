using System.CommandLine;
using Cep.Rules.Model;
using Cep.State;

namespace Cep.Runner.Checkpointing;

/// <summary>The <c>--state</c> family of <c>cep run</c> options, kept apart from the rest of the command.</summary>
internal sealed class StateOptions
{
    public Option<string?> State { get; } = new("--state")
    {
        Description = "Checkpoint keyed state, timers, watermarks, input offsets and output lengths to this SQLite file, and resume from it when it exists.",
    };

    public Option<string> Interval { get; } = new("--checkpoint-interval")
    {
        Description = "Time between checkpoints with --state (250ms, 5s, 10m).",
        DefaultValueFactory = _ => "10s",
    };

    public Option<string> Sync { get; } = new("--state-sync")
    {
        Description = "full (default): every checkpoint is on disk when committed; normal: faster, a power cut may lose the latest checkpoints (never consistency).",
        DefaultValueFactory = _ => "full",
    };

    public Option<string[]> Reset { get; } = new("--reset-state")
    {
        Description = "Drop the saved state of RULE and start it empty (for a rule whose steps changed). Repeatable.",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<bool> DropRemoved { get; } = new("--drop-removed-rules")
    {
        Description = "Drop the saved state of rules that are no longer given.",
    };

    public IEnumerable<Option> All => [State, Interval, Sync, Reset, DropRemoved];

    /// <summary>Reads the options; null when there is no <c>--state</c>. Usage errors go to <paramref name="errors"/>.</summary>
    public StateSettings? Parse(ParseResult parse, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(errors);
        var path = parse.GetValue(State);
        var resets = parse.GetValue(Reset) ?? [];
        var dropRemoved = parse.GetValue(DropRemoved);
        if (string.IsNullOrEmpty(path))
        {
            if (resets.Length > 0 || dropRemoved)
            {
                errors.Add("--reset-state and --drop-removed-rules need --state");
            }

            return null;
        }

        if (!Durations.TryParse(parse.GetValue(Interval) ?? "", out var intervalMs, out var error) || intervalMs <= 0)
        {
            errors.Add($"--checkpoint-interval: {error ?? "must be more than 0"}");
        }

        var sync = StateSync.Full;
        try
        {
            sync = StoreOptions.ParseSync(parse.GetValue(Sync) ?? "full");
        }
        catch (ArgumentException e)
        {
            errors.Add($"--state-sync: {e.Message}");
        }

        return new StateSettings(path, intervalMs, sync, resets, dropRemoved);
    }
}
