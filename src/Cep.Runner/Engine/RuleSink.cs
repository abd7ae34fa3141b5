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

    private readonly CompiledRule _rule;
    private readonly OutputSet _outputs;
    private readonly ResultBatch _batch;
    private readonly TextWriter _error;
    private readonly MatchContext<JsonEvent> _context;
    private readonly string[] _inputStreams;
    private readonly int _stepCount;
    // The bytes of a record up to its key: {"rule":NAME,"type":"match","key": (timeouts add "output":NAME).
    private readonly byte[] _matchPrefix;
    private readonly byte[]? _timeoutPrefix;
    private readonly byte[][] _stepPrefixes;
    private MatchedEvent<JsonEvent>[] _events = new MatchedEvent<JsonEvent>[8];
    private WriterNames? _writerNames;
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
        _matchPrefix = RecordPrefix(rule.Name, "match", null);
        _timeoutPrefix = rule.OnTimeout is { } timeout ? RecordPrefix(rule.Name, "timeout", timeout) : null;
        _stepPrefixes = [.. rule.Compiled.StepNames.Select(StepPrefix)];
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
        WriteResult(w, WriterNames.MatchType, null, match);
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
        var names = Names;
        w.WriteString(WriterNames.RuleProperty, names.Rule);
        w.WriteString(WriterNames.TypeProperty, WriterNames.LateType);
        w.WriteString(WriterNames.OutputProperty, names.LateOutput!.Value);
        w.WriteString(WriterNames.StreamProperty, (uint)input < (uint)_inputStreams.Length ? _inputStreams[input] : @event.Stream);
        w.WriteNumber(WriterNames.TimeProperty, timestamp);
        w.WritePropertyName(WriterNames.EventProperty);
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
        w.WriteString(WriterNames.RuleProperty, Names.Rule);
        w.WriteString(WriterNames.TypeProperty, type);
        if (outputName is { } output)
        {
            w.WriteString(WriterNames.OutputProperty, output);
        }
        w.WritePropertyName(WriterNames.KeyProperty);
        w.WriteRawValue(result.Key.ToString(), skipInputValidation: true);
        w.WriteNumber(WriterNames.TimeProperty, result.Time);
        w.WritePropertyName(WriterNames.EventsProperty);
        w.WriteStartObject();
        var events = OldestFirst(result, out var depth);
        // Steps in pattern order; within a step, events in the order the pattern took them.
        for (var step = 0; step < _stepCount; step++)
        {
            var started = false;
            for (var n = 0; n < depth; n++)
            {
                ref readonly var matched = ref events[n];
                if (matched.Step != step)
                {
                    continue;
                }
                if (!started)
                {
                    w.WritePropertyName(StepName(step, result.StepNames));
                    w.WriteStartArray();
                    started = true;
                }
                w.WriteRawValue(matched.Event.Raw.Span, skipInputValidation: true);
            }
            if (started)
            {
                w.WriteEndArray();
            }
        }
        Array.Clear(events, 0, depth);
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
        var events = OldestFirst(result, out var depth);
        var firstStep = true;
        for (var step = 0; step < _stepCount; step++)
        {
            var started = false;
            for (var n = 0; n < depth; n++)
            {
                ref readonly var matched = ref events[n];
                if (matched.Step != step)
                {
                    continue;
                }
                if (!started)
                {
                    if (!firstStep)
                    {
                        b.Write((byte)',');
                    }
                    b.Write(ReferenceEquals(result.StepNames, _rule.Compiled.StepNames) ? _stepPrefixes[step] : StepPrefix(result.StepNames[step]));
                    started = true;
                    firstStep = false;
                }
                else
                {
                    b.Write((byte)',');
                }
                b.Write(matched.Event.Raw.Span);
            }
            if (started)
            {
                b.Write((byte)']');
            }
        }
        Array.Clear(events, 0, depth);
        b.Write("}}"u8);
        output.EndRawRecord();
    }

    /// <summary>The result's events oldest first, in a reused array (the result's own Events() allocates nodes and an
    /// array per record); clear it after use.</summary>
    private MatchedEvent<JsonEvent>[] OldestFirst(in PatternResult<JsonEvent, RunKey> result, out int depth)
    {
        depth = result.Count;
        if (_events.Length < depth)
        {
            _events = new MatchedEvent<JsonEvent>[Math.Max(depth, _events.Length * 2)];
        }
        result.CopyTo(_events, depth);
        return _events;
    }

    private static byte[] RecordPrefix(string rule, string type, string? output)
    {
        var bytes = new List<byte>();
        bytes.Add((byte)'{');
        Property(bytes, "rule");
        String(bytes, rule);
        bytes.Add((byte)',');
        Property(bytes, "type");
        String(bytes, type);
        if (output is not null)
        {
            bytes.Add((byte)',');
            Property(bytes, "output");
            String(bytes, output);
        }
        bytes.Add((byte)',');
        Property(bytes, "key");
        return [.. bytes];
    }

    /// <summary><c>"STEP":[</c></summary>
    private static byte[] StepPrefix(string step)
    {
        var bytes = new List<byte>();
        Property(bytes, step);
        bytes.Add((byte)'[');
        return [.. bytes];
    }

    private static void Property(List<byte> bytes, string name)
    {
        String(bytes, name);
        bytes.Add((byte)':');
    }

    /// <summary>
    /// <paramref name="text"/> as a JSON string, the bytes the records' encoder writes. Rule, step and output names
    /// are nearly always letters, digits, <c>-</c>, <c>_</c> and <c>.</c>, which no encoder escapes: those are
    /// copied, so a run whose records are all spliced as bytes never builds the encoder (~15 ms of start-up).
    /// </summary>
    private static void String(List<byte> bytes, string text)
    {
        bytes.Add((byte)'"');
        if (IsPlain(text))
        {
            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(text));
        }
        else
        {
            bytes.AddRange(JsonEncodedText.Encode(text, WriterNames.Encoder).EncodedUtf8Bytes);
        }
        bytes.Add((byte)'"');
    }

    // A loop, not SearchValues: building one JIT-compiles its generic searcher, the start-up this avoids.
    private static bool IsPlain(string text)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ' '))
            {
                return false;
            }
        }
        return true;
    }

    // The operator hands out the compiled pattern's own step names; anything else is encoded as it comes.
    private JsonEncodedText StepName(int step, IReadOnlyList<string> names) =>
        ReferenceEquals(names, _rule.Compiled.StepNames) ? Names.Steps[step] : JsonEncodedText.Encode(names[step], WriterNames.Encoder);

    private WriterNames Names => _writerNames ??= new WriterNames(_rule);

    private void WriteEmit(Utf8JsonWriter w, in PatternResult<JsonEvent, RunKey> match)
    {
        _context.Reset(match.Head, match.Time);
        w.WritePropertyName(WriterNames.EmitProperty);
        w.WriteStartObject();
        var emit = _rule.Emit;
        for (var i = 0; i < emit.Count; i++)
        {
            var field = emit[i];
            w.WritePropertyName(Names.Emit[i]);
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

    /// <summary>
    /// Names encoded once for the JSON writer (records with <c>emit</c>, late records), with the outputs' encoder so
    /// the bytes are those of writing the strings. Made on first use: building the encoder costs ~15 ms of CPU,
    /// which runs whose records are all spliced as bytes (matches without emit, timeouts) never pay.
    /// </summary>
    private sealed class WriterNames(CompiledRule rule)
    {
        public static readonly JavaScriptEncoder Encoder = RecordOutput.Encoder;
        public static readonly JsonEncodedText RuleProperty = JsonEncodedText.Encode("rule", Encoder);
        public static readonly JsonEncodedText TypeProperty = JsonEncodedText.Encode("type", Encoder);
        public static readonly JsonEncodedText OutputProperty = JsonEncodedText.Encode("output", Encoder);
        public static readonly JsonEncodedText KeyProperty = JsonEncodedText.Encode("key", Encoder);
        public static readonly JsonEncodedText TimeProperty = JsonEncodedText.Encode("time", Encoder);
        public static readonly JsonEncodedText EventsProperty = JsonEncodedText.Encode("events", Encoder);
        public static readonly JsonEncodedText EmitProperty = JsonEncodedText.Encode("emit", Encoder);
        public static readonly JsonEncodedText StreamProperty = JsonEncodedText.Encode("stream", Encoder);
        public static readonly JsonEncodedText EventProperty = JsonEncodedText.Encode("event", Encoder);
        public static readonly JsonEncodedText MatchType = JsonEncodedText.Encode("match", Encoder);
        public static readonly JsonEncodedText LateType = JsonEncodedText.Encode("late", Encoder);

        public JsonEncodedText Rule { get; } = JsonEncodedText.Encode(rule.Name, Encoder);

        public JsonEncodedText[] Steps { get; } = [.. rule.Compiled.StepNames.Select(n => JsonEncodedText.Encode(n, Encoder))];

        public JsonEncodedText[] Emit { get; } = [.. rule.Emit.Select(f => JsonEncodedText.Encode(f.Name, Encoder))];

        public JsonEncodedText? LateOutput { get; } = rule.OnLate is { } late ? JsonEncodedText.Encode(late, Encoder) : null;
    }
}
