using System.Text.Json;
using Cep.Rules;
using Cep.Rules.Events;
using Cep.Runner.Engine;
using Cep.Runner.Outputs;
using Cep.Testing;

namespace Cep.Runner.Testing;

/// <summary>What one case produced, and how it compares with what was expected.</summary>
internal sealed record CaseResult(string Name, bool Passed, IReadOnlyList<string> Problems, IReadOnlyList<JsonElement> Records);

/// <summary>
/// Runs the cases of a rule test through the same <see cref="RunEngine"/> as <c>cep run</c>, on a virtual clock
/// (<see cref="TestScheduler"/>, one tick per millisecond): before each event the clock advances to its arrival
/// time and due timers fire; after the last event the clock advances to the case's <c>end</c>; then every input
/// ends. Side outputs go to the main output, as they do in a run without <c>--side-output</c>.
/// </summary>
internal static class RuleTestRunner
{
    public static CaseResult RunCase(TestCase testCase, IReadOnlyList<CompiledRule> rules, FieldTable fields, string source)
    {
        var streams = new List<string>();
        foreach (var s in testCase.Streams.Concat(testCase.Events.Select(e => e.Stream)))
        {
            if (!streams.Contains(s))
            {
                streams.Add(s);
            }
        }
        var scheduler = new TestScheduler();
        using var buffer = new MemoryStream();
        var messages = new StringWriter();
        var main = RecordOutput.ToStream("records", buffer);
        var outputs = new OutputSet(main);
        var deadLetters = new DeadLetters(messages, file: null);
        var engine = new RunEngine(rules, fields, streams.Select(s => new EngineInput(s, IsCsv: false, source)).ToList(), outputs, deadLetters, RunClock.Virtual(scheduler), messages);
        engine.Start();
        var lineOf = new long[streams.Count];
        foreach (var evt in testCase.Events)
        {
            if (evt.At > scheduler.Clock)
            {
                scheduler.AdvanceTo(evt.At);
                engine.AdvanceClock();
            }
            var input = streams.IndexOf(evt.Stream);
            lineOf[input]++;
            engine.OnLine(input, source, evt.Line, evt.Json);
            engine.AdvanceClock();
        }
        if (testCase.End is { } end && end > scheduler.Clock)
        {
            // Step through due timers one by one so each fires at its own time, not all at the end.
            while (engine.NextTimer is { } next && next <= end)
            {
                scheduler.AdvanceTo(Math.Max(next, scheduler.Clock));
                var before = engine.NextTimer;
                engine.AdvanceClock();
                if (engine.NextTimer == before)
                {
                    break;
                }
            }
            scheduler.AdvanceTo(end);
            engine.AdvanceClock();
        }
        for (var i = 0; i < streams.Count; i++)
        {
            engine.EndInput(i);
        }
        outputs.Flush();

        var records = new List<JsonElement>();
        foreach (var line in System.Text.Encoding.UTF8.GetString(buffer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            records.Add(doc.RootElement.Clone());
        }
        var (missing, unexpected) = RecordMatcher.Compare(testCase.Expect, records);
        var problems = new List<string>();
        foreach (var m in missing)
        {
            problems.Add($"missing:    {RecordMatcher.Describe(m)}  (line {m.Line})");
        }
        foreach (var u in unexpected)
        {
            problems.Add($"unexpected: {RecordMatcher.Summarize(u)}");
        }
        if (testCase.DeadLetters is { } expectedDead && expectedDead != deadLetters.Count)
        {
            problems.Add($"dead letters: expected {expectedDead}, got {deadLetters.Count}");
        }
        if (problems.Count > 0)
        {
            foreach (var message in messages.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                problems.Add("note: " + message.TrimEnd('\r'));
            }
        }
        return new CaseResult(testCase.Name, problems.Count == 0, problems, records);
    }
}
