using System.Globalization;
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
    public RuleRuntime(CompiledRule rule, int[] inputOf, string[] inputStreams, RuleSink sink, FieldTable fields, bool trackChanges = false)
    {
        KeySlots = [.. inputStreams.Select(stream => KeySlotOf(rule, stream, fields.DispatchCount))];
        Rule = rule;
        InputOf = inputOf;
        Sink = sink;
        InputStreams = inputStreams;
        EventTime = rule.TimestampOf is not null;
        Operator = new KeyedPatternOperator<JsonEvent, RunKey>(
            rule.Compiled,
            new OperatorOptions
            {
                TimeMode = EventTime ? TimeMode.EventTime : TimeMode.ProcessingTime,
                InputCount = inputStreams.Length,
                OutOfOrdernessMs = rule.OutOfOrdernessMs,
                IdlenessMs = rule.IdlenessMs,
            },
            sink,
            keyComparer: null,
            trackChanges);
    }

    public CompiledRule Rule { get; }

    public KeyedPatternOperator<JsonEvent, RunKey> Operator { get; }

    /// <summary>
    /// Per operator input, the dispatch slot whose canonical text is the rule's key for events of that stream, or -1
    /// when the key is something else (composite, <c>$stream</c>, unkeyed): then <see cref="CompiledRule.KeyOf"/> gives it.
    /// </summary>
    public int[] KeySlots { get; }

    public RuleSink Sink { get; }

    /// <summary>Run input index → this rule's operator input index, or -1.</summary>
    public int[] InputOf { get; }

    /// <summary>Stream names of the operator's inputs, by operator input index.</summary>
    public string[] InputStreams { get; }

    public bool EventTime { get; }

    /// <summary>The key of <paramref name="evt"/>, which arrived on operator input <paramref name="input"/> with
    /// <paramref name="dispatch"/> from its parse.</summary>
    public RunKey KeyOf(int input, JsonEvent evt, ReadOnlySpan<JsonValue> dispatch)
    {
        var slot = KeySlots[input];
        if (slot < 0)
        {
            return RunKey.FromCanonical(Rule.KeyOf(evt, dispatch));
        }
        // A numeric key is read as the number: no canonical text is made for it.
        var value = dispatch[slot];
        return JsonEvent.TryGetInteger(value, out var number) ? RunKey.FromInteger(number) : RunKey.FromCanonical(evt.CanonicalText(value));
    }

    /// <summary>
    /// Which dispatch slot's canonical text the rule's key is for events of <paramref name="stream"/>, found by asking
    /// <see cref="CompiledRule.KeyOf"/> about probe events (the compiled rule does not expose its key paths): every
    /// slot holds a distinct number, then a distinct string, then the candidate slot is missing. Only a key that
    /// answers with exactly that slot's value each time — <c>key: FIELD</c>, or a per-stream map entry — is read
    /// from the slot; -1 for any other key.
    /// </summary>
    internal static int KeySlotOf(CompiledRule rule, string stream, int slotCount)
    {
        const long Base = 7_000_000_000_000;
        if (!rule.IsKeyed || slotCount == 0)
        {
            return -1;
        }
        var values = new JsonValue[slotCount];
        for (var i = 0; i < slotCount; i++)
        {
            values[i] = JsonValue.From((double)(Base + i));
        }
        if (!long.TryParse(rule.KeyOf(Probe(stream), values), NumberStyles.None, CultureInfo.InvariantCulture, out var found)
            || found < Base || found >= Base + slotCount)
        {
            return -1;
        }
        var slot = (int)(found - Base);
        for (var i = 0; i < slotCount; i++)
        {
            values[i] = JsonValue.From(string.Create(CultureInfo.InvariantCulture, $"probe-{i}"));
        }
        if (rule.KeyOf(Probe(stream), values) != string.Create(CultureInfo.InvariantCulture, $"\"probe-{slot}\""))
        {
            return -1;
        }
        values[slot] = JsonValue.Missing;
        return rule.KeyOf(Probe(stream), values) == "null" ? slot : -1;
    }

    private static JsonEvent Probe(string stream) => JsonEvent.Create(stream, 0, "{}"u8, []);

    /// <summary>Builds the runtimes of <paramref name="rules"/> over the run's inputs; rules that read none of them are returned in <paramref name="idle"/>.</summary>
    public static List<RuleRuntime> Build(IReadOnlyList<CompiledRule> rules, IReadOnlyList<string> inputStreams, Outputs.OutputSet outputs, FieldTable fields, TextWriter error, out List<CompiledRule> idle, bool trackChanges = false)
    {
        var batch = new ResultBatch();
        outputs.AttachBacklog(batch);
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
            runtimes.Add(new RuleRuntime(rule, inputOf, names, new RuleSink(rule, outputs, batch, error, names), fields, trackChanges));
        }
        return runtimes;
    }
}
