using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Cep.State;

/// <summary>
/// Compact binary form for snapshots: LEB128 varints (zig-zag for signed), length-prefixed UTF-8 strings and
/// byte spans. Deterministic: the same state always gives the same bytes.
/// The per-value methods of the writer and the reader are optimized at once (AggressiveOptimization): a checkpoint
/// or restore of a million keys calls them millions of times in one long loop, the first time in a fresh process,
/// before tiered compilation would have replaced their unoptimized first code.
/// </summary>
public sealed class SnapshotWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public SnapshotWriter(ArrayBufferWriter<byte>? buffer = null) => _buffer = buffer ?? new ArrayBufferWriter<byte>(256);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    public int Length => _buffer.WrittenCount;

    public void Clear() => _buffer.Clear();

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void WriteBool(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteVarUInt(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteVarInt(long value) => WriteVarUInt((ulong)((value << 1) ^ (value >> 63)));

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteVarUInt((ulong)bytes.Length);
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
    }

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteVarUInt(0);
            return;
        }
        var count = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt((ulong)count + 1);
        var span = _buffer.GetSpan(count);
        Encoding.UTF8.GetBytes(value, span);
        _buffer.Advance(count);
    }
}

/// <summary>Reads what <see cref="SnapshotWriter"/> wrote; throws <see cref="InvalidDataException"/> on truncated or bad input.</summary>
public sealed class SnapshotReader
{
    private ReadOnlyMemory<byte> _data;
    private int _position;

    public SnapshotReader(ReadOnlyMemory<byte> data) => _data = data;

    /// <summary>Starts reading <paramref name="data"/> from its beginning: one reader serves a restore of a million
    /// keys without an object per key.</summary>
    public void Reset(ReadOnlyMemory<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public bool AtEnd => _position >= _data.Length;

    public int Position => _position;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _position + count > _data.Length)
        {
            throw new InvalidDataException("Snapshot is truncated.");
        }
        var span = _data.Span.Slice(_position, count);
        _position += count;
        return span;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public byte ReadByte() => Take(1)[0];

    public bool ReadBool() => ReadByte() switch
    {
        0 => false,
        1 => true,
        var b => throw new InvalidDataException($"Snapshot has {b} where a boolean was expected."),
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ulong ReadVarUInt()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw new InvalidDataException("Snapshot has a malformed varint.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long ReadVarInt()
    {
        var raw = ReadVarUInt();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int ReadCount(int max = int.MaxValue)
    {
        var value = ReadVarUInt();
        if (value > (ulong)max || value > int.MaxValue)
        {
            throw new InvalidDataException($"Snapshot has a count of {value}, more than {max}.");
        }
        return (int)value;
    }

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlyMemory<byte> ReadBytes()
    {
        // The length is checked against what is left after the length itself: a truncated record must fail as
        // invalid data, not as a slice out of range.
        var count = ReadCount();
        if (count > _data.Length - _position)
        {
            throw new InvalidDataException($"Snapshot has a byte string of {count} bytes but only {_data.Length - _position} left.");
        }
        var memory = _data.Slice(_position, count);
        _position += count;
        return memory;
    }

    /// <summary>What <see cref="SnapshotWriter.WriteString"/> wrote, as UTF-8 bytes without decoding them (null for
    /// a null string): lets a codec map repeated strings to one instance without allocating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlyMemory<byte>? ReadStringUtf8()
    {
        var n = ReadVarUInt();
        if (n == 0)
        {
            return null;
        }
        if (n - 1 > (ulong)(_data.Length - _position))
        {
            throw new InvalidDataException("Snapshot is truncated.");
        }
        var length = (int)(n - 1);
        var memory = _data.Slice(_position, length);
        _position += length;
        return memory;
    }

    public string? ReadString()
    {
        var n = ReadVarUInt();
        if (n == 0)
        {
            return null;
        }
        var count = (int)Math.Min(n - 1, int.MaxValue);
        return Encoding.UTF8.GetString(Take(count));
    }
}

/// <summary>How an operator writes its events and keys into snapshots.</summary>
public interface ISnapshotCodec<T, TKey>
{
    void WriteEvent(SnapshotWriter writer, T @event);

    T ReadEvent(SnapshotReader reader);

    void WriteKey(SnapshotWriter writer, TKey key);

    TKey ReadKey(SnapshotReader reader);
}
