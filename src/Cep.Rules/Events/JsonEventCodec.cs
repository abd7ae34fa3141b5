using System.Text;
using Cep.State;

namespace Cep.Rules.Events;

/// <summary>
/// Snapshot codec of the runner's events and keys. An event is stored as its stream, line number and raw JSON
/// object (what the record prints); restoring parses the raw bytes again with the run's field table, so the
/// restored event is the one the parser would build from the input line. The runner checkpoints with it; the
/// state benchmark measures with it.
/// </summary>
public sealed class JsonEventCodec : ISnapshotCodec<JsonEvent, string>
{
    private readonly FieldTable _fields;

    // Stream names seen while restoring, as UTF-8 and as the one string instance their events share. A run has a
    // handful of streams, so a linear scan beats hashing, and no string is decoded per event.
    private readonly List<(byte[] Utf8, string Name)> _streams = [];

    public JsonEventCodec(FieldTable fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        _fields = fields;
    }

    public void WriteEvent(SnapshotWriter writer, JsonEvent @event)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(@event);
        writer.WriteString(@event.Stream);
        writer.WriteVarInt(@event.Line);
        writer.WriteBytes(@event.Raw.Span);
    }

    /// <summary>An instance reads on one thread at a time (each thread that decodes a restore has its own; the field
    /// table may be shared). Writing (<see cref="WriteEvent"/>, <see cref="WriteKey"/>) touches nothing but the writer
    /// and the immutable event, so checkpoint tasks may call it beside the event loop.</summary>
    public JsonEvent ReadEvent(SnapshotReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var utf8 = reader.ReadStringUtf8() ?? throw new InvalidDataException("event without a stream name");
        var stream = StreamName(utf8.Span);
        var line = reader.ReadVarInt();
        var raw = reader.ReadBytes();
        if (!JsonEventParser.TryParse(raw, stream, line, _fields, out var evt, out var error))
        {
            throw new InvalidDataException($"saved event of {stream} line {line} does not parse: {error}");
        }

        return evt;
    }

    private string StreamName(ReadOnlySpan<byte> utf8)
    {
        foreach (var (bytes, name) in _streams)
        {
            if (utf8.SequenceEqual(bytes))
            {
                return name;
            }
        }

        // Events of one stream share one string instance, as when they are read.
        var shared = string.Intern(Encoding.UTF8.GetString(utf8));
        _streams.Add((utf8.ToArray(), shared));
        return shared;
    }

    public void WriteKey(SnapshotWriter writer, string key)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteString(key);
    }

    public string ReadKey(SnapshotReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.ReadString() ?? throw new InvalidDataException("null key");
    }
}
