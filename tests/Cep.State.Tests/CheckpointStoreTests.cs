using System.Text;
using Microsoft.Data.Sqlite;

namespace Cep.State.Tests;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    private string StatePath => _dir.File("state.db");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Open_NewFile_WritesVersionedSchemaAndNoCheckpoint()
    {
        using (var store = CheckpointStore.Open(StatePath))
        {
            Assert.Null(store.Load());
            Assert.Equal(0, store.LastCheckpointId);
        }

        using var connection = new SqliteConnection($"Data Source={StatePath};Pooling=False");
        connection.Open();
        Assert.Equal((long)CheckpointStore.ApplicationId, Scalar(connection, "PRAGMA application_id"));
        Assert.Equal((long)CheckpointStore.SchemaVersion, Scalar(connection, "PRAGMA user_version"));
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
    }

    [Fact]
    public void Commit_ThenReopen_LoadsEverythingCommitted()
    {
        using (var store = CheckpointStore.Open(StatePath))
        {
            var batch = store.BeginCheckpoint();
            batch.SetRule("orders", "fp1", "create: next\npay: followedBy", [1, 2, 3]);
            batch.PutKey("orders", Bytes("u1"), [9, 9]);
            batch.PutKey("orders", Bytes("u2"), [8]);
            batch.SetInput("orders", "/data/orders.jsonl", 1234);
            batch.SetOutput("/out/matches.jsonl", 567);
            Assert.Equal(1, batch.Commit(savedAtMs: 42));
        }

        using var reopened = CheckpointStore.Open(StatePath);
        var saved = reopened.Load();
        Assert.NotNull(saved);
        Assert.Equal(1, saved.CheckpointId);
        Assert.Equal(42, saved.SavedAtMs);
        var rule = saved.Rules["orders"];
        Assert.Equal("fp1", rule.Fingerprint);
        Assert.Equal("create: next\npay: followedBy", rule.Structure);
        Assert.Equal(new byte[] { 1, 2, 3 }, rule.Global.ToArray());
        Assert.Equal(2, rule.KeyCount);
        Assert.Equal(new SavedInput("orders", "/data/orders.jsonl", 1234), saved.Inputs["orders"]);
        Assert.Equal(567, saved.Outputs["/out/matches.jsonl"]);
        Assert.Equal(
            new[] { ("u1", "9,9"), ("u2", "8") },
            ReadAll(reopened, rule));
    }

    [Fact]
    public void Commit_Incremental_KeepsUntouchedKeysReplacesPutKeysRemovesDeletedKeys()
    {
        using var store = CheckpointStore.Open(StatePath);
        var first = store.BeginCheckpoint();
        first.SetRule("r", "fp", "a", []);
        first.PutKey("r", Bytes("a"), [1]);
        first.PutKey("r", Bytes("b"), [2]);
        first.PutKey("r", Bytes("c"), [3]);
        first.Commit(1);

        var second = store.BeginCheckpoint();
        second.PutKey("r", Bytes("b"), [20]);
        second.DeleteKey("r", Bytes("c"));
        Assert.Equal(2, second.Commit(2));

        var saved = store.Load()!;
        Assert.Equal(2, saved.CheckpointId);
        Assert.Equal(new[] { ("a", "1"), ("b", "20") }, ReadAll(store, saved.Rules["r"]));
    }

    [Fact]
    public void StreamKeys_ManyChunks_CommitsEveryKeyAsAppendKeyWould()
    {
        // ~5 MiB of records: more chunks than the stream keeps in flight, so the writer waits for the commit.
        const int keys = 5000;
        using var store = CheckpointStore.Open(StatePath);
        var batch = store.BeginCheckpoint();
        batch.SetRule("r", "fp", "a", []);
        batch.AppendKey("r", Bytes("before"), [7]);
        batch.StreamKeys("r", chunks =>
        {
            for (var i = 0; i < keys; i++)
            {
                chunks.Append(Bytes($"key-{i:D5}"), Enumerable.Repeat((byte)(i % 251), 1000).ToArray());
            }

            chunks.AppendDeleted(Bytes("gone"));
        });
        batch.Commit(1);

        Assert.Equal(keys, batch.PutKeys - 1);
        Assert.Equal(1, batch.DeletedKeys);
        var all = ReadAll(store, store.Load()!.Rules["r"]);
        Assert.Equal(keys + 1, all.Count);
        Assert.Equal(("before", "7"), all[0]);
        for (var i = 0; i < keys; i++)
        {
            Assert.Equal($"key-{i:D5}", all[i + 1].Key);
            Assert.Equal(string.Join(",", Enumerable.Repeat(i % 251, 1000)), all[i + 1].State);
        }
    }

    [Fact]
    public void StreamKeys_WriterThrowsAfterSomeChunks_CommitFailsAndPreviousCheckpointStays()
    {
        using var store = CheckpointStore.Open(StatePath);
        var first = store.BeginCheckpoint();
        first.SetRule("r", "fp", "a", []);
        first.PutKey("r", Bytes("a"), [1]);
        first.Commit(1);

        var second = store.BeginCheckpoint();
        second.StreamKeys("r", chunks =>
        {
            for (var i = 0; i < 5000; i++)
            {
                chunks.Append(Bytes($"key-{i:D5}"), new byte[1000]);
            }

            throw new InvalidOperationException("serializer broke");
        });
        var error = Assert.Throws<InvalidOperationException>(() => second.Commit(2));
        Assert.Equal("serializer broke", error.Message);

        var saved = store.Load()!;
        Assert.Equal(1, saved.CheckpointId);
        Assert.Equal(new[] { ("a", "1") }, ReadAll(store, saved.Rules["r"]));
    }

    [Fact]
    public void DropRule_RemovesRuleAndAllItsKeys()
    {
        using var store = CheckpointStore.Open(StatePath);
        var first = store.BeginCheckpoint();
        first.SetRule("gone", "fp", "a", []);
        first.SetRule("kept", "fp", "a", []);
        first.PutKey("gone", Bytes("a"), [1]);
        first.PutKey("kept", Bytes("a"), [2]);
        first.Commit(1);

        var second = store.BeginCheckpoint();
        second.DropRule("gone");
        second.Commit(2);

        var saved = store.Load()!;
        Assert.Equal(new[] { "kept" }, saved.Rules.Keys);
        Assert.Equal(new[] { ("a", "2") }, ReadAll(store, saved.Rules["kept"]));
    }

    [Fact]
    public void PutKey_RuleNeverSet_CommitThrowsAndCommitsNothing()
    {
        using var store = CheckpointStore.Open(StatePath);
        var batch = store.BeginCheckpoint();
        batch.PutKey("unknown", Bytes("a"), [1]);
        Assert.Throws<InvalidOperationException>(() => batch.Commit(1));
        Assert.Null(store.Load());
    }

    [Fact]
    public void Open_WhileAnotherStoreHoldsIt_ThrowsLocked()
    {
        using var first = CheckpointStore.Open(StatePath);
        var error = Assert.Throws<StateException>(() => CheckpointStore.Open(StatePath));
        Assert.Equal(StateErrorKind.Locked, error.Kind);
        Assert.Contains("in use", error.Message);
    }

    [Fact]
    public void Commit_DiskFull_ThrowsCheckpointFailedAndLastCheckpointStaysIntact()
    {
        var pages = CommitOneKeyCheckpoint();
        using (var store = CheckpointStore.Open(StatePath, new StoreOptions { MaxPageCount = pages + 2 }))
        {
            var big = store.BeginCheckpoint();
            for (var i = 0; i < 200; i++)
            {
                big.PutKey("r", Bytes($"key-{i}"), Enumerable.Repeat((byte)i, 1000).ToArray());
            }

            var error = Assert.Throws<StateException>(() => big.Commit(2));
            Assert.Equal(StateErrorKind.CheckpointFailed, error.Kind);
            Assert.Contains("disk is full", error.Message);
            Assert.Contains("last good checkpoint (#1) is intact", error.Message);
            Assert.Equal(1, store.LastCheckpointId);
        }

        AssertOnlyTheOneKeyCheckpoint();
    }

    [Fact]
    public void Commit_DiskFullWhileKeysStream_StopsTheWriterAndLastCheckpointStaysIntact()
    {
        var pages = CommitOneKeyCheckpoint();
        using (var store = CheckpointStore.Open(StatePath, new StoreOptions { MaxPageCount = pages + 40 }))
        {
            // ~20 MiB of records against a file allowed ~2.5 MiB more: the commit fails on an early chunk while
            // the writer is still filling (and waiting to hand over) later ones.
            var written = 0;
            var big = store.BeginCheckpoint();
            big.StreamKeys("r", chunks =>
            {
                for (var i = 0; i < 20_000; i++)
                {
                    chunks.Append(Bytes($"key-{i:D5}"), Enumerable.Repeat((byte)i, 1000).ToArray());
                    written++;
                }
            });

            var error = Assert.Throws<StateException>(() => big.Commit(2));
            Assert.Equal(StateErrorKind.CheckpointFailed, error.Kind);
            Assert.Contains("disk is full", error.Message);
            Assert.Equal(1, store.LastCheckpointId);
            Assert.InRange(written, 1, 19_999);
        }

        AssertOnlyTheOneKeyCheckpoint();
    }

    [Fact]
    public void Open_TextFile_ThrowsNotAStateFile()
    {
        File.WriteAllText(StatePath, "{\"this\":\"is not a database\"}\n");
        var error = Assert.Throws<StateException>(() => CheckpointStore.Open(StatePath));
        Assert.Equal(StateErrorKind.NotAStateFile, error.Kind);
        Assert.Contains(StatePath, error.Message);
    }

    [Fact]
    public void Open_OtherSqliteDatabase_ThrowsNotAStateFile()
    {
        using (var connection = new SqliteConnection($"Data Source={StatePath};Pooling=False"))
        {
            connection.Open();
            Execute(connection, "CREATE TABLE customers(id INTEGER)");
        }

        var error = Assert.Throws<StateException>(() => CheckpointStore.Open(StatePath));
        Assert.Equal(StateErrorKind.NotAStateFile, error.Kind);
    }

    [Fact]
    public void Open_NewerSchema_ThrowsNewerVersion()
    {
        CheckpointStore.Open(StatePath).Dispose();
        using (var connection = new SqliteConnection($"Data Source={StatePath};Pooling=False"))
        {
            connection.Open();
            Execute(connection, $"PRAGMA user_version={CheckpointStore.SchemaVersion + 1}");
        }

        var error = Assert.Throws<StateException>(() => CheckpointStore.Open(StatePath));
        Assert.Equal(StateErrorKind.NewerVersion, error.Kind);
        Assert.Contains("newer Cep", error.Message);
    }

    [Fact]
    public void Open_TruncatedFile_ThrowsCorrupt()
    {
        WriteManyKeys(300);
        var length = new FileInfo(StatePath).Length;
        using (var stream = new FileStream(StatePath, FileMode.Open))
        {
            stream.SetLength(length / 2);
        }

        var error = Assert.Throws<StateException>(() => CheckpointStore.Open(StatePath));
        Assert.Equal(StateErrorKind.Corrupt, error.Kind);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Open_TruncatedToHeaderOnly_ThrowsCorrupt()
    {
        WriteManyKeys(10);
        var bytes = File.ReadAllBytes(StatePath);
        File.WriteAllBytes(StatePath, bytes[..50]);
        var error = Assert.Throws<StateException>(() => CheckpointStore.Open(StatePath));
        Assert.Equal(StateErrorKind.Corrupt, error.Kind);
    }

    [Fact]
    public void Load_FlippedByteInsideBlob_ThrowsBadChecksum()
    {
        var marker = Encoding.ASCII.GetBytes("PAYLOAD-MARKER-0123456789");
        using (var store = CheckpointStore.Open(StatePath))
        {
            var batch = store.BeginCheckpoint();
            batch.SetRule("r", "fp", "a", []);
            batch.PutKey("r", Bytes("victim"), marker);
            batch.Commit(1);
        }

        var bytes = File.ReadAllBytes(StatePath);
        var at = bytes.AsSpan().IndexOf(marker);
        Assert.True(at > 0, "the payload is stored verbatim in the page");
        bytes[at + 5] ^= 0x01;
        File.WriteAllBytes(StatePath, bytes);

        using var reopened = CheckpointStore.Open(StatePath);
        var saved = reopened.Load()!;
        var error = Assert.Throws<StateException>(() => reopened.ReadKeys(saved.Rules["r"], (_, _) => { }));
        Assert.Equal(StateErrorKind.Corrupt, error.Kind);
        Assert.Contains("bad checksum", error.Message);
        Assert.Contains("rule 'r'", error.Message);
    }

    [Fact]
    public void Open_DamagedBtreePage_ThrowsCorrupt()
    {
        WriteManyKeys(300);
        var bytes = File.ReadAllBytes(StatePath);

        // Page 2 onwards are table/index pages; scribbling over page headers is what a torn or bad disk does.
        for (var page = 1; page < bytes.Length / 4096; page++)
        {
            bytes.AsSpan(page * 4096, 16).Fill(0xA5);
        }

        File.WriteAllBytes(StatePath, bytes);
        var error = Assert.Throws<StateException>(() =>
        {
            using var store = CheckpointStore.Open(StatePath);
            store.VerifyAll();
        });
        Assert.Equal(StateErrorKind.Corrupt, error.Kind);
    }

    [Fact]
    public void Commit_AfterLoad_ContinuesCheckpointNumbering()
    {
        WriteManyKeys(3);
        using var store = CheckpointStore.Open(StatePath);
        Assert.Equal(1, store.LastCheckpointId);
        var batch = store.BeginCheckpoint();
        batch.PutKey("r", Bytes("x"), [1]);
        Assert.Equal(2, batch.Commit(5));
    }

    [Fact]
    public void Commit_Twice_Throws()
    {
        using var store = CheckpointStore.Open(StatePath);
        var batch = store.BeginCheckpoint();
        batch.SetRule("r", "fp", "a", []);
        batch.Commit(1);
        Assert.Throws<InvalidOperationException>(() => batch.Commit(2));
    }

    private void WriteManyKeys(int count)
    {
        using var store = CheckpointStore.Open(StatePath);
        var batch = store.BeginCheckpoint();
        batch.SetRule("r", "fp", "a", [1]);
        for (var i = 0; i < count; i++)
        {
            batch.PutKey("r", Bytes($"key-{i:D6}"), Enumerable.Repeat((byte)i, 100).ToArray());
        }

        batch.Commit(1);
    }

    /// <summary>Checkpoint #1 with rule "r" holding key "k" = [1]; returns the file's size in pages.</summary>
    private long CommitOneKeyCheckpoint()
    {
        using (var store = CheckpointStore.Open(StatePath))
        {
            var batch = store.BeginCheckpoint();
            batch.SetRule("r", "fp", "a", [7]);
            batch.PutKey("r", Bytes("k"), [1]);
            batch.Commit(1);
        }

        return new FileInfo(StatePath).Length / CheckpointStore.NewFilePageSize;
    }

    /// <summary>The file, reopened, still holds exactly <see cref="CommitOneKeyCheckpoint"/>'s checkpoint.</summary>
    private void AssertOnlyTheOneKeyCheckpoint()
    {
        using var reopened = CheckpointStore.Open(StatePath);
        var saved = reopened.Load()!;
        Assert.Equal(1, saved.CheckpointId);
        Assert.Equal(new[] { ("k", "1") }, ReadAll(reopened, saved.Rules["r"]));
    }

    internal static List<(string Key, string State)> ReadAll(CheckpointStore store, SavedRule rule)
    {
        var all = new List<(string, string)>();
        store.ReadKeys(rule, (key, state) => all.Add((Encoding.UTF8.GetString(key.Span), string.Join(",", state.ToArray()))));

        // The key log hands keys out in storage order, not key order.
        return all.OrderBy(entry => entry.Item1, StringComparer.Ordinal).ToList();
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
