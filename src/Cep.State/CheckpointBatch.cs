using System.Text;

namespace Cep.State;

/// <summary>
/// One checkpoint being assembled: everything is copied into the batch, so the engine may go on changing its
/// state while the batch is committed on another thread. Only what changed since the previous checkpoint needs
/// to be put: keys not mentioned keep their committed value. Key records are appended to chunk buffers as they
/// come (see <see cref="KeyLog"/>); nothing is allocated per key.
/// </summary>
public sealed class CheckpointBatch
{
    private readonly CheckpointStore _store;
    private readonly List<RuleEntry> _rules = [];
    private readonly HashSet<string> _droppedRules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChunkBuilder> _chunks = new(StringComparer.Ordinal);
    private readonly List<(string Rule, KeyChunkStream Stream)> _streams = [];
    private readonly Dictionary<string, Dictionary<byte[], byte[]?>> _putKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _keyCounts = new(StringComparer.Ordinal);
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

    internal IReadOnlyList<SavedInput> Inputs => _inputs;

    internal IReadOnlyList<(string Path, long Length)> Outputs => _outputs;

    internal IReadOnlyList<(string Table, IReadOnlyList<string> Records)> Records => _records;

    internal IReadOnlyDictionary<string, long> KeyCounts => _keyCounts;

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

    /// <summary>
    /// How many keys of <paramref name="rule"/> hold state once this batch is applied. A writer that knows it
    /// (the engine does) says so; otherwise the store counts the rule's live keys itself after the commit, which
    /// reads all of its chunks.
    /// </summary>
    public void SetKeyCount(string rule, long count)
    {
        ArgumentException.ThrowIfNullOrEmpty(rule);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        CheckOpen();
        _keyCounts[rule] = count;
    }

    /// <summary>Removes a rule and all its keys (for <c>--reset-state</c> and <c>--drop-removed-rules</c>).</summary>
    public void DropRule(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        CheckOpen();
        if (_rules.Count > 0 || _chunks.Count > 0 || _streams.Count > 0 || _putKeys.Count > 0)
        {
            throw new InvalidOperationException("drop rules before putting rule or key state into the batch");
        }

        _droppedRules.Add(name);
    }

    /// <summary>
    /// Appends one key's state (the fast path: copied straight into the chunk being built). Each key may be
    /// appended at most once per batch, and not also given to <see cref="PutKey"/>.
    /// </summary>
    public void AppendKey(string rule, ReadOnlySpan<byte> key, ReadOnlySpan<byte> state)
    {
        CheckOpen();
        ChunksOf(rule).Add(key, state, tombstone: false);
        PutKeys++;
        Bytes += key.Length + state.Length;
    }

    /// <summary>Appends the deletion of one key (the key holds nothing any more); same rules as <see cref="AppendKey"/>.</summary>
    public void AppendDeletedKey(string rule, ReadOnlySpan<byte> key)
    {
        CheckOpen();
        ChunksOf(rule).Add(key, default, tombstone: true);
        DeletedKeys++;
    }

    /// <summary>
    /// Adds key records that <paramref name="write"/> serializes while the batch commits: it runs on a thread of
    /// its own when the commit reaches the rule, and each chunk it fills is stored while it fills the next (see
    /// <see cref="KeyChunkStream"/>). Whatever it reads must stay unchanged until <see cref="Commit"/> returns. If it
    /// throws, the commit fails with its exception and the previous checkpoint stays the one on disk. The same rules
    /// as <see cref="AppendKey"/> apply across all records of a rule: each key at most once.
    /// </summary>
    public void StreamKeys(string rule, Action<KeyChunkWriter> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(rule);
        ArgumentNullException.ThrowIfNull(write);
        CheckOpen();
        _streams.Add((rule, new KeyChunkStream(write)));
    }

    /// <summary>Writes (inserts or replaces) one key's state; putting the same key again in the batch replaces it.</summary>
    public void PutKey(string rule, ReadOnlySpan<byte> key, ReadOnlySpan<byte> state)
    {
        ArgumentException.ThrowIfNullOrEmpty(rule);
        CheckOpen();
        PutsOf(rule)[key.ToArray()] = state.ToArray();
        PutKeys++;
        Bytes += key.Length + state.Length;
    }

    /// <summary>Deletes one key's state (the key holds nothing any more).</summary>
    public void DeleteKey(string rule, ReadOnlySpan<byte> key)
    {
        ArgumentException.ThrowIfNullOrEmpty(rule);
        CheckOpen();
        PutsOf(rule)[key.ToArray()] = null;
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
        try
        {
            var id = _store.Commit(this, savedAtMs);
            _committed = true;
            foreach (var (_, stream) in _streams)
            {
                PutKeys += stream.PutKeys;
                DeletedKeys += stream.DeletedKeys;
                Bytes += stream.Bytes;
            }

            return id;
        }
        finally
        {
            foreach (var (_, stream) in _streams)
            {
                if (!_committed)
                {
                    stream.Abandon();
                }

                stream.Dispose();
            }

            if (_committed)
            {
                foreach (var builder in _chunks.Values)
                {
                    builder.Dispose();
                }
            }
        }
    }

    /// <summary>The key chunks per rule, <see cref="PutKey"/> entries included.</summary>
    internal IEnumerable<(string Rule, IEnumerable<(byte[] Buffer, int Length, int Records)> Chunks)> KeyChunks()
    {
        foreach (var (rule, puts) in _putKeys)
        {
            var chunks = ChunksOf(rule);
            foreach (var (key, state) in puts)
            {
                chunks.Add(key, state, tombstone: state is null);
            }
        }

        _putKeys.Clear();
        var rules = _chunks.Keys.Concat(_streams.Select(s => s.Rule)).Distinct(StringComparer.Ordinal).ToList();
        return rules.Select(rule => (rule, ChunksToStore(rule, _chunks.GetValueOrDefault(rule))));
    }

    /// <summary>A rule's chunks: those built before the commit, then those of its streams as they fill (a stream
    /// starts its writer only when the commit asks for its first chunk).</summary>
    private IEnumerable<(byte[] Buffer, int Length, int Records)> ChunksToStore(string rule, ChunkBuilder? builder)
    {
        if (builder is not null)
        {
            foreach (var chunk in builder.Chunks)
            {
                yield return chunk;
            }
        }

        foreach (var (streamRule, stream) in _streams)
        {
            if (string.Equals(streamRule, rule, StringComparison.Ordinal))
            {
                foreach (var chunk in stream.Chunks())
                {
                    yield return chunk;
                }
            }
        }
    }

    /// <summary>The batch's builder for a rule, for records appended to the batch directly.</summary>
    private ChunkBuilder ChunksOf(string rule)
    {
        if (!_chunks.TryGetValue(rule, out var builder))
        {
            ArgumentException.ThrowIfNullOrEmpty(rule);
            builder = new ChunkBuilder();
            _chunks[rule] = builder;
        }

        return builder;
    }

    private Dictionary<byte[], byte[]?> PutsOf(string rule)
    {
        if (!_putKeys.TryGetValue(rule, out var puts))
        {
            puts = new Dictionary<byte[], byte[]?>(ByteArrayComparer.Instance);
            _putKeys[rule] = puts;
        }

        return puts;
    }

    private void CheckOpen()
    {
        if (_committed)
        {
            throw new InvalidOperationException("this checkpoint batch was already committed");
        }
    }

    internal sealed record RuleEntry(string Name, string Fingerprint, string Structure, byte[] Blob);

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}

/// <summary>
/// Key records of one rule written apart from a <see cref="CheckpointBatch"/>'s thread, into the chunks of a
/// streamed checkpoint (<see cref="CheckpointBatch.StreamKeys"/>). Not thread-safe; one writer per thread.
/// </summary>
public sealed class KeyChunkWriter
{
    /// <summary>A writer whose full chunks go to <paramref name="onSealed"/>.</summary>
    internal KeyChunkWriter(Action<(byte[] Buffer, int Length, int Records)> onSealed)
    {
        Builder = new ChunkBuilder { OnSealed = onSealed };
    }

    internal ChunkBuilder Builder { get; }

    internal int PutKeys { get; private set; }

    internal int DeletedKeys { get; private set; }

    internal long Bytes { get; private set; }

    /// <summary>Appends one key's state.</summary>
    public void Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> state)
    {
        Builder.Add(key, state, tombstone: false);
        PutKeys++;
        Bytes += key.Length + state.Length;
    }

    /// <summary>Appends the deletion of one key.</summary>
    public void AppendDeleted(ReadOnlySpan<byte> key)
    {
        Builder.Add(key, default, tombstone: true);
        DeletedKeys++;
    }
}
