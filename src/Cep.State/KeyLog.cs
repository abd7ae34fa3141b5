using System.Buffers;
using System.Buffers.Binary;

namespace Cep.State;

/// <summary>Turns a stored key's bytes into the caller's key (called on the store's reading thread).</summary>
public delegate TKey KeyDecoder<out TKey>(ReadOnlySpan<byte> key);

/// <summary>Turns a stored key and its payload into the caller's item (called on the store's reading thread; both
/// are valid only during the call).</summary>
public delegate TItem RecordDecoder<out TItem>(ReadOnlySpan<byte> key, ReadOnlyMemory<byte> payload);

/// <summary>
/// Keyed state is stored as a log of large chunks (schema 2), not a row per key. A chunk holds many records
/// <c>[varuint key length][key][varuint state: 0 = tombstone, else payload length + 1][payload]</c> behind one
/// header: a format byte, the records' length (uint32 LE) and a CRC-32C (uint32 LE) over the chunk's identity
/// (rule id, generation, sequence; so a chunk cannot pass for another) followed by the records. A checkpoint
/// appends the changed keys' records as chunks of a new generation (its checkpoint number); the newest record of
/// a key wins and a tombstone hides older ones.
/// </summary>
internal static class KeyLog
{
    public const byte ChunkFormat = 1;
    public const int HeaderSize = 9;

    /// <summary>A chunk is closed once its records pass this size: large enough that a checkpoint of a million keys
    /// is ~150 rows, small enough that a chunk is one cheap allocation-free copy.</summary>
    public const int ChunkTarget = 1 << 20;

    public static uint Checksum(long rule, long generation, int sequence, ReadOnlySpan<byte> records)
    {
        Span<byte> identity = stackalloc byte[20];
        BinaryPrimitives.WriteInt64LittleEndian(identity, rule);
        BinaryPrimitives.WriteInt64LittleEndian(identity[8..], generation);
        BinaryPrimitives.WriteInt32LittleEndian(identity[16..], sequence);
        return Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Start, identity), records));
    }

    /// <summary>The statement that stores one chunk (<see cref="Store"/>'s parameters, in order).</summary>
    public const string InsertChunkSql = "INSERT INTO cep_chunks(rule, generation, seq, records, data) VALUES(?1, ?2, ?3, ?4, ?5)";

    /// <summary>Seals chunk <paramref name="sequence"/> of a generation (its first <paramref name="length"/> bytes
    /// of <paramref name="buffer"/>) and stores it with <paramref name="insert"/> (<see cref="InsertChunkSql"/>).</summary>
    public static void Store(RawStatement insert, long rule, long generation, int sequence, byte[] buffer, int length, int records)
    {
        Seal(buffer.AsSpan(0, length), rule, generation, sequence);
        insert.BindInt64(1, rule);
        insert.BindInt64(2, generation);
        insert.BindInt64(3, sequence);
        insert.BindInt64(4, records);
        insert.BindBlob(5, buffer.AsSpan(0, length));
        insert.Execute();
    }

    /// <summary>Fills a chunk's header in place (the records follow it in <paramref name="chunk"/>).</summary>
    public static void Seal(Span<byte> chunk, long rule, long generation, int sequence)
    {
        var records = chunk[HeaderSize..];
        chunk[0] = ChunkFormat;
        BinaryPrimitives.WriteUInt32LittleEndian(chunk[1..], (uint)records.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk[5..], Checksum(rule, generation, sequence, records));
    }

    /// <summary>Checks a stored chunk and returns its records; <paramref name="what"/> names it in errors.</summary>
    public static ReadOnlySpan<byte> Open(ReadOnlySpan<byte> chunk, long rule, long generation, int sequence, string what)
    {
        if (chunk.Length < HeaderSize)
        {
            throw new StateException(StateErrorKind.Corrupt, $"{what} is truncated ({chunk.Length} bytes)");
        }

        if (chunk[0] > ChunkFormat)
        {
            throw new StateException(StateErrorKind.NewerVersion, $"{what} has format {chunk[0]}, written by a newer Cep (this build reads format {ChunkFormat})");
        }

        if (chunk[0] == 0)
        {
            throw new StateException(StateErrorKind.Corrupt, $"{what} has an invalid format byte 0");
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(chunk[1..]);
        if (length != (uint)(chunk.Length - HeaderSize))
        {
            throw new StateException(StateErrorKind.Corrupt, $"{what} is truncated or damaged: header says {length} bytes, found {chunk.Length - HeaderSize}");
        }

        var records = chunk[HeaderSize..];
        if (Checksum(rule, generation, sequence, records) != BinaryPrimitives.ReadUInt32LittleEndian(chunk[5..]))
        {
            throw new StateException(StateErrorKind.Corrupt, $"{what} has a bad checksum");
        }

        return records;
    }

    /// <summary>Reads the record at <paramref name="position"/>; payload is null for a tombstone.</summary>
    public static bool TryRead(ReadOnlySpan<byte> records, ref int position, out Range key, out Range? payload)
    {
        key = default;
        payload = null;
        if (position >= records.Length)
        {
            return false;
        }

        var keyLength = ReadVarUInt(records, ref position);
        if (keyLength > (ulong)(records.Length - position))
        {
            throw new InvalidDataException("record key runs past the chunk");
        }

        key = new Range(position, position + (int)keyLength);
        position += (int)keyLength;
        var state = ReadVarUInt(records, ref position);
        if (state == 0)
        {
            return true;
        }

        var payloadLength = state - 1;
        if (payloadLength > (ulong)(records.Length - position))
        {
            throw new InvalidDataException("record payload runs past the chunk");
        }

        payload = new Range(position, position + (int)payloadLength);
        position += (int)payloadLength;
        return true;
    }

    public static int VarUIntSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    public static int WriteVarUInt(Span<byte> span, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        return i;
    }

    private static ulong ReadVarUInt(ReadOnlySpan<byte> span, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= span.Length)
            {
                throw new InvalidDataException("record header runs past the chunk");
            }

            var b = span[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new InvalidDataException("malformed varint in a record header");
    }
}

/// <summary>
/// Records of one rule for one checkpoint, cut into chunks of about <see cref="KeyLog.ChunkTarget"/> bytes.
/// Buffers come from the shared array pool and go back to it when the batch is done.
/// </summary>
internal sealed class ChunkBuilder : IDisposable
{
    private readonly List<(byte[] Buffer, int Length, int Records)> _sealed = [];
    private byte[]? _buffer;
    private int _length;
    private int _records;

    public int Records { get; private set; }

    public long Bytes { get; private set; }

    /// <summary>The chunks so far (header space reserved at the front of each, filled at commit).</summary>
    public IEnumerable<(byte[] Buffer, int Length, int Records)> Chunks =>
        _buffer is not null && _records > 0 ? _sealed.Append((_buffer, _length, _records)) : _sealed;

    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload, bool tombstone)
    {
        var state = tombstone ? 0UL : (ulong)payload.Length + 1;
        var size = KeyLog.VarUIntSize((ulong)key.Length) + key.Length + KeyLog.VarUIntSize(state) + (tombstone ? 0 : payload.Length);
        if (_buffer is not null && _records > 0 && _length + size > _buffer.Length)
        {
            Flush();
        }

        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(KeyLog.ChunkTarget, KeyLog.HeaderSize + size));
            _length = KeyLog.HeaderSize;
            _records = 0;
        }
        else if (_length + size > _buffer.Length)
        {
            // Only a first record larger than the buffer gets here; a fresh, larger buffer holds it.
            var larger = ArrayPool<byte>.Shared.Rent(_length + size);
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        var span = _buffer.AsSpan(_length);
        var at = KeyLog.WriteVarUInt(span, (ulong)key.Length);
        key.CopyTo(span[at..]);
        at += key.Length;
        at += KeyLog.WriteVarUInt(span[at..], state);
        if (!tombstone)
        {
            payload.CopyTo(span[at..]);
            at += payload.Length;
        }

        _length += at;
        _records++;
        Records++;
        Bytes += at;
    }

    /// <summary>
    /// Where full chunks go instead of being kept (a streamed checkpoint hands them to the committing thread, which
    /// returns their buffers to the pool once stored). Null: the builder keeps them until disposed.
    /// </summary>
    public Action<(byte[] Buffer, int Length, int Records)>? OnSealed { get; init; }

    /// <summary>Closes the chunk being built, if it holds a record.</summary>
    public void Flush()
    {
        if (_buffer is null || _records == 0)
        {
            return;
        }

        var chunk = (_buffer, _length, _records);
        _buffer = null;
        _records = 0;
        if (OnSealed is { } onSealed)
        {
            onSealed(chunk);
        }
        else
        {
            _sealed.Add(chunk);
        }
    }

    public void Dispose()
    {
        foreach (var (buffer, _, _) in _sealed)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _sealed.Clear();
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}

/// <summary>
/// A set of byte-string keys copied into one arena (open addressing, no object per key): which keys a restore or
/// compaction has already seen in newer chunks.
/// </summary>
internal sealed class ByteKeySet
{
    private byte[] _arena = new byte[1 << 16];
    private int _arenaLength;
    private (int Offset, int Length, int Hash)[] _entries = new (int, int, int)[1024];
    private int[] _slots = new int[2048];
    private int _count;

    public int Count => _count;

    public bool Contains(ReadOnlySpan<byte> key) => Find(key, Hash(key)) >= 0;

    /// <summary>Adds the key; false when it was there already.</summary>
    public bool Add(ReadOnlySpan<byte> key)
    {
        var hash = Hash(key);
        if (Find(key, hash) >= 0)
        {
            return false;
        }

        if (_count * 2 >= _slots.Length)
        {
            Grow();
        }

        if (_arenaLength + key.Length > _arena.Length)
        {
            Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaLength + key.Length));
        }

        key.CopyTo(_arena.AsSpan(_arenaLength));
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        _entries[_count] = (_arenaLength, key.Length, hash);
        _arenaLength += key.Length;
        Insert(_count, hash);
        _count++;
        return true;
    }

    private static int Hash(ReadOnlySpan<byte> key)
    {
        var hash = new HashCode();
        hash.AddBytes(key);
        return hash.ToHashCode();
    }

    private int Find(ReadOnlySpan<byte> key, int hash)
    {
        var mask = _slots.Length - 1;
        for (var slot = hash & mask; ; slot = (slot + 1) & mask)
        {
            var index = _slots[slot] - 1;
            if (index < 0)
            {
                return -1;
            }

            var (offset, length, entryHash) = _entries[index];
            if (entryHash == hash && _arena.AsSpan(offset, length).SequenceEqual(key))
            {
                return index;
            }
        }
    }

    private void Insert(int index, int hash)
    {
        var mask = _slots.Length - 1;
        var slot = hash & mask;
        while (_slots[slot] != 0)
        {
            slot = (slot + 1) & mask;
        }

        _slots[slot] = index + 1;
    }

    private void Grow()
    {
        _slots = new int[_slots.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            Insert(i, _entries[i].Hash);
        }
    }
}
