namespace Cep.Runner.Tests.Explain;

public sealed class ExplainCommandTests
{
    private const string Rule = """
        rule: order-timeout
        key: orderId
        time:
          field: ts
        pattern:
          - begin: create
            where: type == 'create'
          - followedBy: pay
            where: type == 'pay'
        within: 15m
        afterMatch: skipPastLastEvent
        """;

    [Fact]
    public void Explain_Text_ShowsStatesTransitionsConditionsWindowAndSkip()
    {
        using var dir = new TempDir();
        var rule = dir.File("r.yaml", Rule);

        var result = CepCli.Run("explain", rule);

        Assert.Equal(0, result.Exit);
        Assert.Contains("rule order-timeout", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("within: 15m", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("after match: SkipPastLastEvent", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("take -> ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("when type == 'pay'", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("[Final]", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_Dot_IsAGraphvizDigraphWithAnEdgePerTransition()
    {
        using var dir = new TempDir();
        var rule = dir.File("r.yaml", Rule);

        var result = CepCli.Run("explain", rule, "--format", "dot");

        Assert.Equal(0, result.Exit);
        Assert.StartsWith("digraph \"order-timeout\" {", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("shape=doublecircle", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("label=\"take: type == 'pay'\"", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("}\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_Mermaid_IsAStateDiagramWithStartAndEnd()
    {
        using var dir = new TempDir();
        var rule = dir.File("r.yaml", Rule);

        var result = CepCli.Run("explain", rule, "--format", "mermaid");

        Assert.Equal(0, result.Exit);
        Assert.StartsWith("stateDiagram-v2", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("[*] --> s0", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--> [*]", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("take / type == 'pay'", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_UnknownRuleName_ExitsTwo()
    {
        using var dir = new TempDir();
        var rule = dir.File("r.yaml", Rule);

        var result = CepCli.Run("explain", rule, "--rule", "nope");

        Assert.Equal(2, result.Exit);
        Assert.Contains("order-timeout", result.Stderr, StringComparison.Ordinal);
    }
}
