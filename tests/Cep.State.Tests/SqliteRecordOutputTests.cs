using Microsoft.Data.Sqlite;

namespace Cep.State.Tests;

public sealed class SqliteRecordOutputTests : IDisposable
{
    private const string Match = "{\"rule\":\"orders\",\"type\":\"match\",\"key\":\"u1\",\"time\":5000,\"events\":{}}";
    private const string Timeout = "{\"rule\":\"orders\",\"type\":\"timeout\",\"output\":\"late\",\"key\":[\"a\",1],\"time\":9000,\"events\":{}}";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ParseTarget_PathAndTable_SplitsThem()
    {
        Assert.Equal((Path.GetFullPath("x.db"), "records"), SqliteRecordOutput.ParseTarget("x.db"));
        Assert.Equal((Path.GetFullPath("x.db"), "matches"), SqliteRecordOutput.ParseTarget("x.db#matches"));
        Assert.Throws<ArgumentException>(() => SqliteRecordOutput.ParseTarget("x.db#bad-name"));
        Assert.Throws<ArgumentException>(() => SqliteRecordOutput.ParseTarget("x.db#cep_keys"));
        Assert.Throws<ArgumentException>(() => SqliteRecordOutput.ParseTarget("#t"));
    }

    [Fact]
    public void PrepareCheckpoint_InStateFile_RecordsCommitWithCheckpoint()
    {
        var path = _dir.File("state.db");
        using (var store = CheckpointStore.Open(path))
        using (var output = SqliteRecordOutput.Open(path, "matches", store))
        {
            Assert.True(output.InStateFile);
            output.Append(Match);
            output.Append(Timeout);
            var batch = store.BeginCheckpoint();
            output.PrepareCheckpoint(batch, store.LastCheckpointId + 1);
            batch.Commit(1);

            // Appended but never checkpointed: lost with the process, as the input is replayed.
            output.Append(Match);
        }

        var rows = Rows(path, "matches");
        Assert.Equal(2, rows.Count);
        Assert.Equal(("orders", "match", null, "u1", 5000L, 1L), rows[0]);
        Assert.Equal(("orders", "timeout", "late", "[\"a\",1]", 9000L, 1L), rows[1]);
    }

    [Fact]
    public void Restore_SeparateDatabase_DropsRowsOfUncommittedCheckpoint()
    {
        var statePath = _dir.File("state.db");
        var outPath = _dir.File("out.db");
        using (var store = CheckpointStore.Open(statePath))
        using (var output = SqliteRecordOutput.Open(outPath, "records", store))
        {
            Assert.False(output.InStateFile);
            output.Append(Match);
            var batch = store.BeginCheckpoint();
            output.PrepareCheckpoint(batch, store.LastCheckpointId + 1);
            batch.Commit(1);

            // The records of checkpoint 2 reach the output, then the process dies before the state commits.
            output.Append(Timeout);
            output.PrepareCheckpoint(store.BeginCheckpoint(), store.LastCheckpointId + 1);
        }

        Assert.Equal(2, Rows(outPath, "records").Count);
        using (var store = CheckpointStore.Open(statePath))
        using (var output = SqliteRecordOutput.Open(outPath, "records", store))
        {
            Assert.Equal(1, output.Restore(store.Load()!.CheckpointId));
        }

        Assert.Equal("match", Assert.Single(Rows(outPath, "records")).Type);
    }

    [Fact]
    public void Flush_WithoutState_CommitsPending()
    {
        var outPath = _dir.File("out.db");
        using (var output = SqliteRecordOutput.Open(outPath, "records", store: null))
        {
            output.Append(Match);
            output.Append("not json at all");
            output.Flush();
            Assert.Equal(0, output.Pending);
        }

        var rows = Rows(outPath, "records");
        Assert.Equal(2, rows.Count);
        Assert.Null(rows[1].Rule);
    }

    private static List<(string? Rule, string? Type, string? Output, string? Key, long? Time, long Checkpoint)> Rows(string path, string table)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT rule, type, output, key, time, checkpoint FROM {table} ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<(string?, string?, string?, string?, long?, long)>();
        while (reader.Read())
        {
            rows.Add((
                reader.IsDBNull(0) ? null : reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt64(4),
                reader.GetInt64(5)));
        }

        return rows;
    }
}
