using System.Text;

namespace Cep.State.Tests;

public sealed class Crc32CTests
{
    [Fact]
    public void Compute_StandardCheckString_MatchesPublishedValue()
    {
        // The CRC-32C check value from the CRC catalogue (RFC 3720 appendix B.4 uses the same polynomial).
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Append_InPieces_EqualsWhole()
    {
        var data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 31)).ToArray();
        var pieces = Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Start, data.AsSpan(0, 13)), data.AsSpan(13)));
        Assert.Equal(Crc32C.Compute(data), pieces);
    }
}
