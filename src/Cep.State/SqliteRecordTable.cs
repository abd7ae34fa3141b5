using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Cep.State;

/// <summary>The table that <c>--output sqlite:PATH[#TABLE]</c> writes: one row per record.</summary>
internal static class SqliteRecordTable
{
    public const string DefaultName = "records";

    public static void ValidateName(string table)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        var valid = (char.IsAsciiLetter(table[0]) || table[0] == '_')
            && table.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            && table.Length <= 64;
        if (!valid)
        {
            throw new ArgumentException($"invalid SQLite output table name '{table}' (letters, digits and _, not starting with a digit)", nameof(table));
        }

        if (table.StartsWith("cep_", StringComparison.OrdinalIgnoreCase) || table.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"SQLite output table name '{table}' is reserved (cep_ and sqlite_ prefixes)", nameof(table));
        }
    }

    public static void Ensure(SqliteConnection connection, SqliteTransaction? transaction, string table)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            $"CREATE TABLE IF NOT EXISTS \"{table}\"(id INTEGER PRIMARY KEY, checkpoint INTEGER NOT NULL, rule TEXT, type TEXT, "
            + "output TEXT, key TEXT, time INTEGER, record TEXT NOT NULL)";
        command.ExecuteNonQuery();
    }

    public static void Insert(SqliteConnection connection, SqliteTransaction transaction, string table, IReadOnlyList<string> records, long checkpoint)
    {
        Ensure(connection, transaction, table);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            $"INSERT INTO \"{table}\"(checkpoint, rule, type, output, key, time, record) VALUES($checkpoint, $rule, $type, $output, $key, $time, $record)";
        var pCheckpoint = command.Parameters.Add("$checkpoint", SqliteType.Integer);
        var pRule = command.Parameters.Add("$rule", SqliteType.Text);
        var pType = command.Parameters.Add("$type", SqliteType.Text);
        var pOutput = command.Parameters.Add("$output", SqliteType.Text);
        var pKey = command.Parameters.Add("$key", SqliteType.Text);
        var pTime = command.Parameters.Add("$time", SqliteType.Integer);
        var pRecord = command.Parameters.Add("$record", SqliteType.Text);
        pCheckpoint.Value = checkpoint;
        foreach (var record in records)
        {
            var fields = Fields.Parse(record);
            pRule.Value = (object?)fields.Rule ?? DBNull.Value;
            pType.Value = (object?)fields.Type ?? DBNull.Value;
            pOutput.Value = (object?)fields.Output ?? DBNull.Value;
            pKey.Value = (object?)fields.Key ?? DBNull.Value;
            pTime.Value = (object?)fields.Time ?? DBNull.Value;
            pRecord.Value = record;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The record fields that get their own columns, so the table can be queried without JSON functions.</summary>
    internal readonly record struct Fields(string? Rule, string? Type, string? Output, string? Key, long? Time)
    {
        public static Fields Parse(string record)
        {
            try
            {
                using var document = JsonDocument.Parse(record);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return default;
                }

                return new Fields(
                    Text(root, "rule"),
                    Text(root, "type"),
                    Text(root, "output"),
                    root.TryGetProperty("key", out var key) ? (key.ValueKind == JsonValueKind.String ? key.GetString() : key.GetRawText()) : null,
                    root.TryGetProperty("time", out var time) && time.ValueKind == JsonValueKind.Number && time.TryGetInt64(out var t) ? t : null);
            }
            catch (JsonException)
            {
                // The record column keeps the line as written; the extracted columns are a convenience.
                return default;
            }
        }

        private static string? Text(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
