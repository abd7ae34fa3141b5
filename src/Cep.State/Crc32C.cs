using System.Buffers.Binary;
using System.Numerics;

namespace Cep.State;

/// <summary>
/// CRC-32C (Castagnoli). <see cref="BitOperations.Crc32C(uint, ulong)"/> uses the SSE4.2/ARM instruction when
/// there is one and a table otherwise, so no hashing package is needed.
/// </summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Start, data));

    public const uint Start = 0xFFFFFFFFu;

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    public static uint Finish(uint crc) => ~crc;
}
