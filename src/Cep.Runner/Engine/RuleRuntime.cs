using Cep.Rules;
using Cep.Rules.Events;
using Cep.Runtime;

namespace Cep.Runner.Engine;

/// <summary>
/// One rule in a run: its operator (single-threaded, owned by the processing loop), its sink, and which run
/// inputs it reads. <see cref="InputOf"/> maps a run input to the operator's own input index (-1: not read).
/// </summary>
internal sealed class RuleRuntime
{
    public RuleRuntime(CompiledRule rule, int[] inputOf, string[] inputStreams, RuleSink sink, bool trackChanges = false)
    {
        Rule = rule;
        InputOf = inputOf;
        Sink = sink;
        InputStreams = inputStreams;
        EventTime = rule.TimestampOf is not null;
        Operator = new KeyedPatternOperator<JsonEvent, string>(
            rule.Compiled,
            new OperatorOptions
            {
                TimeMode = EventTime ? TimeMode.EventTime : TimeMode.ProcessingTime,
                InputCount = inputStreams.Length,
                OutOfOrdernessMs = rule.OutOfOrdernessMs,
                IdlenessMs = rule.IdlenessMs,
            },
            sink,
            StringComparer.Ordinal,
            trackChanges);
    }

    public CompiledRule Rule { get; }

    public KeyedPatternOperator<JsonEvent, string> Operator { get; }

    public RuleSink Sink { get; }

    /// <summary>Run input index → this rule's operator input index, or -1.</summary>
    public int[] InputOf { get; }

    /// <summary>Stream names of the operator's inputs, by operator input index.</summary>
    public string[] InputStreams { get; }

    public bool EventTime { get; }

    /// <summary>Builds the runtimes of <paramref name="rules"/> over the run's inputs; rules that read none of them are returned in <paramref name="idle"/>.</summary>
    public static List<RuleRuntime> Build(IReadOnlyList<CompiledRule> rules, IReadOnlyList<string> inputStreams, Outputs.OutputSet outputs, TextWriter error, out List<CompiledRule> idle, bool trackChanges = false)
    {
        var runtimes = new List<RuleRuntime>(rules.Count);
        idle = [];
        foreach (var rule in rules)
        {
            var inputOf = new int[inputStreams.Count];
            var streams = new List<string>();
            for (var i = 0; i < inputStreams.Count; i++)
            {
                if (rule.Streams is null || rule.Streams.Contains(inputStreams[i]))
                {
                    inputOf[i] = streams.Count;
                    streams.Add(inputStreams[i]);
                }
                else
                {
                    inputOf[i] = -1;
                }
            }
            if (streams.Count == 0)
            {
                idle.Add(rule);
                continue;
            }
            var names = streams.ToArray();
            runtimes.Add(new RuleRuntime(rule, inputOf, names, new RuleSink(rule, outputs, error, names), trackChanges));
        }
        return runtimes;
    }
}
