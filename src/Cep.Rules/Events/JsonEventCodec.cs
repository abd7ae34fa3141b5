using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using Cep.State;

namespace Cep.Rules.Events;

/// <summary>
/// Snapshot codec of the runner's events and keys. An event is stored as its stream, line number and raw JSON
/// object (what the record prints), followed by the values of the field table's value slots as the parser read them
/// (dispatch slots — keys, times — are not kept in events, so not stored), tagged with the field table's layout. Restoring with the same layout rebuilds the event from those values without
/// scanning the JSON again; with another layout (a rule's conditions changed) or from a file written before the values
/// were stored, the raw bytes are parsed again with the run's field table. Either way the restored event is the one
/// the parser would build from the input line. The runner checkpoints with it; the state benchmark measures with it.
/// </summary>
/// <remarks>
/// Event record, format 2: <c>0 | bytes values | stream | varint line | bytes raw</c> with <c>values = 2 | layout
/// (uint32 LE) | varuint count | count values</c>, each value a tag byte and its operand (<see cref="Tag"/>). The
/// leading 0 is what format 1 (<c>stream | varint line | bytes raw</c>) would read as a null stream name, which it
/// never wrote, so both are told apart by their first byte. A string value found quoted in the raw bytes is stored as
/// its offset and length there, not as text.
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
        // The values go into one block built on the stack and handed to the writer in one call: a writer call per
        // byte made serializing a checkpoint measurably slower.
        Span<byte> stack = stackalloc byte[256];
        var block = new BlockWriter(stack);
        if (!TryWriteBlock(ref block, layout, @event, raw))
        {
            var size = 1024;
            do
            {
                size *= 4;
                block = new BlockWriter(new byte[size]);
            }
            while (!TryWriteBlock(ref block, layout, @event, raw));
        }
        writer.WriteVarUInt(0);
        writer.WriteBytes(block.Written);
        writer.WriteString(@event.Stream);
        writer.WriteVarInt(@event.Line);
        writer.WriteBytes(raw);
    }

    /// <summary>Format, layout, count and every slot's value; false when the buffer is too small.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryWriteBlock(ref BlockWriter block, Layout layout, JsonEvent @event, ReadOnlySpan<byte> raw)
    {
        block.Byte(EventFormat);
        block.UInt32(layout.Hash);
        block.VarUInt((ulong)layout.Nodes.Length);
        for (var slot = 0; slot < layout.Nodes.Length; slot++)
        {
            WriteValue(ref block, @event.Get(slot), raw, ref layout.Hints[slot]);
        }
        return !block.Overflowed;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteValue(ref BlockWriter block, JsonValue value, ReadOnlySpan<byte> raw, ref int hint)
    {
        switch (value.Kind)
        {
            case JsonKind.Null:
                block.Byte((byte)Tag.Null);
                break;
            case JsonKind.True:
                block.Byte((byte)Tag.True);
                break;
            case JsonKind.False:
                block.Byte((byte)Tag.False);
                break;
            case JsonKind.Number:
                var number = value.Number;
                var integral = (long)number;
                if (Math.Abs(number) <= 9007199254740992d
                    && BitConverter.DoubleToInt64Bits(integral) == BitConverter.DoubleToInt64Bits(number))
                {
                    block.Byte((byte)Tag.Integer);
                    block.VarUInt((ulong)((integral << 1) ^ (integral >> 63)));
                }
                else
                {
                    block.Byte((byte)Tag.Double);
                    block.UInt64((ulong)BitConverter.DoubleToInt64Bits(number));
                }
                break;
            case JsonKind.String:
                var text = value.Text!;
                var at = FindQuoted(raw, text, ref hint);
                if (at >= 0)
                {
                    block.Byte((byte)Tag.StringInRaw);
                    block.VarUInt((ulong)at);
                    block.VarUInt((ulong)text.Length);
                }
                else
                {
                    block.Byte((byte)Tag.String);
                    block.Text(text);
                }
                break;
            case JsonKind.Array:
                block.Byte((byte)Tag.Array);
                block.Text(value.Text!);
                break;
            case JsonKind.Object:
                block.Byte((byte)Tag.Object);
                block.Text(value.Text!);
                break;
            default:
                block.Byte((byte)Tag.Missing);
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
        var saved = reader.ReadBytes();
        var utf8 = reader.ReadStringUtf8() ?? throw new InvalidDataException("event without a stream name");
        var stream = StreamName(utf8.Span);
        var line = reader.ReadVarInt();
        var raw = reader.ReadBytes();

        var block = new BlockReader(saved.Span);
        var format = block.Byte();
        if (format != EventFormat)
        {
            throw new InvalidDataException($"saved event has format {format}, this build reads formats 1 and {EventFormat}");
        }
        var hash = block.UInt32();
        var count = block.Count(saved.Length);
        var layout = CurrentLayout();
        if (hash != layout.Hash || count != layout.Nodes.Length)
        {
            // Saved under other rules: what they read is not what this run reads.
            return Parse(raw, stream, line);
        }

        var bytes = raw.Span;
        var buffer = default(SlotBuffer);
        var values = count <= SlotBuffer.Length ? ((Span<JsonValue>)buffer)[..count] : new JsonValue[count];
        for (var slot = 0; slot < count; slot++)
        {
            values[slot] = ReadValue(ref block, bytes, layout.Nodes[slot]);
        }
        if (!block.AtEnd)
        {
            throw new InvalidDataException("saved event has more values than its count");
        }
        // Held as the parser holds it (a short line inside the event object), from its own copy of the bytes.
        return JsonEvent.Create(stream, line, bytes, values);
    }

    [InlineArray(Length)]
    private struct SlotBuffer
    {
        public const int Length = 8;

        private JsonValue _first;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static JsonValue ReadValue(ref BlockReader block, ReadOnlySpan<byte> raw, PathNode node)
    {
        var tag = (Tag)block.Byte();
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
                var zigzag = block.VarUInt();
                return JsonValue.From((double)((long)(zigzag >> 1) ^ -(long)(zigzag & 1)));
            case Tag.Double:
                return JsonValue.From(BitConverter.Int64BitsToDouble((long)block.UInt64()));
            case Tag.StringInRaw:
                var offset = block.Count(raw.Length);
                var length = block.Count(raw.Length - offset);
                var text = raw.Slice(offset, length);
                if (text.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) >= 0)
                {
                    throw new InvalidDataException("saved event has a string value outside printable ASCII where its raw bytes are referenced");
                }
                // As the parser leaves a value slot's string: decoded, through the path's cache.
                return JsonValue.From(node.Strings.Get(text));
            case Tag.String:
                return JsonValue.From(block.Text());
            case Tag.Array:
                return JsonValue.FromRaw(JsonKind.Array, block.Text());
            case Tag.Object:
                return JsonValue.FromRaw(JsonKind.Object, block.Text());
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

    /// <summary>Writes a value block into a span; past its end it only notes the overflow.</summary>
    private ref struct BlockWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _length;

        public readonly bool Overflowed => _length > _buffer.Length;

        public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

        public void Byte(byte value)
        {
            if (_length < _buffer.Length)
            {
                _buffer[_length] = value;
            }
            _length++;
        }

        public void UInt32(uint value)
        {
            if (_length + 4 <= _buffer.Length)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(_buffer[_length..], value);
            }
            _length += 4;
        }

        public void UInt64(ulong value)
        {
            if (_length + 8 <= _buffer.Length)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(_buffer[_length..], value);
            }
            _length += 8;
        }

        public void VarUInt(ulong value)
        {
            while (value >= 0x80)
            {
                Byte((byte)(value | 0x80));
                value >>= 7;
            }
            Byte((byte)value);
        }

        /// <summary>As <see cref="SnapshotWriter.WriteString"/>: UTF-8 length + 1, then the bytes.</summary>
        public void Text(string value)
        {
            var count = Encoding.UTF8.GetByteCount(value);
            VarUInt((ulong)count + 1);
            if (_length + count <= _buffer.Length)
            {
                Encoding.UTF8.GetBytes(value, _buffer[_length..]);
            }
            _length += count;
        }
    }

    /// <summary>Reads a value block; anything past its end is an <see cref="InvalidDataException"/>.</summary>
    private ref struct BlockReader(ReadOnlySpan<byte> block)
    {
        private readonly ReadOnlySpan<byte> _block = block;
        private int _position;

        public readonly bool AtEnd => _position == _block.Length;

        public byte Byte()
        {
            if (_position >= _block.Length)
            {
                throw Truncated();
            }
            return _block[_position++];
        }

        public uint UInt32()
        {
            if (_position + 4 > _block.Length)
            {
                throw Truncated();
            }
            var value = BinaryPrimitives.ReadUInt32LittleEndian(_block[_position..]);
            _position += 4;
            return value;
        }

        public ulong UInt64()
        {
            if (_position + 8 > _block.Length)
            {
                throw Truncated();
            }
            var value = BinaryPrimitives.ReadUInt64LittleEndian(_block[_position..]);
            _position += 8;
            return value;
        }

        public ulong VarUInt()
        {
            ulong result = 0;
            for (var shift = 0; shift < 70; shift += 7)
            {
                var b = Byte();
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }
            throw new InvalidDataException("saved event has a malformed varint among its values");
        }

        public int Count(int max)
        {
            var value = VarUInt();
            if (value > (ulong)Math.Max(max, 0))
            {
                throw new InvalidDataException($"saved event has a count or offset of {value}, more than {max}");
            }
            return (int)value;
        }

        public string Text()
        {
            var n = VarUInt();
            if (n == 0)
            {
                throw new InvalidDataException("saved event has a null text value");
            }
            if (n - 1 > (ulong)(_block.Length - _position))
            {
                throw Truncated();
            }
            var text = Encoding.UTF8.GetString(_block.Slice(_position, (int)(n - 1)));
            _position += (int)(n - 1);
            return text;
        }

        private static InvalidDataException Truncated() => new("saved event's values are truncated");
    }

    /// <summary>
    /// What the parser keeps in events with a field table: every value slot's path (dispatch slots are not kept, so
    /// not stored). Its hash tags stored
    /// values, so they are used only by a run whose parser would read the same values from the raw bytes.
    /// </summary>
    private sealed class Layout
    {
        public Layout(PathNode root)
        {
            Root = root;
            Nodes = new PathNode[root.ValueCount];
            Hints = new int[root.ValueCount];
            var paths = new string[root.ValueCount];
            Collect(root, string.Empty, paths);
            var crc = 0xFFFFFFFFu;
            for (var slot = 0; slot < Nodes.Length; slot++)
            {
                // 'v' after the path: layouts once marked key-only slots 'k', so a file written then hashes differently.
                var entry = Encoding.UTF8.GetBytes($"{slot}\u0001{paths[slot]}\u0001v\u0002");
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
                if (child.ValueSlot >= 0)
                {
                    Nodes[child.ValueSlot] = child;
                    paths[child.ValueSlot] = path;
                }
                Collect(child, path, paths);
            }
        }
    }
}
