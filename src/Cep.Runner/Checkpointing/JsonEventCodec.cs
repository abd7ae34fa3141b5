using Cep.Rules.Events;
using Cep.State;

namespace Cep.Runner.Checkpointing;

/// <summary>
/// Snapshot codec of the runner's events and keys. An event is stored as its stream, line number and raw JSON
/// object (what the record prints); restoring parses the raw bytes again with the run's field table, so the
/// restored event is the one the parser would build from the input line.
/// </summary>
internal sealed class JsonEventCodec : ISnapshotCodec<JsonEvent, string>
{
    private readonly FieldTable _fields;
    private readonly Dictionary<string, string> _streams = new(StringComparer.Ordinal);

    public JsonEventCodec(FieldTable fields)
    {
        _fields = fields;
    }

    public void WriteEvent(SnapshotWriter writer, JsonEvent @event)
    {
        writer.WriteString(@event.Stream);
        writer.WriteVarInt(@event.Line);
        writer.WriteBytes(@event.Raw.Span);
    }

    public JsonEvent ReadEvent(SnapshotReader reader)
    {
        var stream = reader.ReadString() ?? throw new InvalidDataException("event without a stream name");
        if (!_streams.TryGetValue(stream, out var shared))
        {
            // Events of one stream share one string instance, as when they are read.
            shared = string.Intern(stream);
            _streams[stream] = shared;
        }

        var line = reader.ReadVarInt();
        var raw = reader.ReadBytes();
        if (!JsonEventParser.TryParse(raw, shared, line, _fields, out var evt, out var error))
        {
            throw new InvalidDataException($"saved event of {stream} line {line} does not parse: {error}");
        }

        return evt;
    }

    public void WriteKey(SnapshotWriter writer, string key) => writer.WriteString(key);

    public string ReadKey(SnapshotReader reader) => reader.ReadString() ?? throw new InvalidDataException("null key");
}
