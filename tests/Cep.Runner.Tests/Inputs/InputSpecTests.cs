using Cep.Runner.Inputs;

namespace Cep.Runner.Tests.Inputs;

public sealed class InputSpecTests
{
    [Theory]
    [InlineData("data/orders.jsonl", "orders", nameof(InputKind.JsonLinesFile))]
    [InlineData("orders=data/x.jsonl", "orders", nameof(InputKind.JsonLinesFile))]
    [InlineData("data/sensor.csv", "sensor", nameof(InputKind.CsvFile))]
    [InlineData("s=data/SENSOR.CSV", "s", nameof(InputKind.CsvFile))]
    [InlineData("-", "stdin", nameof(InputKind.StandardInput))]
    [InlineData("clicks=-", "clicks", nameof(InputKind.StandardInput))]
    [InlineData("tcp://127.0.0.1:9000", "tcp", nameof(InputKind.TcpConnect))]
    [InlineData("feed=tcp://localhost:9000", "feed", nameof(InputKind.TcpConnect))]
    [InlineData("tcp-listen://127.0.0.1:0", "tcp", nameof(InputKind.TcpListen))]
    [InlineData("/tmp/a=b/c.jsonl", "c", nameof(InputKind.JsonLinesFile))]
    public void TryParse_ValidSource_NamesStreamAndKind(string text, string stream, string kind)
    {
        Assert.True(InputSpec.TryParse(text, out var spec, out var error), error);
        Assert.Equal(stream, spec!.Stream);
        Assert.Equal(Enum.Parse<InputKind>(kind), spec.Kind);
    }

    [Fact]
    public void TryParse_TcpHostAndPort_AreSplit()
    {
        Assert.True(InputSpec.TryParse("tcp://[::1]:7000", out var spec, out _));
        Assert.Equal("::1", spec!.Host);
        Assert.Equal(7000, spec.Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("orders=")]
    [InlineData("tcp://nohost")]
    [InlineData("tcp://host:99999")]
    [InlineData("tcp://host:0")]
    [InlineData("tcp-listen://host:abc")]
    public void TryParse_BadSource_FailsWithMessage(string text)
    {
        Assert.False(InputSpec.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
