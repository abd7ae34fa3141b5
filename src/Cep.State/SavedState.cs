namespace Cep.State;

/// <summary>The last committed checkpoint of a state file, as read by <see cref="CheckpointStore.Load"/>.</summary>
public sealed class SavedState
{
    internal SavedState(
        long checkpointId,
        long savedAtMs,
        IReadOnlyDictionary<string, SavedRule> rules,
        IReadOnlyDictionary<string, SavedInput> inputs,
        IReadOnlyDictionary<string, long> outputs)
    {
        CheckpointId = checkpointId;
        SavedAtMs = savedAtMs;
        Rules = rules;
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>Sequence number of the checkpoint (1 for the first).</summary>
    public long CheckpointId { get; }

    /// <summary>The processing clock (Unix ms) that the runner passed when it committed the checkpoint.</summary>
    public long SavedAtMs { get; }

    public IReadOnlyDictionary<string, SavedRule> Rules { get; }

    public IReadOnlyDictionary<string, SavedInput> Inputs { get; }

    /// <summary>Output path → committed length in bytes.</summary>
    public IReadOnlyDictionary<string, long> Outputs { get; }
}

/// <summary>One rule's saved global state (watermarks, reorder buffer) and identity.</summary>
/// <param name="Name">The rule's name.</param>
/// <param name="Fingerprint">Hash of the rule's structure when the state was saved.</param>
/// <param name="Structure">Readable form of that structure, one step per line, used to say what changed.</param>
/// <param name="Global">The rule's global payload, checksum verified.</param>
/// <param name="KeyCount">How many keys hold state for this rule.</param>
public sealed record SavedRule(string Name, string Fingerprint, string Structure, ReadOnlyMemory<byte> Global, long KeyCount)
{
    internal long Id { get; init; }
}

/// <summary>A saved input position.</summary>
/// <param name="Name">The input's name.</param>
/// <param name="Source">What the input read from when saved (a path, <c>-</c>, a URL).</param>
/// <param name="Offset">Bytes consumed from the start of a file input (complete lines only).</param>
/// <param name="Ended">The input had been read to its end (its watermark went to the end of time).</param>
public sealed record SavedInput(string Name, string Source, long Offset, bool Ended = false);
