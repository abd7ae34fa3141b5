using System.Text.Json;

namespace Cep.Runner.Tests.Cli;

public sealed class ValidateCommandTests
{
    private const string Good = "rule: ok\npattern:\n  - begin: a\n    where: x > 1\n";

    [Fact]
    public void Validate_ValidFolder_PrintsCountAndExitsZero()
    {
        using var dir = new TempDir();
        dir.File("a.yaml", Good);
        dir.File("b.yaml", Good.Replace("rule: ok", "rule: ok2", StringComparison.Ordinal));

        var result = CepCli.Run("validate", dir.Path);

        Assert.Equal(0, result.Exit);
        Assert.Equal("2 rules OK", result.Stdout.Trim());
    }

    [Fact]
    public void Validate_ErrorsInSeveralFiles_PrintsAllCompilerStyleAndExitsTwo()
    {
        using var dir = new TempDir();
        var a = dir.File("a.yaml", "rule: a\npattern:\n  - begin: s\n    where: x >\n");
        var b = dir.File("b.yaml", "rule: b\nfrobnicate: true\npattern:\n  - begin: s\n");

        var result = CepCli.Run("validate", a, b);

        Assert.Equal(2, result.Exit);
        Assert.Matches(@"a\.yaml:4:\d+: error CEP\d{4}: ", result.Stderr);
        Assert.Matches(@"b\.yaml:2:1: error CEP\d{4}: ", result.Stderr);
    }

    [Fact]
    public void Validate_FormatJson_WritesAnArrayOfErrorsForEditors()
    {
        using var dir = new TempDir();
        var b = dir.File("b.yaml", "rule: b\nfrobnicate: true\npattern:\n  - begin: s\n");

        var result = CepCli.Run("validate", b, "--format", "json");

        Assert.Equal(2, result.Exit);
        var errors = JsonDocument.Parse(result.Stdout).RootElement;
        var error = errors[0];
        Assert.Equal(b, error.GetProperty("file").GetString());
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.Equal(1, error.GetProperty("column").GetInt32());
        Assert.StartsWith("CEP", error.GetProperty("code").GetString(), StringComparison.Ordinal);
        Assert.Equal("error", error.GetProperty("severity").GetString());
        Assert.Contains("frobnicate", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_FormatJsonNoErrors_WritesEmptyArray()
    {
        using var dir = new TempDir();
        var a = dir.File("a.yaml", Good);

        var result = CepCli.Run("validate", a, "--format", "json");

        Assert.Equal(0, result.Exit);
        Assert.Equal(0, JsonDocument.Parse(result.Stdout).RootElement.GetArrayLength());
    }

    [Fact]
    public void Validate_UnknownFormat_ExitsTwo()
    {
        var result = CepCli.Run("validate", "x.yaml", "--format", "xml");

        Assert.Equal(2, result.Exit);
    }
}
