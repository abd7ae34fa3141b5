using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Cep.State;

/// <summary>Receives one row's first two columns; the spans are valid only during the call.</summary>
internal delegate void RowVisitor(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second);

/// <summary>
/// A statement prepared once on the connection's native handle and bound with spans: no parameter objects and
/// no boxing per row. It runs inside whatever transaction the connection has open.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private const int Done = 101;
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _statement;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _connection = connection;
        var rc = raw.sqlite3_prepare_v2(connection.Handle, sql, out _statement);
        SqliteException.ThrowExceptionForRC(rc, connection.Handle);
    }

    /// <summary>Binds (integer, blob, optional blob) and steps once.</summary>
    public void Run(long first, ReadOnlySpan<byte> second, byte[]? third)
    {
        try
        {
            Check(raw.sqlite3_bind_int64(_statement, 1, first));
            Check(raw.sqlite3_bind_blob(_statement, 2, second));
            if (third is not null)
            {
                Check(raw.sqlite3_bind_blob(_statement, 3, third));
            }

            var rc = raw.sqlite3_step(_statement);
            if (rc != Done)
            {
                SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
            }
        }
        finally
        {
            raw.sqlite3_reset(_statement);
            raw.sqlite3_clear_bindings(_statement);
        }
    }

    /// <summary>Binds an integer to ?1 and hands each row's first two columns (as blobs) to <paramref name="row"/>.</summary>
    public void ForEachRow(long first, RowVisitor row)
    {
        const int Row = 100;
        try
        {
            Check(raw.sqlite3_bind_int64(_statement, 1, first));
            int rc;
            while ((rc = raw.sqlite3_step(_statement)) == Row)
            {
                row(raw.sqlite3_column_blob(_statement, 0), raw.sqlite3_column_blob(_statement, 1));
            }

            if (rc != Done)
            {
                SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
            }
        }
        finally
        {
            raw.sqlite3_reset(_statement);
            raw.sqlite3_clear_bindings(_statement);
        }
    }

    public void BindInt64(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    /// <summary>Binds a blob; SQLite copies it (SQLITE_TRANSIENT), so the span may be reused after the call.</summary>
    public void BindBlob(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_blob(_statement, index, value));

    /// <summary>Steps a statement that returns no rows, then resets it for the next use.</summary>
    public void Execute()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc != Done)
            {
                SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
            }
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>Steps to the next row: true on a row, false when done (call <see cref="Reset"/> after).</summary>
    public bool Step()
    {
        const int Row = 100;
        var rc = raw.sqlite3_step(_statement);
        if (rc == Row)
        {
            return true;
        }

        if (rc != Done)
        {
            SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
        }

        return false;
    }

    public long ColumnInt64(int index) => raw.sqlite3_column_int64(_statement, index);

    /// <summary>The column's bytes, valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> ColumnBlob(int index) => raw.sqlite3_column_blob(_statement, index);

    public void Reset()
    {
        raw.sqlite3_reset(_statement);
        raw.sqlite3_clear_bindings(_statement);
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
}
