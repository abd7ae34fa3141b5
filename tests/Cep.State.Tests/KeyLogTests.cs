using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Data.Sqlite;

namespace Cep.State.Tests;

/// <summary>Schema 2: keyed state as a log of checksummed chunks, newest record wins, compaction, migration.</summary>
public sealed class KeyLogTests : IDisposable
{
    private readonly TempDir _dir = new();

    private string StatePath => _dir.File("state.db");

    public void Dispose() => _dir.Dispose();

    public sealed record Op(bool Commit, byte Key, byte[]? State);

    private static readonly Gen<Op> OpGen = Gen.Frequency(
        (1, Gen.Constant(new Op(true, 0, null))),
        (2, Gen.Choose(0, 15).Select(k => new Op(false, (byte)k, null))),
        (6, Gen.Choose(0, 15).SelectMany(
            k => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)),
            (k, state) => new Op(false, (byte)k, state))));

    [Fact]
    public void Checkpoints_OverwritesTombstonesAndCompactionAtEveryCheckpoint_ReopenedStoreHoldsLiveState()
    {
        Prop.ForAll(Arb.From(Gen.ListOf(OpGen)), Arb.From(Gen.Elements(true, false)), (ops, appendPath) =>
        {
            using var dir = new TempDir();
            var path = dir.File("state.db");
            var options = new StoreOptions { Sync = StateSync.Normal, CompactionSlack = 0 };
            var committed = new SortedDictionary<string, string>(StringComparer.Ordinal);
            using (var store = CheckpointStore.Open(path, options))
            {
                var setup = store.BeginCheckpoint();
                setup.SetRule("r", "fp", "s", []);
                setup.Commit(0);
                var pending = new Dictionary<string, string?>();
                foreach (var op in ops.Append(new Op(true, 0, null)))
                {
                    if (!op.Commit)
                    {
                        pending[Convert.ToHexString([op.Key])] = op.State is null ? null : string.Join(",", op.State);
                        continue;
                    }

                    // The runner's path appends each changed key once; PutKey may repeat keys (last wins).
                    var batch = store.BeginCheckpoint();
                    foreach (var (key, state) in pending)
                    {
                        var keyBytes = Convert.FromHexString(key);
                        var stateBytes = state is null ? null : state.Length == 0 ? [] : state.Split(',').Select(byte.Parse).ToArray();
                        if (appendPath)
                        {
                            if (stateBytes is null)
                            {
                                batch.AppendDeletedKey("r", keyBytes);
                            }
                            else
                            {
                                batch.AppendKey("r", keyBytes, stateBytes);
                            }
                        }
                        else if (stateBytes is null)
                        {
                            batch.DeleteKey("r", keyBytes);
                        }
                        else
                        {
                            batch.PutKey("r", keyBytes, stateBytes);
                        }

                        if (state is null)
                        {
                            committed.Remove(key);
                        }
                        else
                        {
                            committed[key] = state;
                        }
                    }

                    batch.Commit(0);
                    pending.Clear();
                    Assert.Null(store.LastCompactionError);
                }
            }

            using var reopened = CheckpointStore.Open(path);
            var rule = reopened.Load()!.Rules["r"];
            var actual = new List<(string, string)>();
            reopened.ReadKeys(rule, (k, s) => actual.Add((Convert.ToHexString(k.Span), string.Join(",", s.ToArray()))));
            return (actual.Order().SequenceEqual(committed.Select(kv => (kv.Key, kv.Value))) && rule.KeyCount == committed.Count)
                .Label($"expected {string.Join(" ", committed)}; got {string.Join(" ", actual.Order())}; count {rule.KeyCount}");
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Compaction_LogOfOverwrittenKeys_RewrittenAsOneGenerationOfLiveKeys()
    {
        using var store = CheckpointStore.Open(StatePath, new StoreOptions { CompactionSlack = 50 });
        var first = store.BeginCheckpoint();
        first.SetRule("r", "fp", "s", []);
        for (var i = 0; i < 100; i++)
        {
            first.AppendKey("r", Bytes($"k{i}"), [(byte)i]);
        }

        first.SetKeyCount("r", 100);
        first.Commit(1);

        // Each checkpoint overwrites 60 keys and deletes one: the log grows past 2 × live + 50 on the third.
        var expected = Enumerable.Range(0, 100).ToDictionary(i => $"k{i}", i => $"{i}");
        for (var round = 1; round <= 3; round++)
        {
            var batch = store.BeginCheckpoint();
            for (var i = 0; i < 60; i++)
            {
                batch.AppendKey("r", Bytes($"k{i}"), [(byte)(i + round)]);
                expected[$"k{i}"] = $"{i + round}";
            }

            batch.AppendDeletedKey("r", Bytes($"k{99 - round}"));
            expected.Remove($"k{99 - round}");
            batch.SetKeyCount("r", expected.Count);
            batch.Commit(1);
            Assert.Equal(round < 3 ? 100 + (61 * round) : expected.Count, store.LogStats().Records);
        }

        Assert.Null(store.LastCompactionError);
        Assert.Equal(1, store.LogStats().Generations);
        var saved = store.Load()!;
        Assert.Equal(expected.Count, saved.Rules["r"].KeyCount);
        Assert.Equal(
            expected.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)),
            CheckpointStoreTests.ReadAll(store, saved.Rules["r"]));
    }

    [Fact]
    public void Commit_ManyKeys_SplitIntoChunksOfAboutOneMebibyte()
    {
        using (var store = CheckpointStore.Open(StatePath))
        {
            var batch = store.BeginCheckpoint();
            batch.SetRule("r", "fp", "s", []);
            for (var i = 0; i < 30_000; i++)
            {
                batch.AppendKey("r", Bytes($"key-{i:D6}"), Enumerable.Repeat((byte)i, 100).ToArray());
            }

            batch.Commit(1);
        }

        Assert.Equal(4, ScalarLong("SELECT count(*) FROM cep_chunks"));
        using var reopened = CheckpointStore.Open(StatePath);
        var rule = reopened.Load()!.Rules["r"];
        Assert.Equal(30_000, rule.KeyCount);
        var all = CheckpointStoreTests.ReadAll(reopened, rule);
        Assert.Equal(30_000, all.Count);
        Assert.Equal(("key-012345", string.Join(",", Enumerable.Repeat(12345 % 256, 100))), all[12345]);
    }

    [Fact]
    public void ReadKeys_DecoderOnReadingThread_EveryKeyOnceAcrossChunks()
    {
        WriteKeys(30_000);
        using var store = CheckpointStore.Open(StatePath);
        var rule = store.Load()!.Rules["r"];
        var caller = Environment.CurrentManagedThreadId;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        store.ReadKeys(rule, key => Encoding.UTF8.GetString(key), (key, state) =>
        {
            Assert.Equal(caller, Environment.CurrentManagedThreadId);
            Assert.True(seen.Add(key), $"{key} handed out twice");
            Assert.Equal(100, state.Length);
        });
        Assert.Equal(30_000, seen.Count);
    }

    [Fact]
    public void ReadKeys_VisitorThrowsMidway_ExceptionPropagatesAndStoreStaysUsable()
    {
        WriteKeys(30_000);
        using var store = CheckpointStore.Open(StatePath);
        var rule = store.Load()!.Rules["r"];
        var visited = 0;
        var error = Assert.Throws<InvalidDataException>(() => store.ReadKeys(rule, key => key.Length, (_, _) =>
        {
            if (++visited == 12_000)
            {
                throw new InvalidDataException("bad payload");
            }
        }));
        Assert.Equal("bad payload", error.Message);

        var batch = store.BeginCheckpoint();
        batch.AppendKey("r", Bytes("extra"), [1]);
        batch.SetKeyCount("r", 30_001);
        Assert.Equal(2, batch.Commit(1));
        var count = 0;
        store.ReadKeys(store.Load()!.Rules["r"], (_, _) => count++);
        Assert.Equal(30_001, count);
    }

    [Fact]
    public void ReadKeys_DamagedLaterChunk_Throws()
    {
        WriteKeys(30_000);
        Execute("UPDATE cep_chunks SET data = substr(data, 1, 100) || x'00' || substr(data, 102) WHERE seq = 2");
        using var store = CheckpointStore.Open(StatePath);
        var error = Assert.Throws<StateException>(() => store.ReadKeys(store.Load()!.Rules["r"], key => key.Length, (_, _) => { }));
        Assert.Equal(StateErrorKind.Corrupt, error.Kind);
        Assert.Contains("key chunk 1/2 of rule 'r'", error.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void ReadKeys_ParallelDecoders_EveryKeyOnceEachDecoderOnItsOwnThread(int decoders)
    {
        WriteKeys(30_000);
        using var store = CheckpointStore.Open(StatePath);
        var rule = store.Load()!.Rules["r"];
        var caller = Environment.CurrentManagedThreadId;
        var decoderThreads = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        store.ReadKeys<(string Key, string State)>(
            rule,
            () =>
            {
                // One decoder per thread, never shared: a per-decoder counter that a second thread would corrupt.
                var owner = Environment.CurrentManagedThreadId;
                Assert.True(decoderThreads.TryAdd(owner, 0), "a decoding thread asked for a second decoder");
                return (key, payload) =>
                {
                    Assert.Equal(owner, Environment.CurrentManagedThreadId);
                    return (Encoding.UTF8.GetString(key), string.Join(",", payload.ToArray()));
                };
            },
            decoders,
            item =>
            {
                Assert.Equal(caller, Environment.CurrentManagedThreadId);
                Assert.True(seen.TryAdd(item.Key, item.State), $"{item.Key} handed out twice");
            });

        Assert.Equal(decoders, decoderThreads.Count);
        Assert.DoesNotContain(caller, decoderThreads.Keys);
        var expected = CheckpointStoreTests.ReadAll(store, rule);
        Assert.Equal(expected.Count, seen.Count);
        Assert.All(expected, e => Assert.Equal(e.State, seen[e.Key]));
    }

    [Fact]
    public void ReadKeys_ParallelDecoderThrows_ItsExceptionPropagatesAndStoreStaysUsable()
    {
        WriteKeys(30_000);
        using var store = CheckpointStore.Open(StatePath);
        var rule = store.Load()!.Rules["r"];
        var decoded = 0;
        var error = Assert.Throws<InvalidDataException>(() => store.ReadKeys<int>(
            rule,
            () => (key, _) => Interlocked.Increment(ref decoded) == 10_000 ? throw new InvalidDataException("saved event does not parse") : key.Length,
            decoders: 3,
            _ => { }));
        Assert.Equal("saved event does not parse", error.Message);

        var count = 0;
        store.ReadKeys(store.Load()!.Rules["r"], (_, _) => count++);
        Assert.Equal(30_000, count);
    }

    [Fact]
    public void ReadKeys_ParallelDecodersDamagedLaterChunk_ThrowsTheCorruption()
    {
        WriteKeys(30_000);
        Execute("UPDATE cep_chunks SET data = substr(data, 1, 100) || x'00' || substr(data, 102) WHERE seq = 2");
        using var store = CheckpointStore.Open(StatePath);
        var error = Assert.Throws<StateException>(() => store.ReadKeys<int>(store.Load()!.Rules["r"], () => (key, _) => key.Length, 2, _ => { }));
        Assert.Equal(StateErrorKind.Corrupt, error.Kind);
        Assert.Contains("key chunk 1/2 of rule 'r'", error.Message);
    }

    [Fact]
    public void ReadKeys_ChunkMovedToAnotherGeneration_RefusedWithBadChecksum()
    {
        using (var store = CheckpointStore.Open(StatePath))
        {
            var batch = store.BeginCheckpoint();
            batch.SetRule("r", "fp", "s", []);
            batch.AppendKey("r", Bytes("a"), [1]);
            batch.Commit(1);
        }

        // A chunk is bound to its identity: copied under another generation, it does not pass as that one.
        Execute("UPDATE cep_chunks SET generation = 7");
        using var reopened = CheckpointStore.Open(StatePath);
        var saved = reopened.Load()!;
        var error = Assert.Throws<StateException>(() => reopened.ReadKeys(saved.Rules["r"], (_, _) => { }));
        Assert.Equal(StateErrorKind.Corrupt, error.Kind);
        Assert.Contains("key chunk 7/0 of rule 'r'", error.Message);
        Assert.Contains("bad checksum", error.Message);
    }

    [Fact]
    public void ReadKeys_TruncatedChunk_RefusedBeforeAnyKeyIsHandedOut()
    {
        using (var store = CheckpointStore.Open(StatePath))
        {
            var batch = store.BeginCheckpoint();
            batch.SetRule("r", "fp", "s", []);
            batch.AppendKey("r", Bytes("a"), [1, 2, 3]);
            batch.AppendKey("r", Bytes("b"), [4]);
            batch.Commit(1);
        }

        Execute("UPDATE cep_chunks SET data = substr(data, 1, length(data) - 1)");
        using var reopened = CheckpointStore.Open(StatePath);
        var handed = 0;
        var error = Assert.Throws<StateException>(() => reopened.ReadKeys(reopened.Load()!.Rules["r"], (_, _) => handed++));
        Assert.Equal(StateErrorKind.Corrupt, error.Kind);
        Assert.Contains("truncated or damaged", error.Message);
        Assert.Equal(0, handed);
    }

    [Fact]
    public void Open_Version1File_MigratedToChunksInPlace()
    {
        WriteVersion1File(("a", [1, 2]), ("b", [3]));
        using (var store = CheckpointStore.Open(StatePath))
        {
            var saved = store.Load()!;
            Assert.Equal(3, saved.CheckpointId);
            Assert.Equal(new byte[] { 9 }, saved.Rules["r"].Global.ToArray());
            Assert.Equal(2, saved.Rules["r"].KeyCount);
            Assert.Equal(new[] { ("a", "1,2"), ("b", "3") }, CheckpointStoreTests.ReadAll(store, saved.Rules["r"]));

            // Checkpoints go on from the migrated state.
            var batch = store.BeginCheckpoint();
            batch.AppendKey("r", Bytes("b"), [30]);
            batch.AppendDeletedKey("r", Bytes("a"));
            batch.SetKeyCount("r", 1);
            Assert.Equal(4, batch.Commit(1));
            Assert.Equal(new[] { ("b", "30") }, CheckpointStoreTests.ReadAll(store, store.Load()!.Rules["r"]));
        }

        Assert.Equal(2L, ScalarLong("PRAGMA user_version"));
        Assert.Equal(0L, ScalarLong("SELECT count(*) FROM sqlite_schema WHERE name = 'cep_keys'"));
    }

    [Fact]
    public void Open_Version1FileWithDamagedKeyBlob_RefusedAndLeftAsVersion1()
    {
        WriteVersion1File(("a", [1, 2]));
        Execute("UPDATE cep_keys SET state = substr(state, 1, 9) || x'FF'");
        var error = Assert.Throws<StateException>(() => CheckpointStore.Open(StatePath));
        Assert.Equal(StateErrorKind.Corrupt, error.Kind);
        Assert.Contains("rule 'r'", error.Message);
        Assert.Equal(1L, ScalarLong("PRAGMA user_version"));
        Assert.Equal(1L, ScalarLong("SELECT count(*) FROM sqlite_schema WHERE name = 'cep_keys'"));
    }

    [Fact]
    public void Open_NewFile_UsesLargePages()
    {
        CheckpointStore.Open(StatePath).Dispose();
        Assert.Equal(CheckpointStore.NewFilePageSize, ScalarLong("PRAGMA page_size"));
    }

    [Fact]
    public void Commit_WithoutKeyCount_StoreCountsLiveKeys()
    {
        using var store = CheckpointStore.Open(StatePath);
        var first = store.BeginCheckpoint();
        first.SetRule("r", "fp", "s", []);
        first.AppendKey("r", Bytes("a"), [1]);
        first.AppendKey("r", Bytes("b"), [1]);
        first.Commit(1);
        var second = store.BeginCheckpoint();
        second.AppendKey("r", Bytes("a"), [2]);
        second.AppendDeletedKey("r", Bytes("b"));
        second.AppendKey("r", Bytes("c"), [2]);
        second.Commit(2);
        Assert.Equal(2, store.Load()!.Rules["r"].KeyCount);
    }

    private void WriteKeys(int count)
    {
        using var store = CheckpointStore.Open(StatePath);
        var batch = store.BeginCheckpoint();
        batch.SetRule("r", "fp", "s", []);
        for (var i = 0; i < count; i++)
        {
            batch.AppendKey("r", Bytes($"key-{i:D6}"), Enumerable.Repeat((byte)i, 100).ToArray());
        }

        batch.SetKeyCount("r", count);
        batch.Commit(1);
    }

    /// <summary>A schema-1 state file as the previous build wrote it: a row per key in cep_keys.</summary>
    private void WriteVersion1File(params (string Key, byte[] State)[] keys)
    {
        using var connection = new SqliteConnection($"Data Source={StatePath};Pooling=False");
        connection.Open();
        foreach (var sql in new[]
        {
            "PRAGMA journal_mode=WAL",
            $"PRAGMA application_id={CheckpointStore.ApplicationId}",
            "PRAGMA user_version=1",
            "CREATE TABLE cep_meta(name TEXT PRIMARY KEY NOT NULL, value ANY) WITHOUT ROWID",
            "CREATE TABLE cep_rules(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, fingerprint TEXT NOT NULL, structure TEXT NOT NULL, state BLOB NOT NULL)",
            "CREATE TABLE cep_keys(rule INTEGER NOT NULL, key BLOB NOT NULL, state BLOB NOT NULL, PRIMARY KEY(rule, key)) WITHOUT ROWID",
            "CREATE TABLE cep_inputs(name TEXT PRIMARY KEY NOT NULL, source TEXT NOT NULL, position INTEGER NOT NULL, ended INTEGER NOT NULL) WITHOUT ROWID",
            "CREATE TABLE cep_outputs(path TEXT PRIMARY KEY NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID",
            "INSERT INTO cep_meta(name, value) VALUES('schema', 1), ('created_by', 'cep'), ('checkpoint', 3), ('saved_at', 5)",
        })
        {
            Execute(connection, sql);
        }

        using (var rule = connection.CreateCommand())
        {
            rule.CommandText = "INSERT INTO cep_rules(id, name, fingerprint, structure, state) VALUES(1, 'r', 'fp', 's', $state)";
            rule.Parameters.AddWithValue("$state", BlobFormat.Frame(Bytes("r"), [9]));
            rule.ExecuteNonQuery();
        }

        foreach (var (key, state) in keys)
        {
            using var row = connection.CreateCommand();
            row.CommandText = "INSERT INTO cep_keys(rule, key, state) VALUES(1, $key, $state)";
            row.Parameters.AddWithValue("$key", Bytes(key));
            row.Parameters.AddWithValue("$state", BlobFormat.Frame(Bytes(key), state));
            row.ExecuteNonQuery();
        }
    }

    private long ScalarLong(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={StatePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={StatePath};Pooling=False");
        connection.Open();
        Execute(connection, sql);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
