using System.Text.Encodings.Web;
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
internal sealed class RuleSink : IPatternSink<JsonEvent, RunKey>
{
    private const int ErrorsShownPerRule = 10;

    // Names and constant values are encoded once (with the outputs' encoder, so the bytes are the same as
    // writing the strings), not escaped again for every record.
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
    private static readonly JsonEncodedText RuleProperty = JsonEncodedText.Encode("rule", Encoder);
    private static readonly JsonEncodedText TypeProperty = JsonEncodedText.Encode("type", Encoder);
    private static readonly JsonEncodedText OutputProperty = JsonEncodedText.Encode("output", Encoder);
    private static readonly JsonEncodedText KeyProperty = JsonEncodedText.Encode("key", Encoder);
    private static readonly JsonEncodedText TimeProperty = JsonEncodedText.Encode("time", Encoder);
    private static readonly JsonEncodedText EventsProperty = JsonEncodedText.Encode("events", Encoder);
    private static readonly JsonEncodedText EmitProperty = JsonEncodedText.Encode("emit", Encoder);
    private static readonly JsonEncodedText StreamProperty = JsonEncodedText.Encode("stream", Encoder);
    private static readonly JsonEncodedText EventProperty = JsonEncodedText.Encode("event", Encoder);
    private static readonly JsonEncodedText MatchType = JsonEncodedText.Encode("match", Encoder);
    private static readonly JsonEncodedText TimeoutType = JsonEncodedText.Encode("timeout", Encoder);
    private static readonly JsonEncodedText LateType = JsonEncodedText.Encode("late", Encoder);

    private readonly CompiledRule _rule;
    private readonly OutputSet _outputs;
    private readonly ResultBatch _batch;
    private readonly TextWriter _error;
    private readonly MatchContext<JsonEvent> _context;
    private readonly string[] _inputStreams;
    private readonly int _stepCount;
    private readonly JsonEncodedText _ruleName;
    private readonly JsonEncodedText[] _stepNames;
    private readonly JsonEncodedText[] _emitNames;
    private readonly JsonEncodedText? _timeoutOutput;
    private readonly JsonEncodedText? _lateOutput;
    // The bytes of a record up to its key: {"rule":NAME,"type":"match","key": (timeouts add "output":NAME).
    private readonly byte[] _matchPrefix;
    private readonly byte[]? _timeoutPrefix;
    private readonly byte[][] _stepPrefixes;
    private SharedBufferNode<JsonEvent>[] _nodes = new SharedBufferNode<JsonEvent>[8];
    private long _errorsShown;

    public RuleSink(CompiledRule rule, OutputSet outputs, ResultBatch batch, TextWriter error, string[] inputStreams)
    {
        _rule = rule;
        _outputs = outputs;
        _batch = batch;
        _error = error;
        _inputStreams = inputStreams;
        _stepCount = rule.Compiled.StepNames.Count;
        _context = CreateContext([.. rule.Compiled.StepNames]);
        _ruleName = JsonEncodedText.Encode(rule.Name, Encoder);
        _stepNames = [.. rule.Compiled.StepNames.Select(n => JsonEncodedText.Encode(n, Encoder))];
        _emitNames = [.. rule.Emit.Select(f => JsonEncodedText.Encode(f.Name, Encoder))];
        _timeoutOutput = rule.OnTimeout is { } timeout ? JsonEncodedText.Encode(timeout, Encoder) : null;
        _lateOutput = rule.OnLate is { } late ? JsonEncodedText.Encode(late, Encoder) : null;
        _matchPrefix = RecordPrefix(_ruleName, MatchType, null);
        _timeoutPrefix = _timeoutOutput is { } output ? RecordPrefix(_ruleName, TimeoutType, output) : null;
        _stepPrefixes = [.. _stepNames.Select(StepPrefix)];
    }

    public long Matches { get; private set; }

    public long Timeouts { get; private set; }

    public long TimeoutsDropped { get; private set; }

    public long Late { get; private set; }

    public long LateDropped { get; private set; }

    public long Errors { get; private set; }

    public void OnMatch(in PatternResult<JsonEvent, RunKey> match)
    {
        Matches++;
        var output = _outputs.Main;
        if (_rule.Emit.Count == 0)
        {
            _batch.Add(this, output, _matchPrefix, match);
            return;
        }
        var w = output.BeginRecord();
        WriteResult(w, MatchType, null, match);
        WriteEmit(w, match);
        w.WriteEndObject();
        output.EndRecord();
    }

    public void OnTimeout(in PatternResult<JsonEvent, RunKey> timeout)
    {
        if (_rule.OnTimeout is not { } name)
        {
            TimeoutsDropped++;
            return;
        }
        Timeouts++;
        _batch.Add(this, _outputs.For(name), _timeoutPrefix!, timeout);
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
        w.WriteString(RuleProperty, _ruleName);
        w.WriteString(TypeProperty, LateType);
        w.WriteString(OutputProperty, _lateOutput!.Value);
        w.WriteString(StreamProperty, (uint)input < (uint)_inputStreams.Length ? _inputStreams[input] : @event.Stream);
        w.WriteNumber(TimeProperty, timestamp);
        w.WritePropertyName(EventProperty);
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

    private void WriteResult(Utf8JsonWriter w, JsonEncodedText type, JsonEncodedText? outputName, in PatternResult<JsonEvent, RunKey> result)
    {
        w.WriteStartObject();
        w.WriteString(RuleProperty, _ruleName);
        w.WriteString(TypeProperty, type);
        if (outputName is { } output)
        {
            w.WriteString(OutputProperty, output);
        }
        w.WritePropertyName(KeyProperty);
        w.WriteRawValue(result.Key.ToString(), skipInputValidation: true);
        w.WriteNumber(TimeProperty, result.Time);
        w.WritePropertyName(EventsProperty);
        w.WriteStartObject();
        var nodes = OldestFirst(result.Head, out var depth);
        // Steps in pattern order; within a step, events in the order the pattern took them.
        for (var step = 0; step < _stepCount; step++)
        {
            var started = false;
            for (var n = 0; n < depth; n++)
            {
                var node = nodes[n];
                if (node.Step != step)
                {
                    continue;
                }
                if (!started)
                {
                    w.WritePropertyName(StepName(step, result.StepNames));
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
        Array.Clear(nodes, 0, depth);
        w.WriteEndObject();
    }

    /// <summary>
    /// Writes a match or timeout record without emit as bytes: the pre-encoded prefix, the key (canonical JSON
    /// already), the time and the events' raw bytes, exactly what <see cref="WriteResult"/> writes through the
    /// JSON writer (the runner tests compare the two), at a fraction of its cost. Called by <see cref="ResultBatch"/>.
    /// </summary>
    internal void WriteRawResult(RecordOutput output, byte[] prefix, in PatternResult<JsonEvent, RunKey> result)
    {
        var b = output.BeginRawRecord();
        b.Write(prefix);
        result.Key.WriteTo(b);
        b.Write(""","time":"""u8);
        b.Write(result.Time);
        b.Write(""","events":{"""u8);
        var nodes = OldestFirst(result.Head, out var depth);
        var firstStep = true;
        for (var step = 0; step < _stepCount; step++)
        {
            var started = false;
            for (var n = 0; n < depth; n++)
            {
                var node = nodes[n];
                if (node.Step != step)
                {
                    continue;
                }
                if (!started)
                {
                    if (!firstStep)
                    {
                        b.Write((byte)',');
                    }
                    b.Write(ReferenceEquals(result.StepNames, _rule.Compiled.StepNames) ? _stepPrefixes[step] : StepPrefix(StepName(step, result.StepNames)));
                    started = true;
                    firstStep = false;
                }
                else
                {
                    b.Write((byte)',');
                }
                b.Write(node.Event.Raw.Span);
            }
            if (started)
            {
                b.Write((byte)']');
            }
        }
        Array.Clear(nodes, 0, depth);
        b.Write("}}"u8);
        output.EndRawRecord();
    }

    /// <summary>The result's events oldest first, in a reused array (the result's own Events() allocates one per record); clear it after use.</summary>
    private SharedBufferNode<JsonEvent>[] OldestFirst(SharedBufferNode<JsonEvent> head, out int depth)
    {
        depth = head.Depth;
        if (_nodes.Length < depth)
        {
            _nodes = new SharedBufferNode<JsonEvent>[Math.Max(depth, _nodes.Length * 2)];
        }
        var nodes = _nodes;
        var i = depth;
        for (var node = head; node is not null; node = node.Previous)
        {
            nodes[--i] = node;
        }
        return nodes;
    }

    private static byte[] RecordPrefix(JsonEncodedText rule, JsonEncodedText type, JsonEncodedText? output)
    {
        var bytes = new List<byte>();
        bytes.AddRange("{"u8);
        Property(bytes, RuleProperty);
        String(bytes, rule);
        bytes.Add((byte)',');
        Property(bytes, TypeProperty);
        String(bytes, type);
        if (output is { } name)
        {
            bytes.Add((byte)',');
            Property(bytes, OutputProperty);
            String(bytes, name);
        }
        bytes.Add((byte)',');
        Property(bytes, KeyProperty);
        return [.. bytes];
    }

    /// <summary><c>"STEP":[</c></summary>
    private static byte[] StepPrefix(JsonEncodedText step)
    {
        var bytes = new List<byte>();
        Property(bytes, step);
        bytes.Add((byte)'[');
        return [.. bytes];
    }

    private static void Property(List<byte> bytes, JsonEncodedText name)
    {
        String(bytes, name);
        bytes.Add((byte)':');
    }

    private static void String(List<byte> bytes, JsonEncodedText text)
    {
        bytes.Add((byte)'"');
        bytes.AddRange(text.EncodedUtf8Bytes);
        bytes.Add((byte)'"');
    }

    // The operator hands out the compiled pattern's own step names; anything else is encoded as it comes.
    private JsonEncodedText StepName(int step, IReadOnlyList<string> names) =>
        ReferenceEquals(names, _rule.Compiled.StepNames) ? _stepNames[step] : JsonEncodedText.Encode(names[step], Encoder);

    private void WriteEmit(Utf8JsonWriter w, in PatternResult<JsonEvent, RunKey> match)
    {
        _context.Reset(match.Head, match.Time);
        w.WritePropertyName(EmitProperty);
        w.WriteStartObject();
        var emit = _rule.Emit;
        for (var i = 0; i < emit.Count; i++)
        {
            var field = emit[i];
            w.WritePropertyName(_emitNames[i]);
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
