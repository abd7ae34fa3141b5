namespace Cep.State;

/// <summary>What went wrong with a state file, so the runner can pick an exit code and a message.</summary>
public enum StateErrorKind
{
    /// <summary>The file is damaged: not a database, a failed integrity check, a blob with a bad checksum.</summary>
    Corrupt,

    /// <summary>The file was written by a newer Cep (schema or blob format this build does not know).</summary>
    NewerVersion,

    /// <summary>The file is an SQLite database but not a Cep state file.</summary>
    NotAStateFile,

    /// <summary>Another process holds the state file.</summary>
    Locked,

    /// <summary>Writing a checkpoint failed (disk full, I/O error); the previous checkpoint is intact.</summary>
    CheckpointFailed,

    /// <summary>The saved state does not fit the current rules or files (a changed rule, a shortened output).</summary>
    Mismatch,
}

/// <summary>A state file problem, with a message meant for the person running Cep.</summary>
public sealed class StateException : Exception
{
    public StateException(StateErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public StateException()
        : this(StateErrorKind.Corrupt, "state file error")
    {
    }

    public StateException(string message)
        : this(StateErrorKind.Corrupt, message)
    {
    }

    public StateException(string message, Exception innerException)
        : this(StateErrorKind.Corrupt, message, innerException)
    {
    }

    public StateErrorKind Kind { get; }
}
