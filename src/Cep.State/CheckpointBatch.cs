using System.Text;

namespace Cep.State;

/// <summary>
/// One checkpoint being assembled: everything is copied into the batch, so the engine may go on changing its
/// state while the batch is committed on another thread. Only what changed since the previous checkpoint needs
/// to be put: rows not mentioned keep their committed value.
/// </summary>
public sealed class CheckpointBatch
{
    private readonly CheckpointStore _store;
    private readonly List<RuleEntry> _rules = [];
    private readonly HashSet<string> _droppedRules = new(StringComparer.Ordinal);
    private readonly List<KeyEntry> _keys = [];
    private readonly List<SavedInput> _inputs = [];
    private readonly List<(string Path, long Length)> _outputs = [];
    private readonly List<(string Table, IReadOnlyList<string> Records)> _records = [];
    private bool _committed;

    internal CheckpointBatch(CheckpointStore store)
    {
        _store = store;
    }

    /// <summary>Keys written with state in this batch.</summary>
    public int PutKeys { get; private set; }

    /// <summary>Keys deleted in this batch.</summary>
    public int DeletedKeys { get; private set; }

    /// <summary>Total payload bytes copied into this batch.</summary>
    public long Bytes { get; private set; }

    internal IReadOnlyList<RuleEntry> Rules => _rules;

    internal IReadOnlySet<string> DroppedRules => _droppedRules;

    internal IReadOnlyList<KeyEntry> Keys => _keys;

    internal IReadOnlyList<SavedInput> Inputs => _inputs;

    /// <summary>
    /// Key entries in (rule, key) order, keeping the order of entries for the same key: inserting in key order
    /// appends to the B-tree's leaves instead of touching a random page per key.
    /// </summary>
    internal IEnumerable<KeyEntry> SortedKeys()
    {
        var order = new int[_keys.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) =>
        {
            var byRule = string.CompareOrdinal(_keys[a].Rule, _keys[b].Rule);
            if (byRule != 0)
            {
                return byRule;
            }

            var byKey = _keys[a].Key.AsSpan().SequenceCompareTo(_keys[b].Key);
            return byKey != 0 ? byKey : a.CompareTo(b);
        });
        return order.Select(i => _keys[i]);
    }

    internal IReadOnlyList<(string Path, long Length)> Outputs => _outputs;

    internal IReadOnlyList<(string Table, IReadOnlyList<string> Records)> Records => _records;

    /// <summary>Writes a rule's identity and global state (watermarks, reorder buffer).</summary>
    public void SetRule(string name, string fingerprint, string structure, ReadOnlySpan<byte> global)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(structure);
        CheckOpen();
        _rules.Add(new RuleEntry(name, fingerprint, structure, BlobFormat.Frame(Encoding.UTF8.GetBytes(name), global)));
        Bytes += global.Length;
    }

    /// <summary>Removes a rule and all its keys (for <c>--reset-state</c> and <c>--drop-removed-rules</c>).</summary>
    public void DropRule(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        CheckOpen();
        if (_rules.Count > 0 || _keys.Count > 0)
        {
            throw new InvalidOperationException("drop rules before putting rule or key state into the batch");
        }

        _droppedRules.Add(name);
    }

    /// <summary>Writes (inserts or replaces) one key's state.</summary>
    public void PutKey(string rule, ReadOnlySpan<byte> key, ReadOnlySpan<byte> state)
    {
        ArgumentException.ThrowIfNullOrEmpty(rule);
        CheckOpen();
        var keyBytes = key.ToArray();
        _keys.Add(new KeyEntry(rule, keyBytes, BlobFormat.Frame(keyBytes, state)));
        PutKeys++;
        Bytes += key.Length + state.Length;
    }

    /// <summary>As <see cref="PutKey"/>, taking ownership of <paramref name="key"/> (saves a copy per key on the loop).</summary>
    internal void PutKeyOwned(string rule, byte[] key, ReadOnlySpan<byte> state)
    {
        CheckOpen();
        _keys.Add(new KeyEntry(rule, key, BlobFormat.Frame(key, state)));
        PutKeys++;
        Bytes += key.Length + state.Length;
    }

    /// <summary>As <see cref="DeleteKey"/>, taking ownership of <paramref name="key"/>.</summary>
    internal void DeleteKeyOwned(string rule, byte[] key)
    {
        CheckOpen();
        _keys.Add(new KeyEntry(rule, key, null));
        DeletedKeys++;
    }

    /// <summary>Deletes one key's state (the key holds nothing any more).</summary>
    public void DeleteKey(string rule, ReadOnlySpan<byte> key)
    {
        ArgumentException.ThrowIfNullOrEmpty(rule);
        CheckOpen();
        _keys.Add(new KeyEntry(rule, key.ToArray(), null));
        DeletedKeys++;
    }

    /// <summary>Records how far an input was consumed (bytes of complete lines, for files) and whether it ended.</summary>
    public void SetInput(string name, string source, long offset, bool ended = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        CheckOpen();
        _inputs.Add(new SavedInput(name, source, offset, ended));
    }

    /// <summary>
    /// Records an output file's committed length. The caller must have flushed and fsynced the file up to at
    /// least that length before <see cref="Commit"/>.
    /// </summary>
    public void SetOutput(string path, long length)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        CheckOpen();
        _outputs.Add((path, length));
    }

    /// <summary>Appends JSON records to a table of the state file, committed with this checkpoint.</summary>
    public void AddRecords(string table, IReadOnlyList<string> records)
    {
        SqliteRecordTable.ValidateName(table);
        ArgumentNullException.ThrowIfNull(records);
        CheckOpen();
        if (records.Count > 0)
        {
            _records.Add((table, records));
        }
    }

    /// <summary>
    /// Commits the batch in one SQLite transaction and returns the checkpoint id. On failure it throws a
    /// <see cref="StateException"/> (<see cref="StateErrorKind.CheckpointFailed"/>) and the previous checkpoint
    /// stays the one on disk. Safe to call from a thread other than the one that filled the batch.
    /// </summary>
    public long Commit(long savedAtMs)
    {
        CheckOpen();
        var id = _store.Commit(this, savedAtMs);
        _committed = true;
        return id;
    }

    private void CheckOpen()
    {
        if (_committed)
        {
            throw new InvalidOperationException("this checkpoint batch was already committed");
        }
    }

    internal sealed record RuleEntry(string Name, string Fingerprint, string Structure, byte[] Blob);

    internal sealed record KeyEntry(string Rule, byte[] Key, byte[]? Blob);
}
