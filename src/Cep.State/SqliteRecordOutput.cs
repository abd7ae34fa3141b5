using Microsoft.Data.Sqlite;

namespace Cep.State;

/// <summary>
/// <c>--output sqlite:PATH[#TABLE]</c>. Records are buffered in memory and written at each checkpoint:
/// <list type="bullet">
/// <item>into the state file itself (PATH is the <c>--state</c> file): in the checkpoint's own transaction, so
/// exactly-once holds by construction;</item>
/// <item>into another database: in a transaction committed just before the checkpoint's, each row tagged with
/// the checkpoint id; a restart deletes rows tagged after the last committed checkpoint, whose records the
/// replayed input produces again;</item>
/// <item>without <c>--state</c>: committed on every <see cref="Flush"/>.</item>
/// </list>
/// </summary>
public sealed class SqliteRecordOutput : IDisposable
{
    private readonly SqliteConnection? _connection;
    private List<string> _pending = [];

    private SqliteRecordOutput(string path, string table, SqliteConnection? connection)
    {
        Path = path;
        Table = table;
        _connection = connection;
    }

    public string Path { get; }

    public string Table { get; }

    /// <summary>True when records go into the state file's own checkpoint transaction.</summary>
    public bool InStateFile => _connection is null;

    /// <summary>Records appended and not yet written.</summary>
    public int Pending => _pending.Count;

    /// <summary>
    /// Parses the part after <c>sqlite:</c>: <c>PATH</c> or <c>PATH#TABLE</c> (table <c>records</c> by default).
    /// </summary>
    public static (string Path, string Table) ParseTarget(string target)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        var hash = target.LastIndexOf('#');
        var (path, table) = hash < 0 ? (target, SqliteRecordTable.DefaultName) : (target[..hash], target[(hash + 1)..]);
        if (path.Length == 0)
        {
            throw new ArgumentException($"sqlite output '{target}' has no path", nameof(target));
        }

        SqliteRecordTable.ValidateName(table);
        return (System.IO.Path.GetFullPath(path), table);
    }

    /// <summary>
    /// Opens the output. With <paramref name="store"/> whose path is <paramref name="path"/>, records ride in the
    /// state file's checkpoints; otherwise a separate database is opened (created if missing).
    /// </summary>
    public static SqliteRecordOutput Open(string path, string table, CheckpointStore? store)
    {
        SqliteRecordTable.ValidateName(table);
        var full = System.IO.Path.GetFullPath(path);
        if (store is not null && string.Equals(store.Path, full, StringComparison.Ordinal))
        {
            return new SqliteRecordOutput(full, table, null);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
                command.ExecuteNonQuery();
            }

            SqliteRecordTable.Ensure(connection, null, table);
            return new SqliteRecordOutput(full, table, connection);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new StateException(StateErrorKind.CheckpointFailed, $"sqlite output {full} could not be opened: {e.Message}", e);
        }
    }

    public void Append(string record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _pending.Add(record);
    }

    /// <summary>
    /// On restore: forgets rows written for checkpoints after <paramref name="committedCheckpoint"/> (the input
    /// that produced them is read again). Nothing to do when records live in the state file.
    /// </summary>
    public int Restore(long committedCheckpoint)
    {
        if (_connection is null)
        {
            return 0;
        }

        using var command = _connection.CreateCommand();
        command.CommandText = $"DELETE FROM \"{Table}\" WHERE checkpoint > $checkpoint";
        command.Parameters.AddWithValue("$checkpoint", committedCheckpoint);
        return command.ExecuteNonQuery();
    }

    /// <summary>
    /// Hands the pending records to checkpoint <paramref name="batch"/>, which will be committed as checkpoint
    /// <paramref name="checkpointId"/> (<see cref="CheckpointStore.LastCheckpointId"/> + 1). For a separate
    /// database the records are committed here, before the batch.
    /// </summary>
    public void PrepareCheckpoint(CheckpointBatch batch, long checkpointId)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var records = TakePending();
        if (_connection is null)
        {
            batch.AddRecords(Table, records);
        }
        else
        {
            Write(records, checkpointId);
        }
    }

    /// <summary>Without <c>--state</c>: commits the pending records now.</summary>
    public void Flush()
    {
        if (_connection is null)
        {
            throw new InvalidOperationException("records in the state file are written by checkpoints");
        }

        Write(TakePending(), 0);
    }

    public void Dispose() => _connection?.Dispose();

    private List<string> TakePending()
    {
        var records = _pending;
        _pending = [];
        return records;
    }

    private void Write(List<string> records, long checkpoint)
    {
        if (records.Count == 0 || _connection is null)
        {
            return;
        }

        try
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            SqliteRecordTable.Insert(_connection, transaction, Table, records, checkpoint);
            transaction.Commit();
        }
        catch (SqliteException e)
        {
            // Keep the records so a later attempt writes them; nothing of this batch was committed.
            _pending.InsertRange(0, records);
            throw new StateException(StateErrorKind.CheckpointFailed, $"sqlite output {Path}: records could not be written: {e.Message}", e);
        }
    }
}
