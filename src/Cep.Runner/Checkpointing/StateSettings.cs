using Cep.State;

namespace Cep.Runner.Checkpointing;

/// <summary>The <c>--state</c> family of <c>cep run</c> flags.</summary>
/// <param name="Path">The state file (<c>--state</c>).</param>
/// <param name="IntervalMs">Time between checkpoints (<c>--checkpoint-interval</c>, default 10 s).</param>
/// <param name="Sync">SQLite durability (<c>--state-sync full|normal</c>).</param>
/// <param name="ResetRules">Rules whose saved state is dropped (<c>--reset-state RULE</c>, repeatable).</param>
/// <param name="DropRemovedRules">Drop the state of rules no longer given (<c>--drop-removed-rules</c>).</param>
internal sealed record StateSettings(
    string Path,
    long IntervalMs = StateSettings.DefaultIntervalMs,
    StateSync Sync = StateSync.Full,
    IReadOnlyList<string>? ResetRules = null,
    bool DropRemovedRules = false)
{
    public const long DefaultIntervalMs = 10_000;
}
