namespace Cep.Runner.Tests.Engine;

/// <summary>
/// Match and timeout records are spliced together as bytes (RuleSink's raw path); these are the exact bytes the
/// JSON writer produced before, for the parts that can differ: a composite key with non-ASCII text and an object,
/// several events in one step, events with spacing and escapes, a timeout's output name.
/// </summary>
public sealed class RecordBytesTests
{
    private const string Rule = """
        rule: bursts.x_1
        key: [user, region]
        time:
          field: ts
        pattern:
          - begin: fail
            where: result == 'fail'
            times: 2
          - followedBy: ok
            where: result == 'ok'
        within: 1m
        onTimeout: stalled
        """;

    private const string Input = """
        {"user":"ü1","region":{"a":[1, 2]},"result":"fail","ts":0}
        {"user":"ü1","region":{"a":[1, 2]},"result":"fail", "ts":1000, "x":"<tag> \u00e9"}
        {"user":"u2","region":7,"result":"fail","ts":2000}
        {"user":"ü1","region":{"a":[1, 2]},"result":"ok","ts":3000}
        {"user":"u2","region":7,"result":"fail","ts":4000}
        {"user":"u3","region":null,"result":"fail","ts":200000}
        """;

    [Fact]
    public void Run_MatchesAndTimeouts_WritesRecordsByteForByteAsTheJsonWriterDid()
    {
        using var dir = new TempDir();
        var rule = dir.File("bursts.yaml", Rule);
        var input = dir.File("logins.jsonl", Input);

        var result = CepCli.Run("run", rule, "--input", input);

        Assert.Equal(0, result.Exit);
        string[] expected =
        [
            """
            {"rule":"bursts.x_1","type":"match","key":["ü1",{"a":[1, 2]}],"time":3000,"events":{"fail":[{"user":"ü1","region":{"a":[1, 2]},"result":"fail","ts":0},{"user":"ü1","region":{"a":[1, 2]},"result":"fail", "ts":1000, "x":"<tag> \u00e9"}],"ok":[{"user":"ü1","region":{"a":[1, 2]},"result":"ok","ts":3000}]}}
            """,
            """
            {"rule":"bursts.x_1","type":"timeout","output":"stalled","key":["ü1",{"a":[1, 2]}],"time":61000,"events":{"fail":[{"user":"ü1","region":{"a":[1, 2]},"result":"fail", "ts":1000, "x":"<tag> \u00e9"}]}}
            """,
            """
            {"rule":"bursts.x_1","type":"timeout","output":"stalled","key":["u2",7],"time":62000,"events":{"fail":[{"user":"u2","region":7,"result":"fail","ts":2000},{"user":"u2","region":7,"result":"fail","ts":4000}]}}
            """,
            """
            {"rule":"bursts.x_1","type":"timeout","output":"stalled","key":["u2",7],"time":64000,"events":{"fail":[{"user":"u2","region":7,"result":"fail","ts":4000}]}}
            """,
            """
            {"rule":"bursts.x_1","type":"timeout","output":"stalled","key":["u3",null],"time":260000,"events":{"fail":[{"user":"u3","region":null,"result":"fail","ts":200000}]}}
            """,
        ];
        Assert.Equal(expected, result.Lines);
    }
}
