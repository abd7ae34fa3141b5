using System.Buffers.Binary;

namespace Cep.State;

/// <summary>
/// Framing of every blob in the state file: a format version byte, the payload length (uint32 LE) and a CRC-32C
/// (uint32 LE) over the row's key bytes followed by the payload, then the payload. Covering the key binds a blob to
/// its row, so a damaged key column is caught as surely as a damaged blob.
/// </summary>
internal static class BlobFormat
{
    public const byte Version = 1;
    public const int HeaderSize = 9;

    public static byte[] Frame(ReadOnlySpan<byte> rowKey, ReadOnlySpan<byte> payload)
    {
        var blob = new byte[HeaderSize + payload.Length];
        blob[0] = Version;
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(1), (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(5), Checksum(rowKey, payload));
        payload.CopyTo(blob.AsSpan(HeaderSize));
        return blob;
    }

    /// <summary>Checks a blob and returns its payload; <paramref name="what"/> names the row in the error.</summary>
    public static ReadOnlyMemory<byte> Unframe(byte[] blob, ReadOnlySpan<byte> rowKey, string what)
    {
        if (blob.Length < HeaderSize)
        {
            throw new StateException(StateErrorKind.Corrupt, $"state blob for {what} is truncated ({blob.Length} bytes)");
        }

        if (blob[0] > Version)
        {
            throw new StateException(
                StateErrorKind.NewerVersion,
                $"state blob for {what} has format {blob[0]}, written by a newer Cep (this build reads format {Version})");
        }

        if (blob[0] == 0)
        {
            throw new StateException(StateErrorKind.Corrupt, $"state blob for {what} has an invalid format byte 0");
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(1));
        if (length != (uint)(blob.Length - HeaderSize))
        {
            throw new StateException(
                StateErrorKind.Corrupt,
                $"state blob for {what} is truncated or damaged: header says {length} bytes, found {blob.Length - HeaderSize}");
        }

        var payload = blob.AsMemory(HeaderSize);
        var expected = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(5));
        if (Checksum(rowKey, payload.Span) != expected)
        {
            throw new StateException(StateErrorKind.Corrupt, $"state blob for {what} has a bad checksum");
        }

        return payload;
    }

    private static uint Checksum(ReadOnlySpan<byte> rowKey, ReadOnlySpan<byte> payload) =>
        Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Start, rowKey), payload));
}
