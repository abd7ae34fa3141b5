using Cep.Runner.Outputs;
using Cep.State;

namespace Cep.Runner.Checkpointing;

/// <summary>
/// Opens the outputs of a run that has <c>--state</c> or an <c>sqlite:</c> output: files are kept to their
/// committed length on resume instead of being emptied, and <c>--output sqlite:PATH[#TABLE]</c> writes rows.
/// Opening itself is <see cref="OutputSet.Open"/>'s.
/// </summary>
internal static class CheckpointOutputs
{
    public const string SqlitePrefix = "sqlite:";

    public static bool IsSqlite(string? path) => path is not null && path.StartsWith(SqlitePrefix, StringComparison.OrdinalIgnoreCase);

    public static OutputSet Open(string? mainPath, IReadOnlyList<KeyValuePair<string, string>> sidePaths, Stream stdout, RunCheckpointer? state) =>
        OutputSet.Open(
            mainPath,
            sidePaths,
            stdout,
            path => IsSqlite(path) ? OpenSqlite(path, state) : null,
            state is null ? null : state.CommittedLength);

    private static RecordOutput OpenSqlite(string target, RunCheckpointer? state)
    {
        var (path, table) = SqliteRecordOutput.ParseTarget(target[SqlitePrefix.Length..]);
        var sqlite = SqliteRecordOutput.Open(path, table, state?.Store);
        var stream = new SqliteLineStream(sqlite, commitOnFlush: state is null);
        state?.UseSqliteOutput(stream);
        return RecordOutput.ToStream($"{SqlitePrefix}{path}#{table}", new OwningStream(stream, sqlite));
    }

    /// <summary>RecordOutput does not own a caller's stream; this one disposes the sqlite output with it.</summary>
    private sealed class OwningStream(SqliteLineStream inner, SqliteRecordOutput output) : Stream
    {
        private bool _disposed;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                inner.Dispose();
                output.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
