using Microsoft.Data.Sqlite;

namespace Cep.State;

/// <summary>
/// Upgrades state files of older schemas in place, in one transaction (a crash mid-way leaves the old file as it
/// was). Schema 1 kept a row per key (<c>cep_keys</c>); schema 2 keeps them as a log of chunks.
/// </summary>
internal static class Migrate
{
    public static void FromVersion1(SqliteConnection connection, string path)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var orphans = Convert.ToInt64(Scalar(connection, transaction, "SELECT count(*) FROM cep_keys WHERE rule NOT IN (SELECT id FROM cep_rules)"));
        if (orphans > 0)
        {
            throw new StateException(StateErrorKind.Corrupt, $"state file {path} is damaged: {orphans} key(s) of unknown rules");
        }

        var checkpoint = Scalar(connection, transaction, "SELECT value FROM cep_meta WHERE name = 'checkpoint'");
        var generation = checkpoint is null or DBNull ? 0 : Convert.ToInt64(checkpoint);
        Execute(connection, transaction, "ALTER TABLE cep_rules ADD COLUMN keys INTEGER NOT NULL DEFAULT 0");
        Execute(connection, transaction, CheckpointStore.ChunksTable);
        var rules = new List<(long Id, string Name)>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT id, name FROM cep_rules";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rules.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        using var rows = new RawStatement(connection, "SELECT key, state FROM cep_keys WHERE rule = ?1");
        using var insert = new RawStatement(connection, KeyLog.InsertChunkSql);
        foreach (var (id, name) in rules)
        {
            using var chunks = new ChunkBuilder();
            rows.ForEachRow(id, (key, blob) =>
            {
                var payload = BlobFormat.Unframe(blob.ToArray(), key, $"rule '{name}', key {CheckpointStore.Describe(key)} in {path}");
                chunks.Add(key, payload.Span, tombstone: false);
            });
            var sequence = 0;
            foreach (var (buffer, length, records) in chunks.Chunks)
            {
                KeyLog.Store(insert, id, generation, sequence++, buffer, length, records);
            }

            using var count = connection.CreateCommand();
            count.Transaction = transaction;
            count.CommandText = "UPDATE cep_rules SET keys = $keys WHERE id = $id";
            count.Parameters.AddWithValue("$keys", chunks.Records);
            count.Parameters.AddWithValue("$id", id);
            count.ExecuteNonQuery();
        }

        Execute(connection, transaction, "DROP TABLE cep_keys");
        Execute(connection, transaction, "INSERT OR REPLACE INTO cep_meta(name, value) VALUES('schema', 2)");
        Execute(connection, transaction, "PRAGMA user_version=2");
        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
