using System.Text.Json;
using Cep.Nfa;
using Cep.Rules;
using Cep.Rules.Events;
using Cep.Rules.Expressions;
using Cep.Runner.Outputs;
using Cep.Runtime;

namespace Cep.Runner.Engine;

/// <summary>
/// Turns what one rule's operator decides into records (SPEC §4). Events are spliced in as the exact bytes that
/// were read; the key is the rule's canonical key JSON, written raw.
/// </summary>
internal sealed class RuleSink : IPatternSink<JsonEvent, string>
{
    private const int ErrorsShownPerRule = 10;

    private readonly CompiledRule _rule;
    private readonly OutputSet _outputs;
    private readonly TextWriter _error;
    private readonly MatchContext<JsonEvent> _context;
    private readonly string[] _inputStreams;
    private readonly int _stepCount;
    private long _errorsShown;

    public RuleSink(CompiledRule rule, OutputSet outputs, TextWriter error, string[] inputStreams)
    {
        _rule = rule;
        _outputs = outputs;
        _error = error;
        _inputStreams = inputStreams;
        _stepCount = rule.Compiled.StepNames.Count;
        _context = CreateContext([.. rule.Compiled.StepNames]);
    }

    public long Matches { get; private set; }

    public long Timeouts { get; private set; }

    public long TimeoutsDropped { get; private set; }

    public long Late { get; private set; }

    public long LateDropped { get; private set; }

    public long Errors { get; private set; }

    public void OnMatch(in PatternResult<JsonEvent, string> match)
    {
        Matches++;
        var output = _outputs.Main;
        var w = output.BeginRecord();
        WriteResult(w, "match", null, match);
        if (_rule.Emit.Count > 0)
        {
            WriteEmit(w, match);
        }
        w.WriteEndObject();
        output.EndRecord();
    }

    public void OnTimeout(in PatternResult<JsonEvent, string> timeout)
    {
        if (_rule.OnTimeout is not { } name)
        {
            TimeoutsDropped++;
            return;
        }
        Timeouts++;
        var output = _outputs.For(name);
        var w = output.BeginRecord();
        WriteResult(w, "timeout", name, timeout);
        w.WriteEndObject();
        output.EndRecord();
    }

    public void OnLate(int input, JsonEvent @event, long timestamp)
    {
        if (_rule.OnLate is not { } name)
        {
            LateDropped++;
            return;
        }
        Late++;
        var output = _outputs.For(name);
        var w = output.BeginRecord();
        w.WriteStartObject();
        w.WriteString("rule", _rule.Name);
        w.WriteString("type", "late");
        w.WriteString("output", name);
        w.WriteString("stream", (uint)input < (uint)_inputStreams.Length ? _inputStreams[input] : @event.Stream);
        w.WriteNumber("time", timestamp);
        w.WritePropertyName("event");
        w.WriteRawValue(@event.Raw.Span, skipInputValidation: true);
        w.WriteEndObject();
        output.EndRecord();
    }

    public void OnConditionError(ConditionError<JsonEvent> error)
    {
        var where = error.Exception is ExpressionException ee ? $"{ee.Location}: " : "";
        Report($"{where}rule '{_rule.Name}' step '{error.Step}': condition failed on {error.Event.Stream} line {error.Event.Line}: {error.Exception.Message}; treated as not holding");
    }

    /// <summary>Writes the summary of errors that were not shown.</summary>
    public void WriteSummary()
    {
        if (Errors > ErrorsShownPerRule)
        {
            _error.WriteLine($"warning: rule '{_rule.Name}': {Errors - ErrorsShownPerRule} more expression errors not shown ({Errors} in all)");
        }
    }

    private static MatchContext<JsonEvent> CreateContext(string[] stepNames) => new(stepNames);

    private void Report(string message)
    {
        Errors++;
        if (_errorsShown < ErrorsShownPerRule)
        {
            _errorsShown++;
            _error.WriteLine("warning: " + message);
        }
    }

    private void WriteResult(Utf8JsonWriter w, string type, string? outputName, in PatternResult<JsonEvent, string> result)
    {
        w.WriteStartObject();
        w.WriteString("rule", _rule.Name);
        w.WriteString("type", type);
        if (outputName is not null)
        {
            w.WriteString("output", outputName);
        }
        w.WritePropertyName("key");
        w.WriteRawValue(result.Key, skipInputValidation: true);
        w.WriteNumber("time", result.Time);
        w.WritePropertyName("events");
        w.WriteStartObject();
        var nodes = result.Events();
        // Steps in pattern order; within a step, events in the order the pattern took them.
        for (var step = 0; step < _stepCount; step++)
        {
            var started = false;
            foreach (var node in nodes)
            {
                if (node.Step != step)
                {
                    continue;
                }
                if (!started)
                {
                    w.WritePropertyName(result.StepNames[step]);
                    w.WriteStartArray();
                    started = true;
                }
                w.WriteRawValue(node.Event.Raw.Span, skipInputValidation: true);
            }
            if (started)
            {
                w.WriteEndArray();
            }
        }
        w.WriteEndObject();
    }

    private void WriteEmit(Utf8JsonWriter w, in PatternResult<JsonEvent, string> match)
    {
        _context.Reset(match.Head, match.Time);
        w.WritePropertyName("emit");
        w.WriteStartObject();
        foreach (var field in _rule.Emit)
        {
            w.WritePropertyName(field.Name);
            JsonValue value;
            try
            {
                value = field.Evaluate(null, _context);
            }
            catch (ExpressionException e)
            {
                Report($"{e.Location}: rule '{_rule.Name}' emit '{field.Name}': {e.Message}; written as null");
                value = JsonValue.Null;
            }
            if (value.Kind == JsonKind.Missing)
            {
                value = JsonValue.Null;
            }
            value.WriteTo(w);
        }
        w.WriteEndObject();
    }
}
