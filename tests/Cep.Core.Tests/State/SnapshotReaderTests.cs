using Cep.State;
using Xunit;

namespace Cep.Core.Tests.State;

public sealed class SnapshotReaderTests
{
    [Fact]
    public void ReadBytes_WholeByteString_ReturnsItsBytes()
    {
        var writer = new SnapshotWriter();
        writer.WriteBytes([1, 2, 3]);

        var reader = new SnapshotReader(writer.ToArray());

        Assert.Equal([1, 2, 3], reader.ReadBytes().ToArray());
    }

    [Fact]
    public void ReadBytes_TruncatedByOneByte_IsInvalidData()
    {
        // 130 bytes need a two-byte length: the check must count what is left after the length itself.
        var writer = new SnapshotWriter();
        writer.WriteBytes(new byte[130]);
        var bytes = writer.ToArray();

        var reader = new SnapshotReader(bytes.AsMemory(0, bytes.Length - 1));

        Assert.Throws<InvalidDataException>(() => reader.ReadBytes());
    }
}
