namespace Cep.Runner.Tests.Testing;

public sealed class TestCommandTests
{
    private const string ProcessingTimeRule = """
        rule: quick-pay
        key: order
        pattern:
          - begin: create
            where: type == 'create'
          - followedBy: pay
            where: type == 'pay'
        within: 10s
        onTimeout: slow
        """;

    [Fact]
    public void Test_ProcessingTimeRule_UsesArrivalTimesOnTheVirtualClock()
    {
        using var dir = new TempDir();
        dir.File("quick.yaml", ProcessingTimeRule);
        var test = dir.File("quick.test.yaml", """
            rules: quick.yaml
            cases:
              - name: paid 9 seconds after creation
                events:
                  - {orders: {id: 1, order: a, type: create}, at: 1000}
                  - {orders: {id: 2, order: a, type: pay}, at: 10000}
                expect:
                  - {rule: quick-pay, key: a, time: 10000, events: {create: [1], pay: [2]}}
              - name: paid 10 seconds after creation is too late; the timer fires at 11000 without any event
                events:
                  - {orders: {id: 1, order: b, type: create}, at: 1000}
                end: 60000
                expect:
                  - {rule: quick-pay, type: timeout, output: slow, key: b, time: 11000, events: {create: [1]}}
            """);

        var result = CepCli.Run("test", test);

        Assert.Equal(0, result.Exit);
        Assert.Contains("PASS quick.test.yaml: paid 9 seconds after creation", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 passed, 0 failed", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_FailingCase_PrintsMissingAndUnexpectedAndExitsOne()
    {
        using var dir = new TempDir();
        dir.File("quick.yaml", ProcessingTimeRule);
        var test = dir.File("quick.test.yaml", """
            rules: quick.yaml
            cases:
              - name: wrong expectation
                events:
                  - {orders: {id: 1, order: a, type: create}, at: 0}
                  - {orders: {id: 2, order: a, type: pay}, at: 5}
                expect:
                  - {rule: quick-pay, key: a, events: {create: [1], pay: [99]}}
            """);

        var result = CepCli.Run("test", test);

        Assert.Equal(1, result.Exit);
        Assert.Contains("FAIL quick.test.yaml: wrong expectation", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("missing:    {rule: quick-pay, type: match, key: \"a\", events: {create: [1], pay: [99]}}", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("unexpected: {\"rule\":\"quick-pay\",\"type\":\"match\",\"key\":\"a\",\"time\":5,\"events\":{\"create\":[1],\"pay\":[2]}}", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("0 passed, 1 failed", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_WholeEventsAndExactJsonLines_AreCompared()
    {
        using var dir = new TempDir();
        dir.File("quick.yaml", ProcessingTimeRule);
        var test = dir.File("quick.test.yaml", """
            rules: quick.yaml
            cases:
              - name: whole events
                events:
                  - {stream: orders, json: '{"order":"a","type":"create","n":1.50}'}
                  - orders: {order: a, type: pay}
                  - {stream: orders, json: 'garbage'}
                deadLetters: 1
                expect:
                  - {rule: quick-pay, events: {create: [{order: a, type: create, n: 1.5}], pay: [{order: a, type: pay}]}}
            """);

        var result = CepCli.Run("test", test);

        Assert.Equal(0, result.Exit);
    }

    [Fact]
    public void Test_SeveralIdenticalRecords_AreCountedAsAMultiset()
    {
        using var dir = new TempDir();
        dir.File("every.yaml", "rule: every\npattern:\n  - begin: e\n");
        var test = dir.File("every.test.yaml", """
            rules: every.yaml
            cases:
              - name: two equal records need two expectations
                events:
                  - s: {id: 1}
                  - s: {id: 1}
                expect:
                  - {rule: every, key: null, events: {e: [1]}}
            """);

        var result = CepCli.Run("test", test);

        Assert.Equal(1, result.Exit);
        Assert.Contains("unexpected: ", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rules: r.yaml\ncases:\n  - name: x\n    events: []\n    expect: []\n    surprise: 1\n", "unknown key 'surprise'")]
    [InlineData("rules: r.yaml\ncases:\n  - name: x\n    events:\n      - {s: {a: 1}, at: 10}\n      - {s: {a: 1}, at: 5}\n    expect: []\n", "goes back in time")]
    [InlineData("rules: r.yaml\ncases:\n  - name: x\n    events: []\n", "no 'expect'")]
    [InlineData("rules: r.yaml\ncases: [\n", "error")]
    public void Test_InvalidTestFile_ReportsPlaceAndExitsTwo(string content, string message)
    {
        using var dir = new TempDir();
        dir.File("r.yaml", "rule: r\npattern:\n  - begin: e\n");
        var test = dir.File("bad.test.yaml", content);

        var result = CepCli.Run("test", test);

        Assert.Equal(2, result.Exit);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("bad.test.yaml:", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_SampleRules_AllPass()
    {
        var rules = Path.Combine(FindRepositoryRoot(), "rules");

        var result = CepCli.Run("test", rules);

        Assert.True(result.Exit == 0, result.Stdout + result.Stderr);
        Assert.DoesNotContain("FAIL", result.Stdout, StringComparison.Ordinal);
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cep.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Cep.sln not found above the test folder");
    }
}
