using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Cep.State;

/// <summary>
/// The durable side of checkpointing: one SQLite file in WAL mode holding, per checkpoint, a consistent cut of
/// rule state (a global blob per rule, keyed state as a log of large checksummed chunks, see <see cref="KeyLog"/>),
/// input positions and committed output lengths. The store
/// knows nothing about the engine: it keeps checksummed byte blobs. A checkpoint is built in memory as a
/// <see cref="CheckpointBatch"/> (cheap, on the event thread) and committed in one transaction (possibly on
/// another thread), so the event loop never waits for an fsync.
/// </summary>
public sealed class CheckpointStore : IDisposable
{
    /// <summary>The schema this build writes and the newest it reads.</summary>
    public const int SchemaVersion = 2;

    /// <summary>Page size of new files: chunks are ~1 MiB blobs, and large pages mean fewer overflow pages to
    /// write, check and read.</summary>
    public const int NewFilePageSize = 65536;



    /// <summary>SQLite <c>application_id</c> of Cep state files: "CEPS".</summary>
    public const int ApplicationId = 0x43455053;

    private static readonly byte[] SqliteMagic = Encoding.ASCII.GetBytes("SQLite format 3\0");

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _ruleIds = new(StringComparer.Ordinal);
    private readonly Statements _statements;
    private long _checkpointId;
    private bool _disposed;
    private byte[] _readBuffer = [];
    private long _compactionSlack;

    private CheckpointStore(string path, SqliteConnection connection, long checkpointId)
    {
        Path = path;
        _connection = connection;
        _checkpointId = checkpointId;
        _statements = new Statements(connection);
        using var command = Command("SELECT id, name FROM cep_rules");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            _ruleIds[reader.GetString(1)] = reader.GetInt64(0);
        }
    }

    /// <summary>Full path of the state file.</summary>
    public string Path { get; }

    /// <summary>Id of the last committed checkpoint (0 when none was ever committed).</summary>
    public long LastCheckpointId
    {
        get
        {
            lock (_gate)
            {
                return _checkpointId;
            }
        }
    }

    /// <summary>
    /// Opens (or creates) a state file, checking that it is a Cep state file of a schema this build reads and that
    /// it is not damaged. Throws <see cref="StateException"/> with a message naming the file otherwise.
    /// </summary>
    public static CheckpointStore Open(string path, StoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= StoreOptions.Default;
        var full = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(full);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new StateException(StateErrorKind.CheckpointFailed, $"state file {full}: directory {directory} does not exist");
        }

        CheckHeader(full);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout=0");
            if (options.Exclusive)
            {
                // Set before the first access so WAL runs without shared memory and a second runner is shut out.
                Execute(connection, "PRAGMA locking_mode=EXCLUSIVE");
            }

            var applicationId = Convert.ToInt64(Scalar(connection, "PRAGMA application_id"));
            var userVersion = Convert.ToInt64(Scalar(connection, "PRAGMA user_version"));
            var objects = Convert.ToInt64(Scalar(connection, "SELECT count(*) FROM sqlite_schema"));
            if (applicationId == 0 && userVersion == 0 && objects == 0)
            {
                // Only an empty file takes a page size; WAL mode then fixes it.
                Execute(connection, $"PRAGMA page_size={NewFilePageSize}");
                SetJournal(connection, options);
                CreateSchema(connection);
                return new CheckpointStore(full, connection, 0) { _compactionSlack = options.CompactionSlack };
            }

            if (applicationId != ApplicationId)
            {
                throw new StateException(
                    StateErrorKind.NotAStateFile,
                    $"{full} is an SQLite database but not a Cep state file (application id {applicationId:x8}); refusing to touch it");
            }

            if (userVersion > SchemaVersion)
            {
                throw new StateException(
                    StateErrorKind.NewerVersion,
                    $"state file {full} has schema version {userVersion}, written by a newer Cep; this build reads up to version {SchemaVersion}");
            }

            if (userVersion < 1)
            {
                throw new StateException(StateErrorKind.Corrupt, $"state file {full} is damaged: schema version {userVersion}");
            }

            SetJournal(connection, options);
            if (options.VerifyOnOpen)
            {
                Verify(connection, full, userVersion);
            }

            if (userVersion == 1)
            {
                Migrate.FromVersion1(connection, full);
            }

            // A write takes the exclusive lock now rather than at the first checkpoint, so a second runner on the
            // same file fails at start.
            Execute(connection, "INSERT OR REPLACE INTO cep_meta(name, value) VALUES('opened_by', 'cep')");
            var checkpoint = Scalar(connection, "SELECT value FROM cep_meta WHERE name = 'checkpoint'");
            return new CheckpointStore(full, connection, checkpoint is null or DBNull ? 0 : Convert.ToInt64(checkpoint)) { _compactionSlack = options.CompactionSlack };
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw Translate(e, full, "open");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Starts a checkpoint. Fill it, then <see cref="CheckpointBatch.Commit"/> it.</summary>
    public CheckpointBatch BeginCheckpoint() => new(this);

    /// <summary>
    /// Reads the last committed checkpoint (null when the file holds none). Every rule blob is checksum
    /// verified here; key blobs are verified as <see cref="ReadKeys"/> hands them out.
    /// </summary>
    public SavedState? Load()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                using var transaction = _connection.BeginTransaction(deferred: true);
                var checkpoint = ScalarIn(transaction, "SELECT value FROM cep_meta WHERE name = 'checkpoint'");
                if (checkpoint is null or DBNull)
                {
                    return null;
                }

                var savedAt = ScalarIn(transaction, "SELECT value FROM cep_meta WHERE name = 'saved_at'");
                var owners = new List<long>();
                using (var command = CommandIn(transaction, "SELECT DISTINCT rule FROM cep_chunks"))
                using (var reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        owners.Add(reader.GetInt64(0));
                    }
                }

                var rules = new Dictionary<string, SavedRule>(StringComparer.Ordinal);
                using (var command = CommandIn(transaction, "SELECT id, name, fingerprint, structure, state, keys FROM cep_rules ORDER BY name"))
                using (var reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        var id = reader.GetInt64(0);
                        var name = reader.GetString(1);
                        var blob = reader.GetFieldValue<byte[]>(4);
                        var global = BlobFormat.Unframe(blob, Encoding.UTF8.GetBytes(name), $"rule '{name}'");
                        rules[name] = new SavedRule(name, reader.GetString(2), reader.GetString(3), global, reader.GetInt64(5))
                        {
                            Id = id,
                        };
                    }
                }

                var orphans = owners.Where(id => !rules.Values.Any(r => r.Id == id)).ToList();
                if (orphans.Count > 0)
                {
                    throw new StateException(StateErrorKind.Corrupt, $"state file {Path} is damaged: key state for unknown rule id {orphans[0]}");
                }

                var inputs = new Dictionary<string, SavedInput>(StringComparer.Ordinal);
                using (var command = CommandIn(transaction, "SELECT name, source, position, ended FROM cep_inputs"))
                using (var reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        var input = new SavedInput(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3) != 0);
                        if (input.Offset < 0)
                        {
                            throw new StateException(StateErrorKind.Corrupt, $"state file {Path} is damaged: input '{input.Name}' has offset {input.Offset}");
                        }

                        inputs[input.Name] = input;
                    }
                }

                var outputs = new Dictionary<string, long>(StringComparer.Ordinal);
                using (var command = CommandIn(transaction, "SELECT path, length FROM cep_outputs"))
                using (var reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        var length = reader.GetInt64(1);
                        if (length < 0)
                        {
                            throw new StateException(StateErrorKind.Corrupt, $"state file {Path} is damaged: output '{reader.GetString(0)}' has length {length}");
                        }

                        outputs[reader.GetString(0)] = length;
                    }
                }

                transaction.Commit();
                return new SavedState(
                    Convert.ToInt64(checkpoint),
                    savedAt is null or DBNull ? 0 : Convert.ToInt64(savedAt),
                    rules,
                    inputs,
                    outputs);
            }
            catch (SqliteException e)
            {
                throw Translate(e, Path, "read");
            }
            catch (InvalidCastException e)
            {
                throw new StateException(StateErrorKind.Corrupt, $"state file {Path} is damaged: {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// Hands every saved key of <paramref name="rule"/> to <paramref name="visit"/> (key bytes, payload) once, in
    /// storage order (newest chunks first; no key order). Both memories are valid only during the call. Every chunk
    /// is checksum verified before any of its keys is handed out; a damaged chunk throws, and the runner must then
    /// stop without processing anything, so no partial restore is ever run.
    /// </summary>
    public void ReadKeys(SavedRule rule, Action<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> visit)
    {
        ArgumentNullException.ThrowIfNull(visit);
        ReadKeysPipelined(
            rule,
            static (buffer, key, payload) => (Key: buffer.AsMemory(key), Payload: buffer.AsMemory(payload)),
            item => visit(item.Key, item.Payload),
            buffersOutliveDecode: true);
    }

    /// <summary>
    /// As <see cref="ReadKeys(SavedRule, Action{ReadOnlyMemory{byte}, ReadOnlyMemory{byte}})"/>, with each key
    /// decoded by <paramref name="keyOf"/> on the reading thread: chunks are read, checked and split into keys on
    /// a second thread while <paramref name="visit"/> rebuilds state on the caller's. <paramref name="keyOf"/> must
    /// be safe to call from another thread (a pure function of the bytes).
    /// </summary>
    public void ReadKeys<TKey>(SavedRule rule, KeyDecoder<TKey> keyOf, Action<TKey, ReadOnlyMemory<byte>> visit)
    {
        ArgumentNullException.ThrowIfNull(keyOf);
        ArgumentNullException.ThrowIfNull(visit);
        ReadKeysPipelined(
            rule,
            (buffer, key, payload) => (Key: keyOf(buffer.AsSpan(key)), Payload: buffer.AsMemory(payload)),
            item => visit(item.Key, item.Payload),
            buffersOutliveDecode: true);
    }

    /// <summary>
    /// Hands every saved key of <paramref name="rule"/> to <paramref name="decode"/> on the store's reading thread
    /// (key bytes and payload, valid during the call), and each result to <paramref name="visit"/> on the caller's
    /// thread, in the same order: decoding (parsing events) overlaps installing. <paramref name="decode"/> runs on one
    /// thread, never concurrently with itself; it must not share unsynchronized state with <paramref name="visit"/>.
    /// </summary>
    public void ReadKeys<TItem>(SavedRule rule, RecordDecoder<TItem> decode, Action<TItem> visit)
    {
        ArgumentNullException.ThrowIfNull(decode);
        ArgumentNullException.ThrowIfNull(visit);
        ReadKeysPipelined(rule, (buffer, key, payload) => decode(buffer.AsSpan(key), buffer.AsMemory(payload)), visit, buffersOutliveDecode: false);
    }

    /// <summary>
    /// As <see cref="ReadKeys{TItem}(SavedRule, RecordDecoder{TItem}, Action{TItem})"/>, decoding on
    /// <paramref name="decoders"/> threads at once: the reading thread reads, checks and splits chunks into batches
    /// of keys, each decoding thread gets its own decoder from <paramref name="newDecoder"/> (called once on that
    /// thread) and decodes whole batches, and <paramref name="visit"/> runs on the caller's thread. Keys are unique
    /// among the live records, so the order in which they are visited does not matter and is not kept.
    /// </summary>
    public void ReadKeys<TItem>(SavedRule rule, Func<RecordDecoder<TItem>> newDecoder, int decoders, Action<TItem> visit)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(newDecoder);
        ArgumentNullException.ThrowIfNull(visit);
        ArgumentOutOfRangeException.ThrowIfLessThan(decoders, 1);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                using var transaction = _connection.BeginTransaction(deferred: true);

                // The connection is used by the reading task only; this thread waits on the queue or visits keys, and
                // every task has ended before this method returns.
                using var segments = new BlockingCollection<(ChunkWork Chunk, int Start, int Count)>(boundedCapacity: 64);
                using var queue = new BlockingCollection<(TItem[] Items, int Count)>(boundedCapacity: 64);
                using var cancel = new CancellationTokenSource();
                var batchSize = Math.Max(16, 64 * 1024 / Math.Max(1, Unsafe.SizeOf<TItem>()));
                var reader = Task.Run(() =>
                {
                    try
                    {
                        ScanChunks(rule.Id, rule.Name, ownBuffers: true, (buffer, entries) =>
                        {
                            var chunk = new ChunkWork(buffer, ArrayPool<(Range Key, Range Payload)>.Shared.Rent(Math.Max(1, entries.Count)));
                            entries.CopyTo(chunk.Entries);
                            var parts = (entries.Count + batchSize - 1) / batchSize;
                            if (parts == 0)
                            {
                                chunk.Release(1);
                                return;
                            }

                            chunk.Pending = parts;
                            for (var start = 0; start < entries.Count; start += batchSize)
                            {
                                try
                                {
                                    segments.Add((chunk, start, Math.Min(batchSize, entries.Count - start)), cancel.Token);
                                }
                                catch
                                {
                                    // This part and those never handed out will not be decoded.
                                    chunk.Release((entries.Count - start + batchSize - 1) / batchSize);
                                    throw;
                                }
                            }
                        });
                    }
                    catch
                    {
                        cancel.Cancel();
                        throw;
                    }
                    finally
                    {
                        segments.CompleteAdding();
                    }
                });
                var running = decoders;
                // Dedicated threads: the pool would add threads for long CPU-bound work only slowly.
                var decoding = Enumerable.Range(0, decoders).Select(_ => Task.Factory.StartNew(() =>
                {
                    try
                    {
                        var decode = newDecoder();
                        foreach (var (chunk, start, count) in segments.GetConsumingEnumerable(cancel.Token))
                        {
                            try
                            {
                                var items = ArrayPool<TItem>.Shared.Rent(count);
                                for (var i = 0; i < count; i++)
                                {
                                    var (key, payload) = chunk.Entries[start + i];
                                    items[i] = decode(chunk.Buffer.AsSpan(key), chunk.Buffer.AsMemory(payload));
                                }

                                queue.Add((items, count), cancel.Token);
                            }
                            finally
                            {
                                chunk.Release(1);
                            }
                        }
                    }
                    catch
                    {
                        cancel.Cancel();
                        throw;
                    }
                    finally
                    {
                        if (Interlocked.Decrement(ref running) == 0)
                        {
                            queue.CompleteAdding();
                        }
                    }
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
                Task[] stages = [reader, .. decoding];
                try
                {
                    foreach (var (items, count) in queue.GetConsumingEnumerable(cancel.Token))
                    {
                        try
                        {
                            for (var i = 0; i < count; i++)
                            {
                                visit(items[i]);
                            }
                        }
                        finally
                        {
                            ArrayPool<TItem>.Shared.Return(items, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<TItem>());
                        }
                    }
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested && stages.Any(t => !t.IsCompletedSuccessfully))
                {
                    // A stage failed and cancelled the others: its own exception is reported below.
                }
                catch
                {
                    cancel.Cancel();
                    WaitQuietly(stages);
                    throw;
                }

                WaitQuietly(stages);
                // Report the first real failure, not the cancellations it caused in the other stages.
                var failed = stages.FirstOrDefault(t => t.IsFaulted && t.Exception!.InnerException is not OperationCanceledException)
                    ?? stages.FirstOrDefault(t => !t.IsCompletedSuccessfully);
                failed?.GetAwaiter().GetResult();
                transaction.Commit();
            }
            catch (SqliteException e)
            {
                throw Translate(e, Path, "read");
            }
        }
    }

    private static void WaitQuietly(Task[] tasks)
    {
        try
        {
            Task.WaitAll(tasks);
        }
        catch (AggregateException)
        {
            // Observed by the caller, which reports the first real failure.
        }
    }

    /// <summary>A chunk's bytes and key ranges, shared by the batches cut from it; back to the pools after the
    /// last one is decoded.</summary>
    private sealed class ChunkWork(byte[] buffer, (Range Key, Range Payload)[] entries)
    {
        public byte[] Buffer { get; } = buffer;

        public (Range Key, Range Payload)[] Entries { get; } = entries;

        public int Pending;

        public void Release(int parts)
        {
            if (Interlocked.Add(ref Pending, -parts) <= 0)
            {
                ArrayPool<(Range Key, Range Payload)>.Shared.Return(Entries);
                ArrayPool<byte>.Shared.Return(Buffer);
            }
        }
    }

    private void ReadKeysPipelined<TItem>(SavedRule rule, Func<byte[], Range, Range, TItem> decode, Action<TItem> visit, bool buffersOutliveDecode)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                using var transaction = _connection.BeginTransaction(deferred: true);

                // The connection is used by the reading task only while this thread waits on the queue or visits
                // keys; it is never used by both at once, and the task has ended before this method returns.
                // Items travel in pooled batches of a few hundred: a batch per chunk (~9 000 items) would be a
                // large-object allocation per chunk, which the collector pays for with gen2 collections.
                using var queue = new BlockingCollection<(byte[]? Buffer, TItem[] Items, int Count)>(boundedCapacity: 64);
                using var cancel = new CancellationTokenSource();
                var batchSize = Math.Max(16, 64 * 1024 / Math.Max(1, Unsafe.SizeOf<TItem>()));
                var reader = Task.Run(() =>
                {
                    try
                    {
                        ScanChunks(rule.Id, rule.Name, ownBuffers: true, (buffer, entries) =>
                        {
                            try
                            {
                                for (var start = 0; start < entries.Count; start += batchSize)
                                {
                                    var count = Math.Min(batchSize, entries.Count - start);
                                    var items = ArrayPool<TItem>.Shared.Rent(count);
                                    for (var i = 0; i < count; i++)
                                    {
                                        items[i] = decode(buffer, entries[start + i].Key, entries[start + i].Payload);
                                    }

                                    // The chunk's buffer goes with its last batch: the caller returns it after that.
                                    var last = start + count == entries.Count;
                                    queue.Add((buffersOutliveDecode && last ? buffer : null, items, count), cancel.Token);
                                }

                                if (buffersOutliveDecode && entries.Count == 0)
                                {
                                    ArrayPool<byte>.Shared.Return(buffer);
                                }
                            }
                            finally
                            {
                                if (!buffersOutliveDecode)
                                {
                                    ArrayPool<byte>.Shared.Return(buffer);
                                }
                            }
                        });
                    }
                    finally
                    {
                        queue.CompleteAdding();
                    }
                });
                try
                {
                    foreach (var (buffer, items, count) in queue.GetConsumingEnumerable())
                    {
                        try
                        {
                            for (var i = 0; i < count; i++)
                            {
                                visit(items[i]);
                            }
                        }
                        finally
                        {
                            ArrayPool<TItem>.Shared.Return(items, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<TItem>());
                            if (buffer is not null)
                            {
                                ArrayPool<byte>.Shared.Return(buffer);
                            }
                        }
                    }
                }
                catch
                {
                    cancel.Cancel();
                    try
                    {
                        reader.Wait();
                    }
                    catch (AggregateException)
                    {
                        // The visitor's failure is the one reported; the reader only stopped because of it.
                    }

                    throw;
                }

                reader.GetAwaiter().GetResult();
                transaction.Commit();
            }
            catch (SqliteException e)
            {
                throw Translate(e, Path, "read");
            }
        }
    }

    /// <summary>Counts (and optionally hands out) a rule's live keys on the calling thread.</summary>
    private long ScanLive(long ruleId, string ruleName, Action<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>? visit) =>
        ScanChunks(ruleId, ruleName, ownBuffers: false, (buffer, entries) =>
        {
            if (visit is not null)
            {
                foreach (var (key, payload) in entries)
                {
                    visit(buffer.AsMemory(key), buffer.AsMemory(payload));
                }
            }
        });

    /// <summary>
    /// Reads a rule's chunks newest → oldest and keeps the first record seen per key (a tombstone counts as seen
    /// and hides older records), so overwritten records are never decoded. Keys are unique within a generation, so
    /// only keys of generations that older ones could repeat are remembered. Each chunk's live records go to
    /// <paramref name="onChunk"/> as ranges of a buffer holding the chunk's records: with
    /// <paramref name="ownBuffers"/> a buffer rented for that chunk, which the callee returns to the shared pool;
    /// otherwise one reused buffer, valid during the call. Returns the number of live keys.
    /// </summary>
    private long ScanChunks(long ruleId, string ruleName, bool ownBuffers, Action<byte[], List<(Range Key, Range Payload)>> onChunk)
    {
        var chunks = new List<(long Generation, int Sequence)>();
        using (var list = new RawStatement(_connection, "SELECT generation, seq FROM cep_chunks WHERE rule = ?1 ORDER BY generation DESC, seq"))
        {
            list.BindInt64(1, ruleId);
            while (list.Step())
            {
                chunks.Add((list.ColumnInt64(0), (int)list.ColumnInt64(1)));
            }

            list.Reset();
        }

        if (chunks.Count == 0)
        {
            return 0;
        }

        var oldest = chunks[^1].Generation;
        var seen = new ByteKeySet();
        long live = 0;
        var entries = new List<(Range Key, Range Payload)>();
        using var read = new RawStatement(_connection, "SELECT data FROM cep_chunks WHERE rule = ?1 AND generation = ?2 AND seq = ?3");
        foreach (var (generation, sequence) in chunks)
        {
            var what = $"key chunk {generation}/{sequence} of rule '{ruleName}' in {Path}";
            read.BindInt64(1, ruleId);
            read.BindInt64(2, generation);
            read.BindInt64(3, sequence);
            if (!read.Step())
            {
                throw new StateException(StateErrorKind.Corrupt, $"{what} vanished while it was read");
            }

            var records = KeyLog.Open(read.ColumnBlob(0), ruleId, generation, sequence, what);
            byte[] buffer;
            if (ownBuffers)
            {
                buffer = ArrayPool<byte>.Shared.Rent(records.Length);
            }
            else
            {
                if (_readBuffer.Length < records.Length)
                {
                    _readBuffer = new byte[Math.Max(records.Length, KeyLog.ChunkTarget + 4096)];
                }

                buffer = _readBuffer;
            }

            // Callers take what they need from the list during the callback, so one list serves every chunk: a
            // fresh one per chunk grew through large-object arrays (~1 MiB of them per chunk), whose budget
            // triggered full collections of a restore's whole heap.
            entries.Clear();

            records.CopyTo(buffer);
            var length = records.Length;
            read.Reset();
            var position = 0;
            var remember = generation != oldest;
            try
            {
                while (KeyLog.TryRead(buffer.AsSpan(0, length), ref position, out var key, out var payload))
                {
                    var keySpan = buffer.AsSpan(key);
                    if (remember ? !seen.Add(keySpan) : seen.Count > 0 && seen.Contains(keySpan))
                    {
                        continue;
                    }

                    if (payload is { } state)
                    {
                        entries.Add((key, state));
                    }
                }
            }
            catch (InvalidDataException e)
            {
                if (ownBuffers)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                throw new StateException(StateErrorKind.Corrupt, $"{what} is damaged: {e.Message}", e);
            }

            live += entries.Count;
            onChunk(buffer, entries);
        }

        return live;
    }

    /// <summary>Runs SQLite's full integrity check and reads every blob; throws on the first problem.</summary>
    public void VerifyAll()
    {
        var saved = Load();
        lock (_gate)
        {
            try
            {
                var result = Convert.ToString(Scalar(_connection, "PRAGMA integrity_check(1)"));
                if (result != "ok")
                {
                    throw new StateException(StateErrorKind.Corrupt, $"state file {Path} is damaged: {result}");
                }
            }
            catch (SqliteException e)
            {
                throw Translate(e, Path, "verify");
            }
        }

        if (saved is not null)
        {
            foreach (var rule in saved.Rules.Values)
            {
                ReadKeys(rule, static (_, _) => { });
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _statements.Dispose();
            _connection.Dispose();
        }
    }

    internal long Commit(CheckpointBatch batch, long savedAtMs)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var next = _checkpointId + 1;
            var newRuleIds = new Dictionary<string, long>(StringComparer.Ordinal);
            try
            {
                using (var transaction = _connection.BeginTransaction(deferred: false))
                {
                    _statements.Enlist(transaction);
                    foreach (var name in batch.DroppedRules)
                    {
                        if (_ruleIds.TryGetValue(name, out var id))
                        {
                            _statements.DeleteRuleChunks.Parameters[0].Value = id;
                            _statements.DeleteRuleChunks.ExecuteNonQuery();
                            _statements.DeleteRule.Parameters[0].Value = id;
                            _statements.DeleteRule.ExecuteNonQuery();
                        }
                    }

                    foreach (var rule in batch.Rules)
                    {
                        var upsert = _statements.UpsertRule;
                        upsert.Parameters[0].Value = rule.Name;
                        upsert.Parameters[1].Value = rule.Fingerprint;
                        upsert.Parameters[2].Value = rule.Structure;
                        upsert.Parameters[3].Value = rule.Blob;
                        newRuleIds[rule.Name] = Convert.ToInt64(upsert.ExecuteScalar());
                    }

                    var touched = new List<(string Name, long Id)>();
                    foreach (var (name, chunks) in batch.KeyChunks())
                    {
                        var ruleId = ResolveRule(name, newRuleIds, batch);
                        var sequence = 0;
                        foreach (var (buffer, length, records) in chunks)
                        {
                            KeyLog.Store(_statements.InsertChunk, ruleId, next, sequence++, buffer, length, records);
                        }

                        touched.Add((name, ruleId));
                    }

                    foreach (var (name, ruleId) in touched)
                    {
                        if (!batch.KeyCounts.ContainsKey(name))
                        {
                            SetKeyCount(transaction, ruleId, ScanLive(ruleId, name, null));
                        }
                    }

                    foreach (var (name, count) in batch.KeyCounts)
                    {
                        SetKeyCount(transaction, ResolveRule(name, newRuleIds, batch), count);
                    }

                    foreach (var input in batch.Inputs)
                    {
                        _statements.UpsertInput.Parameters[0].Value = input.Name;
                        _statements.UpsertInput.Parameters[1].Value = input.Source;
                        _statements.UpsertInput.Parameters[2].Value = input.Offset;
                        _statements.UpsertInput.Parameters[3].Value = input.Ended ? 1 : 0;
                        _statements.UpsertInput.ExecuteNonQuery();
                    }

                    foreach (var (path, length) in batch.Outputs)
                    {
                        _statements.UpsertOutput.Parameters[0].Value = path;
                        _statements.UpsertOutput.Parameters[1].Value = length;
                        _statements.UpsertOutput.ExecuteNonQuery();
                    }

                    foreach (var (table, records) in batch.Records)
                    {
                        SqliteRecordTable.Insert(_connection, transaction, table, records, next);
                    }

                    _statements.SetMeta.Parameters[0].Value = "checkpoint";
                    _statements.SetMeta.Parameters[1].Value = next;
                    _statements.SetMeta.ExecuteNonQuery();
                    _statements.SetMeta.Parameters[0].Value = "saved_at";
                    _statements.SetMeta.Parameters[1].Value = savedAtMs;
                    _statements.SetMeta.ExecuteNonQuery();
                    transaction.Commit();
                }

                foreach (var name in batch.DroppedRules)
                {
                    _ruleIds.Remove(name);
                }

                foreach (var (name, id) in newRuleIds)
                {
                    _ruleIds[name] = id;
                }

                _checkpointId = next;
                CompactWhereDue(next);
                return next;
            }
            catch (SqliteException e)
            {
                var what = e.SqliteErrorCode switch
                {
                    13 => "the disk is full",
                    10 => "an I/O error occurred",
                    8 => "the file is read-only",
                    _ => e.Message,
                };
                throw new StateException(
                    StateErrorKind.CheckpointFailed,
                    $"checkpoint #{next} could not be written to {Path}: {what} ({e.Message.TrimEnd('.')}); "
                    + (_checkpointId == 0 ? "no earlier checkpoint exists" : $"the last good checkpoint (#{_checkpointId}) is intact"),
                    e);
            }
        }
    }

    /// <summary>Failure of the last compaction attempt, if any (it is retried after the next checkpoint).</summary>
    public Exception? LastCompactionError { get; private set; }

    /// <summary>
    /// Merges a rule's chunks into one fresh generation of live keys when its log holds more than twice as many
    /// records as live keys, so the file stays within about twice the live size. Runs after the checkpoint
    /// committed, in its own transaction: a failure (a full disk) rolls it back and leaves the log as it was, which
    /// is still a correct checkpoint.
    /// </summary>
    private void CompactWhereDue(long generation)
    {
        foreach (var (name, ruleId) in _ruleIds)
        {
            long records, keys;
            using (var command = Command("SELECT (SELECT coalesce(sum(records), 0) FROM cep_chunks WHERE rule = $id), keys FROM cep_rules WHERE id = $id"))
            {
                command.Parameters.AddWithValue("$id", ruleId);
                using var reader = command.ExecuteReader();
                if (!reader.Read())
                {
                    continue;
                }

                records = reader.GetInt64(0);
                keys = reader.GetInt64(1);
            }

            // More than twice as many records as live keys, plus some slack: small logs are not worth a rewrite.
            if (records > 2 * keys + _compactionSlack)
            {
                try
                {
                    Compact(ruleId, name, generation);
                    LastCompactionError = null;
                }
                catch (Exception e) when (e is SqliteException or StateException)
                {
                    LastCompactionError = e;
                }
            }
        }
    }

    /// <summary>Rewrites a rule's live keys as new chunks of <paramref name="generation"/> and deletes all older chunks.</summary>
    internal void Compact(long ruleId, string name, long generation)
    {
        using var transaction = _connection.BeginTransaction(deferred: false);
        var old = new List<(long Generation, long Sequence)>();
        using (var list = new RawStatement(_connection, "SELECT generation, seq FROM cep_chunks WHERE rule = ?1"))
        {
            list.BindInt64(1, ruleId);
            while (list.Step())
            {
                old.Add((list.ColumnInt64(0), list.ColumnInt64(1)));
            }

            list.Reset();
        }

        using var merged = new ChunkBuilder();
        var live = ScanLive(ruleId, name, (key, state) => merged.Add(key.Span, state.Span, tombstone: false));
        var sequence = old.Where(c => c.Generation == generation).Select(c => (int)c.Sequence + 1).DefaultIfEmpty(0).Max();
        using (var delete = new RawStatement(_connection, "DELETE FROM cep_chunks WHERE rule = ?1 AND generation = ?2 AND seq = ?3"))
        {
            foreach (var (oldGeneration, oldSequence) in old)
            {
                delete.BindInt64(1, ruleId);
                delete.BindInt64(2, oldGeneration);
                delete.BindInt64(3, oldSequence);
                delete.Execute();
            }
        }

        foreach (var (buffer, length, records) in merged.Chunks)
        {
            KeyLog.Store(_statements.InsertChunk, ruleId, generation, sequence++, buffer, length, records);
        }

        SetKeyCount(transaction, ruleId, live);
        transaction.Commit();
    }

    /// <summary>Compacts one rule's key log now, whatever its size (benchmarks and tests).</summary>
    internal void CompactNow(string rule)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Compact(_ruleIds[rule], rule, _checkpointId);
        }
    }

    /// <summary>Records and distinct generations in the key log (all rules), for tests and diagnostics.</summary>
    internal (long Records, long Generations, long Chunks) LogStats()
    {
        lock (_gate)
        {
            using var command = Command("SELECT coalesce(sum(records), 0), count(DISTINCT generation), count(*) FROM cep_chunks");
            using var reader = command.ExecuteReader();
            reader.Read();
            return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }
    }

    private void SetKeyCount(SqliteTransaction transaction, long ruleId, long count)
    {
        using var command = CommandIn(transaction, "UPDATE cep_rules SET keys = $keys WHERE id = $id");
        command.Parameters.AddWithValue("$keys", count);
        command.Parameters.AddWithValue("$id", ruleId);
        command.ExecuteNonQuery();
    }

    private long ResolveRule(string name, Dictionary<string, long> newRuleIds, CheckpointBatch batch)
    {
        if (newRuleIds.TryGetValue(name, out var id))
        {
            return id;
        }

        if (!batch.DroppedRules.Contains(name) && _ruleIds.TryGetValue(name, out id))
        {
            return id;
        }

        throw new InvalidOperationException($"key state for rule '{name}' needs SetRule in the same or an earlier checkpoint");
    }

    internal static string Describe(ReadOnlySpan<byte> key)
    {
        var hex = Convert.ToHexString(key.Length > 32 ? key[..32] : key);
        return key.Length > 32 ? $"0x{hex}…" : $"0x{hex}";
    }

    private static void CheckHeader(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0)
        {
            return;
        }

        Span<byte> header = stackalloc byte[100];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }

        if (read < SqliteMagic.Length || !header[..SqliteMagic.Length].SequenceEqual(SqliteMagic))
        {
            throw new StateException(StateErrorKind.NotAStateFile, $"{path} is not a Cep state file (not an SQLite database)");
        }

        if (read < 100)
        {
            throw new StateException(StateErrorKind.Corrupt, $"state file {path} is truncated ({info.Length} bytes)");
        }

        // The header's page count is authoritative only while the change counter matches version-valid-for
        // (file format, offsets 24 and 92); a main file shorter than that count was cut.
        int pageSize = BinaryPrimitives.ReadUInt16BigEndian(header[16..]);
        long pageBytes = pageSize == 1 ? 65536 : pageSize;
        var pages = BinaryPrimitives.ReadUInt32BigEndian(header[28..]);
        var counterValid = BinaryPrimitives.ReadUInt32BigEndian(header[24..]) == BinaryPrimitives.ReadUInt32BigEndian(header[92..]);
        if (counterValid && pages > 0 && info.Length < pages * pageBytes)
        {
            throw new StateException(
                StateErrorKind.Corrupt,
                $"state file {path} is truncated: {info.Length} bytes, its header promises {pages * pageBytes}");
        }
    }

    private static void SetJournal(SqliteConnection connection, StoreOptions options)
    {
        var mode = Convert.ToString(Scalar(connection, "PRAGMA journal_mode=WAL"));
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new StateException(StateErrorKind.CheckpointFailed, $"state file could not be switched to WAL mode (got '{mode}')");
        }

        Execute(connection, options.Sync == StateSync.Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");

        // 64 MiB of page cache: a checkpoint of many keys rewrites many B-tree pages, and the default 2 MiB would
        // send most of them back to the OS between two touches.
        Execute(connection, "PRAGMA cache_size=-65536");
        if (options.MaxPageCount is { } pages)
        {
            Execute(connection, $"PRAGMA max_page_count={pages}");
        }
    }

    /// <summary>The key log (schema 2): chunks of records per rule, generation (checkpoint number) and sequence.</summary>
    internal const string ChunksTable =
        "CREATE TABLE cep_chunks(rule INTEGER NOT NULL, generation INTEGER NOT NULL, seq INTEGER NOT NULL, records INTEGER NOT NULL, data BLOB NOT NULL, "
        + "PRIMARY KEY(rule, generation, seq))";

    private static void CreateSchema(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var statement in new[]
        {
            $"PRAGMA application_id={ApplicationId}",
            $"PRAGMA user_version={SchemaVersion}",
            "CREATE TABLE cep_meta(name TEXT PRIMARY KEY NOT NULL, value ANY) WITHOUT ROWID",
            "CREATE TABLE cep_rules(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, fingerprint TEXT NOT NULL, structure TEXT NOT NULL, state BLOB NOT NULL, keys INTEGER NOT NULL DEFAULT 0)",
            ChunksTable,
            "CREATE TABLE cep_inputs(name TEXT PRIMARY KEY NOT NULL, source TEXT NOT NULL, position INTEGER NOT NULL, ended INTEGER NOT NULL) WITHOUT ROWID",
            "CREATE TABLE cep_outputs(path TEXT PRIMARY KEY NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID",
            $"INSERT INTO cep_meta(name, value) VALUES('schema', {SchemaVersion}), ('created_by', 'cep')",
        })
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = statement;
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static void Verify(SqliteConnection connection, string path, long version)
    {
        var result = Convert.ToString(Scalar(connection, "PRAGMA quick_check(1)"));
        if (result != "ok")
        {
            throw new StateException(StateErrorKind.Corrupt, $"state file {path} is damaged: {result}");
        }

        foreach (var table in new[] { "cep_meta", "cep_rules", version == 1 ? "cep_keys" : "cep_chunks", "cep_inputs", "cep_outputs" })
        {
            var found = Convert.ToInt64(Scalar(connection, $"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '{table}'"));
            if (found != 1)
            {
                throw new StateException(StateErrorKind.Corrupt, $"state file {path} is damaged: table {table} is missing");
            }
        }
    }

    internal static StateException Translate(SqliteException e, string path, string action)
    {
        return e.SqliteErrorCode switch
        {
            5 or 6 => new StateException(
                StateErrorKind.Locked,
                $"state file {path} is in use by another process (another 'cep run' with the same --state?)",
                e),
            11 or 26 => new StateException(StateErrorKind.Corrupt, $"state file {path} is damaged ({action}): {e.Message}", e),
            13 => new StateException(StateErrorKind.CheckpointFailed, $"state file {path}: the disk is full ({action})", e),
            _ => new StateException(StateErrorKind.CheckpointFailed, $"state file {path} could not be used ({action}): {e.Message}", e),
        };
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private SqliteCommand CommandIn(SqliteTransaction transaction, string sql)
    {
        var command = Command(sql);
        command.Transaction = transaction;
        return command;
    }

    private object? ScalarIn(SqliteTransaction transaction, string sql)
    {
        using var command = CommandIn(transaction, sql);
        return command.ExecuteScalar();
    }

    /// <summary>Prepared once, reused by every checkpoint.</summary>
    private sealed class Statements : IDisposable
    {
        private readonly List<SqliteCommand> _all = [];

        public Statements(SqliteConnection connection)
        {
            UpsertRule = Prepare(
                connection,
                "INSERT INTO cep_rules(name, fingerprint, structure, state) VALUES($name, $fingerprint, $structure, $state) "
                + "ON CONFLICT(name) DO UPDATE SET fingerprint = excluded.fingerprint, structure = excluded.structure, state = excluded.state "
                + "RETURNING id",
                "$name",
                "$fingerprint",
                "$structure",
                "$state");
            DeleteRule = Prepare(connection, "DELETE FROM cep_rules WHERE id = $id", "$id");
            DeleteRuleChunks = Prepare(connection, "DELETE FROM cep_chunks WHERE rule = $id", "$id");
            UpsertInput = Prepare(connection, "INSERT OR REPLACE INTO cep_inputs(name, source, position, ended) VALUES($name, $source, $position, $ended)", "$name", "$source", "$position", "$ended");
            UpsertOutput = Prepare(connection, "INSERT OR REPLACE INTO cep_outputs(path, length) VALUES($path, $length)", "$path", "$length");
            SetMeta = Prepare(connection, "INSERT OR REPLACE INTO cep_meta(name, value) VALUES($name, $value)", "$name", "$value");
            InsertChunk = new RawStatement(connection, KeyLog.InsertChunkSql);
        }

        /// <summary>Bound with spans: a chunk is inserted straight from its pooled buffer.</summary>
        public RawStatement InsertChunk { get; }

        public SqliteCommand UpsertRule { get; }

        public SqliteCommand DeleteRule { get; }

        public SqliteCommand DeleteRuleChunks { get; }

        public SqliteCommand UpsertInput { get; }

        public SqliteCommand UpsertOutput { get; }

        public SqliteCommand SetMeta { get; }

        public void Enlist(SqliteTransaction transaction)
        {
            foreach (var command in _all)
            {
                command.Transaction = transaction;
            }
        }

        public void Dispose()
        {
            InsertChunk.Dispose();
            foreach (var command in _all)
            {
                command.Dispose();
            }
        }

        private SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameters)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            _all.Add(command);
            return command;
        }
    }
}
