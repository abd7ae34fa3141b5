using System.Text;
using Cep.Nfa;
using Cep.Rules.Events;
using Cep.Runtime;

namespace Cep.Rules.Tests;

/// <summary>
/// Runs each sample rule of rules/ over its sample input in rules/samples/ through the keyed operator, the way
/// the runner does (events in file order, inputs merged by timestamp, every input ended at the end), and checks
/// the records each sample is written to show. Events are named by their file and line: orders#3.
/// </summary>
public sealed class SampleRulesTests
{
    [Fact]
    public void OrderTimeout_ShowsMatchesAndTimeouts() =>
        Assert.Equal(
            [
                "match \"o1\" create=orders#1 pay=orders#3 emit={customer:\"ann\",amount:25.5,waitedMs:300000}",
                "match \"o3\" create=orders#5 pay=orders#7 emit={customer:\"cid\",amount:99.9,waitedMs:840000}",
                "timeout(order-timeouts) \"o2\" create=orders#2",
                "timeout(order-timeouts) \"o4\" create=orders#8",
            ],
            Run("order-timeout.yaml", "orders.jsonl"));

    [Fact]
    public void PaymentReconciliation_ShowsWhichSideIsMissing() =>
        Assert.Equal(
            [
                "match \"order-1\" app=app#1 thirdParty=thirdparty#1",
                "match \"order-3\" app=app#3 thirdParty=thirdparty#2",
                "timeout(unreconciled) \"order-2\" app=app#2",
                "timeout(unreconciled) \"order-2\" thirdParty=thirdparty#4",
                "timeout(unreconciled) \"order-4\" thirdParty=thirdparty#3",
            ],
            Run("payment-reconciliation.yaml", "app.jsonl", "thirdparty.jsonl"));

    [Fact]
    public void WaterLevelJump_FindsEachJump() =>
        Assert.Equal(
            [
                "match \"sensor_1\" before=water-jump#2 after=water-jump#4 emit={change:50}",
                "match \"sensor_1\" before=water-jump#4 after=water-jump#6 emit={change:-50}",
                "match \"sensor_2\" before=water-jump#3 after=water-jump#5 emit={change:45}",
            ],
            Run("water-level-jump.yaml", "water-jump.jsonl"));

    [Fact]
    public void WaterLevelRising_ReportsEachRisingSpellOnce() =>
        Assert.Equal(
            [
                "match \"s1\" start=water-rising#1 rising=water-rising#3,water-rising#5,water-rising#7,water-rising#9 risen=water-rising#11 emit={fromLevel:10,toLevel:30,seconds:5}",
                "match \"s1\" start=water-rising#13 rising=water-rising#14,water-rising#15,water-rising#16,water-rising#17 risen=water-rising#18 emit={fromLevel:29,toLevel:40,seconds:5}",
            ],
            Run("water-level-rising.yaml", "water-rising.jsonl"));

    [Fact]
    public void HighWater_ReportsEveryHighReading() =>
        Assert.Equal(
            [
                "match \"s1\" high=high-water#4 emit={level:80}",
                "match \"s1\" high=high-water#6 emit={level:91}",
                "match \"s2\" high=high-water#2 emit={level:85}",
            ],
            Run("high-water.yaml", "high-water.jsonl"));

    [Fact]
    public void LoginFailures_ReportsBurstsAndLateEvents() =>
        Assert.Equal(
            [
                "late(late-logins) logins#6",
                "match \"ann\" fail=logins#1,logins#4,logins#2 emit={attempts:3,firstIp:\"10.0.0.1\",lastIp:\"10.0.0.2\"}",
                "match \"bob\" fail=logins#3,logins#7,logins#8 emit={attempts:3,firstIp:\"10.0.0.9\",lastIp:\"10.0.0.9\"}",
            ],
            Run("login-failures.yaml", "logins.jsonl"));

    [Fact]
    public void CardFraud_ReportsSmallThenLargeWithinAMinute() =>
        Assert.Equal(
            ["match \"4000-0001\" small=card-payments#1 large=card-payments#3 emit={smallAmount:0.99,largeAmount:899,merchant:\"electronics\",secondsApart:40}"],
            Run("card-fraud.yaml", "card-payments.jsonl"));

    [Fact]
    public void ShipmentNotDelivered_ReportsTheLateShipmentAtItsDeadline() =>
        Assert.Equal(
            ["match \"sh-2\" shipped=shipments#2 emit={carrier:\"fastco\",destination:\"Porto\"} time=2026-01-03T09:30:00.0000000+00:00"],
            Run("shipment-not-delivered.yaml", "shipments.jsonl"));

    /// <summary>Runs one sample rule over its inputs; records sorted for a stable comparison.</summary>
    private static List<string> Run(string ruleFile, params string[] inputFiles)
    {
        var fields = new FieldTable();
        var set = RuleLoader.Load([Path.Combine(RuleLoaderTests.RulesFolder, ruleFile)], fields);
        Assert.True(set.Errors.Count == 0, string.Join(Environment.NewLine, set.Errors));
        var rule = Assert.Single(set.Rules);

        var events = new List<(int Input, JsonEvent Event, long Timestamp, string Key, string Name)>();
        for (var input = 0; input < inputFiles.Length; input++)
        {
            var path = Path.Combine(RuleLoaderTests.RulesFolder, "samples", inputFiles[input]);
            var stream = Path.GetFileNameWithoutExtension(path);
            var line = 0;
            foreach (var text in File.ReadLines(path))
            {
                line++;
                var dispatch = new JsonValue[fields.DispatchCount];
                Assert.True(JsonEventParser.TryParse(Encoding.UTF8.GetBytes(text), stream, line, fields, dispatch, out var e, out var error), error);
                var timestamp = rule.TimestampOf is null ? events.Count : rule.TimestampOf(e, dispatch) ?? throw new InvalidOperationException($"no timestamp in {path}:{line}");
                events.Add((input, e, timestamp, rule.KeyOf(e, dispatch), $"{stream}#{line}"));
            }
        }
        // Inputs are read side by side: merge them by time (a stable sort keeps each file's own order).
        if (inputFiles.Length > 1)
        {
            events = [.. events.OrderBy(e => e.Timestamp)];
        }

        var sink = new RecordingSink(rule, events.ToDictionary(e => e.Event, e => e.Name));
        var options = new OperatorOptions
        {
            TimeMode = rule.IsEventTime ? TimeMode.EventTime : TimeMode.ProcessingTime,
            InputCount = inputFiles.Length,
            OutOfOrdernessMs = rule.OutOfOrdernessMs,
            IdlenessMs = rule.IdlenessMs,
        };
        var op = new KeyedPatternOperator<JsonEvent, string>(rule.Compiled, options, sink);
        foreach (var (input, e, timestamp, key, _) in events)
        {
            op.OnEvent(input, key, e, timestamp, timestamp);
        }
        for (var input = 0; input < inputFiles.Length; input++)
        {
            op.EndInput(input);
        }
        return [.. sink.Records.Order(StringComparer.Ordinal)];
    }

    private sealed class RecordingSink(CompiledRule rule, Dictionary<JsonEvent, string> names) : IPatternSink<JsonEvent, string>
    {
        public List<string> Records { get; } = [];

        public void OnMatch(in PatternResult<JsonEvent, string> match)
        {
            var text = $"match {match.Key} {Steps(match)}";
            if (rule.Emit.Count > 0)
            {
                var context = Cep.Rules.Expressions.TestHooks.Context(match.StepNames, match.Time);
                context.Reset(match.Head, match.Time);
                text += " emit={" + string.Join(",", rule.Emit.Select(f => $"{f.Name}:{f.Evaluate(null, context).ToJson()}")) + "}";
            }
            if (rule.Compiled.Spec.Steps[^1].Contiguity == Contiguity.NotFollowedBy)
            {
                text += " time=" + DateTimeOffset.FromUnixTimeMilliseconds(match.Time).ToString("O");
            }
            Records.Add(text);
        }

        public void OnTimeout(in PatternResult<JsonEvent, string> timeout)
        {
            // As the runner: without onTimeout a timed-out partial match is dropped.
            if (rule.OnTimeout is not null)
            {
                Records.Add($"timeout({rule.OnTimeout}) {timeout.Key} {Steps(timeout)}");
            }
        }

        public void OnLate(int input, JsonEvent @event, long timestamp) => Records.Add($"late({rule.OnLate}) {names[@event]}");

        public void OnConditionError(ConditionError<JsonEvent> error) => Records.Add($"error {error.Step} {error.Exception.Message}");

        private string Steps(in PatternResult<JsonEvent, string> result) =>
            string.Join(" ", result.ByStep().Select(step => $"{step.Key}={string.Join(",", step.Value.Select(e => names[e]))}"));
    }
}
