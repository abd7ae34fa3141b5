namespace Cep.State.Tests;

public sealed class BlobFormatTests
{
    private static readonly byte[] Key = [1, 2, 3];

    [Fact]
    public void Unframe_FramedPayload_ReturnsPayload()
    {
        var blob = BlobFormat.Frame(Key, [10, 20, 30]);
        Assert.Equal(new byte[] { 10, 20, 30 }, BlobFormat.Unframe(blob, Key, "k").ToArray());
    }

    [Fact]
    public void Unframe_FlippedPayloadByte_ThrowsCorrupt()
    {
        var blob = BlobFormat.Frame(Key, [10, 20, 30]);
        blob[^1] ^= 0x40;
        var error = Assert.Throws<StateException>(() => BlobFormat.Unframe(blob, Key, "rule 'r', key k"));
        Assert.Equal(StateErrorKind.Corrupt, error.Kind);
        Assert.Contains("bad checksum", error.Message);
        Assert.Contains("rule 'r'", error.Message);
    }

    [Fact]
    public void Unframe_OtherRowKey_ThrowsCorrupt()
    {
        var blob = BlobFormat.Frame(Key, [10, 20, 30]);
        Assert.Throws<StateException>(() => BlobFormat.Unframe(blob, [1, 2, 4], "k"));
    }

    [Fact]
    public void Unframe_Truncated_ThrowsCorrupt()
    {
        var blob = BlobFormat.Frame(Key, [10, 20, 30]);
        var error = Assert.Throws<StateException>(() => BlobFormat.Unframe(blob[..^1], Key, "k"));
        Assert.Contains("truncated", error.Message);
        Assert.Throws<StateException>(() => BlobFormat.Unframe(blob[..4], Key, "k"));
    }

    [Fact]
    public void Unframe_NewerFormat_ThrowsNewerVersion()
    {
        var blob = BlobFormat.Frame(Key, [10]);
        blob[0] = BlobFormat.Version + 1;
        var error = Assert.Throws<StateException>(() => BlobFormat.Unframe(blob, Key, "k"));
        Assert.Equal(StateErrorKind.NewerVersion, error.Kind);
    }
}
