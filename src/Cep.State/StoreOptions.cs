namespace Cep.State;

/// <summary>How hard SQLite works to make each checkpoint survive a power cut.</summary>
public enum StateSync
{
    /// <summary>fsync on every commit: a checkpoint that returned is on disk (the default).</summary>
    Full,

    /// <summary>
    /// WAL with <c>synchronous=NORMAL</c>: a power cut may lose the latest checkpoints, but the file stays
    /// consistent and the run resumes from an older, still exactly-once, cut.
    /// </summary>
    Normal,
}

/// <summary>Options for <see cref="CheckpointStore.Open"/>.</summary>
public sealed record StoreOptions
{
    public StateSync Sync { get; init; } = StateSync.Full;

    /// <summary>Run <c>PRAGMA quick_check</c> when an existing file is opened (on by default).</summary>
    public bool VerifyOnOpen { get; init; } = true;

    /// <summary>Keep other processes out of the file while it is open (on by default).</summary>
    public bool Exclusive { get; init; } = true;

    /// <summary>Caps the file's size in pages; lets tests provoke a full disk (SQLITE_FULL) without filling one.</summary>
    internal long? MaxPageCount { get; init; }

    /// <summary>Records beyond twice the live keys a rule's log may hold before it is compacted; tests lower it
    /// to compact at every checkpoint.</summary>
    internal long CompactionSlack { get; init; } = 4096;

    public static StoreOptions Default { get; } = new();

    public static StateSync ParseSync(string text) => text.Trim().ToLowerInvariant() switch
    {
        "full" => StateSync.Full,
        "normal" => StateSync.Normal,
        _ => throw new ArgumentException($"unknown state sync mode '{text}' (expected full or normal)", nameof(text)),
    };
}
