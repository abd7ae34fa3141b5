using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using Cep.State;

namespace Cep.Rules.Events;

/// <summary>
/// Snapshot codec of the runner's events and keys. An event is stored as its stream, line number and raw JSON
/// object (what the record prints), followed by the values of the registered field paths as the parser read them,
/// tagged with the field table's layout. Restoring with the same layout rebuilds the event from those values without
/// scanning the JSON again; with another layout (a rule's conditions changed) or from a file written before the values
/// were stored, the raw bytes are parsed again with the run's field table. Either way the restored event is the one
/// the parser would build from the input line. The runner checkpoints with it; the state benchmark measures with it.
/// </summary>
/// <remarks>
/// Event record, format 2: <c>0 | 2 | stream | varint line | bytes raw | layout (uint32 LE) | varuint count | count
/// values</c>, each value a tag byte and its operand (<see cref="Tag"/>). The leading 0 is what format 1 (<c>stream |
/// varint line | bytes raw</c>) would read as a null stream name, which it never wrote, so both are told apart by their
/// first byte. A string value found quoted in the raw bytes is stored as its offset and length there, not as text.
/// </remarks>
public sealed class JsonEventCodec : ISnapshotCodec<JsonEvent, string>
{
    /// <summary>The event record this build writes.</summary>
    internal const byte EventFormat = 2;

    private readonly FieldTable _fields;

    // Stream names seen while restoring, as UTF-8 and as the one string instance their events share. A run has a
    // handful of streams, so a linear scan beats hashing, and no string is decoded per event.
    private readonly List<(byte[] Utf8, string Name)> _streams = [];

    // The field table's layout as of its current path tree; replaced (never changed) when paths are registered, so
    // the writing side may read it beside the reading side.
    private volatile Layout? _layout;

    public JsonEventCodec(FieldTable fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        _fields = fields;
    }

    /// <summary>Operand-carrying kinds of a stored value.</summary>
    internal enum Tag : byte
    {
        Missing = 0,
        Null = 1,
        True = 2,
        False = 3,

        /// <summary>An integral number of at most 2^53 in magnitude (not -0), as a zig-zag varint.</summary>
        Integer = 4,

        /// <summary>Any other number, as its 8 IEEE bytes (LE).</summary>
        Double = 5,

        /// <summary>Printable ASCII found quoted in the raw bytes: varuint offset, varuint length.</summary>
        StringInRaw = 6,

        /// <summary>Any other string, as a length-prefixed UTF-8 text.</summary>
        String = 7,

        /// <summary>An array's JSON text.</summary>
        Array = 8,

        /// <summary>An object's JSON text.</summary>
        Object = 9,
    }

    // Optimized at once (here and in the other per-event methods): a checkpoint or a restore calls them a million
    // times in a row, mostly before tiering would have replaced their first, unoptimized code (measured: serialize
    // and cold restore both a few per cent faster).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteEvent(SnapshotWriter writer, JsonEvent @event)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(@event);
        var layout = CurrentLayout();
        var raw = @event.Raw.Span;
        writer.WriteVarUInt(0);
        writer.WriteByte(EventFormat);
        writer.WriteString(@event.Stream);
        writer.WriteVarInt(@event.Line);
        writer.WriteBytes(raw);
        var hash = layout.Hash;
        writer.WriteByte((byte)hash);
        writer.WriteByte((byte)(hash >> 8));
        writer.WriteByte((byte)(hash >> 16));
        writer.WriteByte((byte)(hash >> 24));
        writer.WriteVarUInt((ulong)layout.Nodes.Length);
        for (var slot = 0; slot < layout.Nodes.Length; slot++)
        {
            WriteValue(writer, @event.Get(slot), raw, ref layout.Hints[slot]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteValue(SnapshotWriter writer, JsonValue value, ReadOnlySpan<byte> raw, ref int hint)
    {
        switch (value.Kind)
        {
            case JsonKind.Null:
                writer.WriteByte((byte)Tag.Null);
                break;
            case JsonKind.True:
                writer.WriteByte((byte)Tag.True);
                break;
            case JsonKind.False:
                writer.WriteByte((byte)Tag.False);
                break;
            case JsonKind.Number:
                var number = value.Number;
                var integral = (long)number;
                if (Math.Abs(number) <= 9007199254740992d
                    && BitConverter.DoubleToInt64Bits(integral) == BitConverter.DoubleToInt64Bits(number))
                {
                    writer.WriteByte((byte)Tag.Integer);
                    writer.WriteVarInt(integral);
                }
                else
                {
                    writer.WriteByte((byte)Tag.Double);
                    writer.WriteInt64(BitConverter.DoubleToInt64Bits(number));
                }
                break;
            case JsonKind.String:
                var text = value.Text!;
                var at = FindQuoted(raw, text, ref hint);
                if (at >= 0)
                {
                    writer.WriteByte((byte)Tag.StringInRaw);
                    writer.WriteVarUInt((ulong)at);
                    writer.WriteVarUInt((ulong)text.Length);
                }
                else
                {
                    writer.WriteByte((byte)Tag.String);
                    writer.WriteString(text);
                }
                break;
            case JsonKind.Array:
                writer.WriteByte((byte)Tag.Array);
                writer.WriteString(value.Text);
                break;
            case JsonKind.Object:
                writer.WriteByte((byte)Tag.Object);
                writer.WriteString(value.Text);
                break;
            default:
                writer.WriteByte((byte)Tag.Missing);
                break;
        }
    }

    /// <summary>Where <paramref name="text"/>, if it is printable ASCII, stands between quotes in the raw bytes (the
    /// offset of its first character); -1 if nowhere. Any such place holds exactly its bytes, so any one will do.
    /// <paramref name="hint"/> is where the same slot's string was found last time (events of one kind put a field at
    /// the same offset): checked first, updated on a search. It is shared without a lock: a stale or torn hint is
    /// only a wrong guess, and every guess is checked.</summary>
    private static int FindQuoted(ReadOnlySpan<byte> raw, string text, ref int hint)
    {
        var length = text.Length;
        if (length + 2 > raw.Length || text.AsSpan().IndexOfAnyExceptInRange((char)0x20, (char)0x7E) >= 0)
        {
            return -1;
        }
        var guess = hint;
        if (guess > 0 && guess + length < raw.Length && raw[guess - 1] == (byte)'"' && raw[guess + length] == (byte)'"'
            && Ascii.Equals(raw.Slice(guess, length), text))
        {
            return guess;
        }
        var needle = length + 2 <= 128 ? stackalloc byte[length + 2] : new byte[length + 2];
        needle[0] = (byte)'"';
        Encoding.ASCII.GetBytes(text, needle[1..]);
        needle[^1] = (byte)'"';
        var at = raw.IndexOf(needle);
        if (at < 0)
        {
            return -1;
        }
        hint = at + 1;
        return at + 1;
    }

    /// <summary>An instance reads on one thread at a time (each thread that decodes a restore has its own; the field
    /// table may be shared). Writing (<see cref="WriteEvent"/>, <see cref="WriteKey"/>) touches nothing but the writer,
    /// the immutable event and an immutable layout, so checkpoint tasks may call it beside the event loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public JsonEvent ReadEvent(SnapshotReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var lead = reader.ReadVarUInt();
        if (lead != 0)
        {
            return ReadFormat1(reader, lead);
        }
        var format = reader.ReadByte();
        if (format != EventFormat)
        {
            throw new InvalidDataException($"saved event has format {format}, this build reads formats 1 and {EventFormat}");
        }
        var utf8 = reader.ReadStringUtf8() ?? throw new InvalidDataException("event without a stream name");
        var stream = StreamName(utf8.Span);
        var line = reader.ReadVarInt();
        var raw = reader.ReadBytes();
        var hash = (uint)reader.ReadByte() | ((uint)reader.ReadByte() << 8) | ((uint)reader.ReadByte() << 16) | ((uint)reader.ReadByte() << 24);
        var count = reader.ReadCount(raw.Length + 1024);
        var layout = CurrentLayout();
        if (hash != layout.Hash || count != layout.Nodes.Length)
        {
            // Saved under other rules: what they read is not what this run reads.
            for (var i = 0; i < count; i++)
            {
                SkipValue(reader);
            }
            return Parse(raw, stream, line);
        }

        var bytes = raw.ToArray();
        var buffer = default(SlotBuffer);
        var values = count <= SlotBuffer.Length ? ((Span<JsonValue>)buffer)[..count] : new JsonValue[count];
        for (var slot = 0; slot < count; slot++)
        {
            values[slot] = ReadValue(reader, bytes, layout.Nodes[slot]);
        }
        return new JsonEvent(stream, line, bytes, values);
    }

    [InlineArray(Length)]
    private struct SlotBuffer
    {
        public const int Length = 8;

        private JsonValue _first;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static JsonValue ReadValue(SnapshotReader reader, byte[] raw, PathNode node)
    {
        var tag = (Tag)reader.ReadByte();
        switch (tag)
        {
            case Tag.Missing:
                return JsonValue.Missing;
            case Tag.Null:
                return JsonValue.Null;
            case Tag.True:
                return JsonValue.True;
            case Tag.False:
                return JsonValue.False;
            case Tag.Integer:
                return JsonValue.From((double)reader.ReadVarInt());
            case Tag.Double:
                return JsonValue.From(BitConverter.Int64BitsToDouble(reader.ReadInt64()));
            case Tag.StringInRaw:
                var offset = reader.ReadCount(raw.Length);
                var length = reader.ReadCount(raw.Length - offset);
                var text = raw.AsSpan(offset, length);
                if (text.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) >= 0)
                {
                    throw new InvalidDataException("saved event has a string value outside printable ASCII where its raw bytes are referenced");
                }
                // As the parser leaves it: undecoded where only keys read the path, else through the path's cache.
                return node.KeyOnly ? JsonValue.Undecoded(offset, length) : JsonValue.From(node.Strings.Get(text));
            case Tag.String:
                return JsonValue.From(reader.ReadString() ?? throw new InvalidDataException("saved event has a null string value"));
            case Tag.Array:
                return JsonValue.FromRaw(JsonKind.Array, reader.ReadString() ?? throw new InvalidDataException("saved event has a null array value"));
            case Tag.Object:
                return JsonValue.FromRaw(JsonKind.Object, reader.ReadString() ?? throw new InvalidDataException("saved event has a null object value"));
            default:
                throw new InvalidDataException($"saved event has an unknown value tag {(byte)tag}");
        }
    }

    private static void SkipValue(SnapshotReader reader)
    {
        var tag = (Tag)reader.ReadByte();
        switch (tag)
        {
            case Tag.Missing or Tag.Null or Tag.True or Tag.False:
                break;
            case Tag.Integer:
                reader.ReadVarUInt();
                break;
            case Tag.Double:
                reader.ReadInt64();
                break;
            case Tag.StringInRaw:
                reader.ReadVarUInt();
                reader.ReadVarUInt();
                break;
            case Tag.String or Tag.Array or Tag.Object:
                reader.ReadStringUtf8();
                break;
            default:
                throw new InvalidDataException($"saved event has an unknown value tag {(byte)tag}");
        }
    }

    /// <summary>Format 1 (no stored values): <paramref name="lead"/> was the stream name's length + 1.</summary>
    private JsonEvent ReadFormat1(SnapshotReader reader, ulong lead)
    {
        var length = lead - 1;
        if (length > 1024)
        {
            throw new InvalidDataException($"saved event has a stream name of {length} bytes");
        }
        Span<byte> utf8 = stackalloc byte[(int)length];
        for (var i = 0; i < utf8.Length; i++)
        {
            utf8[i] = reader.ReadByte();
        }
        var stream = StreamName(utf8);
        var line = reader.ReadVarInt();
        return Parse(reader.ReadBytes(), stream, line);
    }

    private JsonEvent Parse(ReadOnlyMemory<byte> raw, string stream, long line) =>
        JsonEventParser.TryParse(raw, stream, line, _fields, out var evt, out var error)
            ? evt
            : throw new InvalidDataException($"saved event of {stream} line {line} does not parse: {error}");

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

    private Layout CurrentLayout()
    {
        var root = _fields.Root;
        var layout = _layout;
        if (layout is null || !ReferenceEquals(layout.Root, root))
        {
            layout = new Layout(root);
            _layout = layout;
        }
        return layout;
    }

    /// <summary>
    /// What the parser fills with a field table: every slot's path and whether only keys read it. Its hash tags stored
    /// values, so they are used only by a run whose parser would read the same values from the raw bytes.
    /// </summary>
    private sealed class Layout
    {
        public Layout(PathNode root)
        {
            Root = root;
            Nodes = new PathNode[root.SlotCount];
            Hints = new int[root.SlotCount];
            var paths = new string[root.SlotCount];
            Collect(root, string.Empty, paths);
            var crc = 0xFFFFFFFFu;
            for (var slot = 0; slot < Nodes.Length; slot++)
            {
                var entry = Encoding.UTF8.GetBytes($"{slot}\u0001{paths[slot]}\u0001{(Nodes[slot]?.KeyOnly == true ? 'k' : 'v')}\u0002");
                foreach (var b in entry)
                {
                    crc = BitOperations.Crc32C(crc, b);
                }
                if (Nodes[slot] is null)
                {
                    throw new InvalidOperationException($"field slot {slot} has no path");
                }
            }
            Hash = ~crc;
        }

        public PathNode Root { get; }

        public PathNode[] Nodes { get; }

        /// <summary>Per slot, where the last string written was found in its event's raw bytes.</summary>
        public int[] Hints { get; }

        public uint Hash { get; }

        private void Collect(PathNode node, string prefix, string[] paths)
        {
            foreach (var child in node.Children)
            {
                var path = prefix.Length == 0 ? child.Name : prefix + "." + child.Name;
                if (child.Slot >= 0)
                {
                    Nodes[child.Slot] = child;
                    paths[child.Slot] = path;
                }
                Collect(child, path, paths);
            }
        }
    }
}
