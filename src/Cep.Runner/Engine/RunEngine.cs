using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Cep.Rules;
using Cep.Rules.Events;
using Cep.Runner.Inputs;
using Cep.Runner.Outputs;

namespace Cep.Runner.Engine;

/// <summary>A run input as the engine sees it: its stream name, how its lines are read, and a label for reports.</summary>
internal sealed record EngineInput(string Stream, bool IsCsv, string Source);

/// <summary>The run cannot go on (an input failed); <c>cep run</c> exits 1.</summary>
internal sealed class RunFailedException : Exception
{
    public RunFailedException(string message)
        : base(message)
    {
    }

    public RunFailedException()
    {
    }

    public RunFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The processing loop of <c>cep run</c> and <c>cep test</c>. It alone touches the operators: file lines are read
/// here, round-robin (one line of each open file in turn, so watermarks of several files advance together);
/// lines of live inputs arrive through a bounded channel that is drained between file lines and waited on (with
/// a timeout set by the earliest processing-time timer) once no file is left.
/// </summary>
/// <remarks>
/// Checkpoint seam: <see cref="BetweenEvents"/> runs after every line when nothing is half-processed; at that
/// moment <see cref="FileSource.Offset"/> of each file is the position after its last processed line, and
/// <see cref="RecordOutput.Length"/> of each output the bytes of the records those lines produced.
/// </remarks>
internal sealed class RunEngine
{
    private readonly EngineInput[] _inputs;
    private readonly FieldTable _fields;
    private readonly DeadLetters _deadLetters;
    private readonly RunClock _clock;
    private readonly TextWriter _error;
    private readonly List<RuleRuntime> _rules;
    private readonly (RuleRuntime Rule, int Input)[][] _routes;
    private readonly CsvEventParser?[] _csv;
    private readonly bool[] _csvBroken;
    private readonly bool[] _ended;
    private readonly bool _anyTimers;

    // Events between two reads of the clock when no rule uses it per event (see CoarseNow).
    private const int CoarseClockEvents = 256;
    private long _coarseNow;
    private int _coarseCountdown;

    public RunEngine(IReadOnlyList<CompiledRule> rules, FieldTable fields, IReadOnlyList<EngineInput> inputs, OutputSet outputs, DeadLetters deadLetters, RunClock clock, TextWriter error, bool trackChanges = false)
    {
        _inputs = [.. inputs];
        _fields = fields;
        Outputs = outputs;
        _deadLetters = deadLetters;
        _clock = clock;
        _error = error;
        var streams = new string[_inputs.Length];
        for (var i = 0; i < streams.Length; i++)
        {
            // One string instance per input: every event of the input shares it.
            streams[i] = string.Intern(_inputs[i].Stream);
        }
        _rules = RuleRuntime.Build(rules, streams, outputs, fields, error, out var idle, trackChanges);
        IdleRules = idle;
        _routes = new (RuleRuntime, int)[_inputs.Length][];
        for (var i = 0; i < _inputs.Length; i++)
        {
            _routes[i] = [.. _rules.Where(r => r.InputOf[i] >= 0).Select(r => (r, r.InputOf[i]))];
        }
        _csv = new CsvEventParser?[_inputs.Length];
        _csvBroken = new bool[_inputs.Length];
        _ended = new bool[_inputs.Length];
        _anyTimers = _rules.Any(r => !r.EventTime || r.Rule.IdlenessMs is not null);
        // A loop: LINQ's Min over longs is generic code JIT-compiled at start-up (~4 ms).
        long? idleness = null;
        foreach (var rule in _rules)
        {
            if (rule.EventTime && rule.Rule.IdlenessMs is { } ms && (idleness is null || ms < idleness))
            {
                idleness = ms;
            }
        }
        _idlenessCheckMs = idleness is { } smallest ? (int)Math.Clamp(smallest / 4, 10, 1000) : null;
        _inputStreams = streams;
    }

    private readonly string[] _inputStreams;
    private readonly int? _idlenessCheckMs;

    public IReadOnlyList<RuleRuntime> Rules => _rules;

    /// <summary>Rules that read none of the run's inputs (reported, not run).</summary>
    public IReadOnlyList<CompiledRule> IdleRules { get; }

    public OutputSet Outputs { get; }

    public DeadLetters DeadLetters => _deadLetters;

    /// <summary>Lines read (all inputs, including bad ones and blank ones).</summary>
    public long Lines { get; private set; }

    /// <summary>Events handed to at least one rule.</summary>
    public long Events { get; private set; }

    /// <summary>The file inputs of the current <see cref="Run"/> (offsets for progress and checkpoints).</summary>
    public IReadOnlyList<FileSource> Files { get; private set; } = [];

    /// <summary>Called after every processed line; the place to take a consistent checkpoint.</summary>
    public Action<RunEngine>? BetweenEvents { get; set; }

    /// <summary>Called when the loop has nothing to read and is about to wait (outputs were just flushed).</summary>
    public Action<RunEngine>? Idle { get; set; }

    /// <summary>The smallest watermark over rules (event time), for progress; null when none is known yet.</summary>
    public long? Watermark
    {
        get
        {
            long? min = null;
            foreach (var rule in _rules)
            {
                if (rule.EventTime && rule.Operator.Watermark != long.MinValue)
                {
                    var w = rule.Operator.Watermark;
                    min = min is null ? w : Math.Min(min.Value, w);
                }
            }
            return min;
        }
    }

    /// <summary>The earliest processing-time deadline of any operator.</summary>
    public long? NextTimer
    {
        get
        {
            long? next = null;
            foreach (var rule in _rules)
            {
                if (rule.Operator.NextTimer is { } t && (next is null || t < next))
                {
                    next = t;
                }
            }
            return next;
        }
    }

    /// <summary>Processes one line of <paramref name="input"/>: parses it, or reports it as a dead letter.</summary>
    public void OnLine(int input, string source, long line, ReadOnlyMemory<byte> bytes)
    {
        Lines++;
        var span = bytes.Span;
        // A line that starts with a visible byte is not blank: the common case skips the trim's per-byte set lookup.
        if ((span.IsEmpty || span[0] <= (byte)' ') && span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return;
        }
        // The values of the field table's dispatch slots (keys, times): the parser puts them here instead of into the
        // event, which then does not carry them for as long as the engine holds it. On the stack when they fit: a heap
        // array would cost a write barrier per value copied (~1 % of W1 end to end).
        var root = _fields.Root;
        var count = root.SlotCount - root.ValueCount;
        var buffer = default(DispatchBuffer);
        var dispatch = count <= DispatchBuffer.Length ? ((Span<JsonValue>)buffer)[..count] : new JsonValue[count];
        JsonEvent? evt;
        string? error;
        if (_inputs[input].IsCsv)
        {
            var parser = _csv[input];
            if (parser is null)
            {
                if (_csvBroken[input])
                {
                    _deadLetters.Report(_inputs[input].Source, source, line, "no valid CSV header row", span);
                    return;
                }
                try
                {
                    _csv[input] = new CsvEventParser(Encoding.UTF8.GetString(span), _inputStreams[input]);
                }
                catch (FormatException e)
                {
                    _csvBroken[input] = true;
                    _deadLetters.Report(_inputs[input].Source, source, line, e.Message, span);
                }
                return;
            }
            if (!parser.TryParse(span, line, _fields, dispatch, out evt, out error))
            {
                _deadLetters.Report(_inputs[input].Source, source, line, error, span);
                return;
            }
        }
        else if (!JsonEventParser.TryParse(bytes, _inputStreams[input], line, _fields, dispatch, out evt, out error))
        {
            _deadLetters.Report(_inputs[input].Source, source, line, error, span);
            return;
        }
        Dispatch(input, source, line, evt, dispatch, span);
    }

    [InlineArray(Length)]
    private struct DispatchBuffer
    {
        public const int Length = 4;

        private JsonValue _first;
    }

    /// <summary>Reports a line that was longer than the limit (its first bytes in <paramref name="prefix"/>).</summary>
    public void OnOversize(int input, string source, long line, ReadOnlySpan<byte> prefix, int maxLineBytes)
    {
        Lines++;
        _deadLetters.Report(_inputs[input].Source, source, line, $"line longer than {maxLineBytes} bytes (--max-line-bytes); skipped", prefix);
    }

    /// <summary>The input ended: its watermark moves to the end of time in every rule that reads it.</summary>
    public void EndInput(int input)
    {
        if (_ended[input])
        {
            return;
        }
        _ended[input] = true;
        foreach (var (rule, ruleInput) in _routes[input])
        {
            rule.Operator.EndInput(ruleInput);
        }
    }

    /// <summary>Marks the start of the run on every operator's processing clock (idleness counts from here).</summary>
    public void Start()
    {
        var now = _clock.NowMs;
        foreach (var rule in _rules)
        {
            rule.Operator.Start(now);
        }
    }

    /// <summary>Fires processing-time timers that are due by the clock, and lets idle inputs stop holding watermarks back.</summary>
    public void AdvanceClock()
    {
        if (!_anyTimers)
        {
            return;
        }
        var now = _clock.NowMs;
        foreach (var rule in _rules)
        {
            if ((rule.Operator.NextTimer is { } t && t <= now) || (rule.EventTime && rule.Rule.IdlenessMs is not null))
            {
                rule.Operator.AdvanceTime(now);
            }
        }
    }

    /// <summary>Moves every operator's processing clock to now (timers due fire), whether a timer is due or not.</summary>
    public void AdvanceClockAll()
    {
        var now = _clock.NowMs;
        foreach (var rule in _rules)
        {
            rule.Operator.AdvanceTime(now);
        }
    }

    /// <summary>
    /// Runs until every input has ended (files and live inputs that end; a listener never does), or until
    /// <paramref name="cancellationToken"/> is cancelled (SIGINT/SIGTERM: stop reading, keep what the watermark
    /// decided). Outputs are flushed when the loop goes idle; the caller flushes them at the end.
    /// </summary>
    /// <param name="live">Lines of live inputs, or null.</param>
    /// <param name="liveEnding">How many live inputs end by themselves (stdin, tcp connections).</param>
    /// <param name="listening">Whether a listener input keeps the run going until it is interrupted.</param>
    /// <returns>True when every input ended; false when interrupted.</returns>
    public bool Run(IReadOnlyList<FileSource> files, int maxLineBytes, ChannelReader<InputMessage>? live, int liveEnding, bool listening, CancellationToken cancellationToken)
    {
        Files = files;
        var open = new List<FileSource>(files);
        var liveOpen = liveEnding;
        while (!cancellationToken.IsCancellationRequested)
        {
            for (var i = 0; i < open.Count && !cancellationToken.IsCancellationRequested; i++)
            {
                var file = open[i];
                switch (file.Next())
                {
                    case LineStatus.Line:
                        OnLine(file.Input, file.Spec.Source, file.LineNumber, file.Line);
                        break;
                    case LineStatus.Oversize:
                        OnOversize(file.Input, file.Spec.Source, file.LineNumber, file.Line.Span, maxLineBytes);
                        break;
                    default:
                        EndInput(file.Input);
                        open.RemoveAt(i);
                        i--;
                        break;
                }
                if (live is not null)
                {
                    liveOpen -= Drain(live, maxLineBytes);
                }
                AdvanceClock();
                BetweenEvents?.Invoke(this);
            }
            if (open.Count > 0)
            {
                continue;
            }
            if (live is null || (liveOpen <= 0 && !listening))
            {
                return true;
            }
            liveOpen -= Drain(live, maxLineBytes);
            if (liveOpen <= 0 && !listening)
            {
                return true;
            }
            Outputs.Flush();
            _deadLetters.Flush();
            Idle?.Invoke(this);
            WaitForInput(live, cancellationToken);
            AdvanceClock();
        }
        // Interrupted: let the clock fire what is due, then stop; bounded inputs are not ended, so nothing is forced out.
        AdvanceClock();
        return false;
    }

    private void WaitForInput(ChannelReader<InputMessage> live, CancellationToken cancellationToken)
    {
        var timeout = Timeout.Infinite;
        if (NextTimer is { } next)
        {
            timeout = (int)Math.Clamp(next - _clock.NowMs, 0, int.MaxValue);
        }
        if (_idlenessCheckMs is { } check && (timeout == Timeout.Infinite || timeout > check))
        {
            // Idleness is judged by the clock, so an idle input must be re-checked even when nothing arrives.
            timeout = check;
        }
        if (timeout == 0)
        {
            return;
        }
        try
        {
            live.WaitToReadAsync(cancellationToken).AsTask().Wait(timeout, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException)
        {
        }
    }

    /// <summary>Processes every message already waiting; returns how many live inputs ended.</summary>
    private int Drain(ChannelReader<InputMessage> live, int maxLineBytes)
    {
        var ended = 0;
        while (live.TryRead(out var message))
        {
            try
            {
                switch (message.Kind)
                {
                    case InputMessageKind.Lines:
                        // Live lines may come after a long quiet spell: read the clock afresh for them.
                        _coarseCountdown = 0;
                        OnLines(message);
                        break;
                    case InputMessageKind.Oversize:
                        OnOversize(message.Input, message.Source, message.Line, message.Bytes.Span, maxLineBytes);
                        break;
                    case InputMessageKind.Notice:
                        _error.WriteLine($"{message.Source}: {message.Text}");
                        break;
                    case InputMessageKind.Ended:
                        EndInput(message.Input);
                        ended++;
                        break;
                    case InputMessageKind.Failed:
                        throw new RunFailedException($"{message.Source}: {message.Text}");
                }
            }
            finally
            {
                message.Release();
            }
            AdvanceClock();
            BetweenEvents?.Invoke(this);
        }
        return ended;
    }

    /// <summary>Processes a batch of live lines, each followed by the between-lines work except the last (the caller does that).</summary>
    private void OnLines(in InputMessage message)
    {
        var buffer = message.Buffer!;
        var line = message.Line;
        var pos = 0;
        while (true)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(pos));
            pos += 4;
            OnLine(message.Input, message.Source, line++, buffer.AsMemory(pos, length));
            pos += length;
            if (pos >= message.Length)
            {
                return;
            }
            AdvanceClock();
            BetweenEvents?.Invoke(this);
        }
    }

    /// <summary>
    /// The clock for event-time rules without idleness, which only record it (operator snapshots) and decide
    /// nothing by it: read every <see cref="CoarseClockEvents"/> events instead of every event (a clock read costs
    /// about as much as parsing a small field), so it lags by at most that many events of a file read flat out.
    /// </summary>
    private long CoarseNow()
    {
        if (--_coarseCountdown < 0)
        {
            _coarseNow = _clock.NowMs;
            _coarseCountdown = CoarseClockEvents - 1;
        }
        return _coarseNow;
    }

    private void Dispatch(int input, string source, long line, JsonEvent evt, ReadOnlySpan<JsonValue> dispatch, ReadOnlySpan<byte> text)
    {
        var routes = _routes[input];
        if (routes.Length == 0)
        {
            return;
        }
        var now = _anyTimers || _clock.IsVirtual ? _clock.NowMs : CoarseNow();
        var reported = false;
        var handed = false;
        foreach (var (rule, ruleInput) in routes)
        {
            long timestamp;
            if (rule.Rule.TimestampOf is { } timestampOf)
            {
                if (timestampOf(evt, dispatch) is not { } ts)
                {
                    if (!reported)
                    {
                        reported = true;
                        _deadLetters.Report(_inputs[input].Source, source, line, $"no usable timestamp for rule '{rule.Rule.Name}'", text);
                    }
                    continue;
                }
                timestamp = ts;
            }
            else
            {
                timestamp = now;
            }
            rule.Operator.OnEvent(ruleInput, rule.KeyOf(ruleInput, evt, dispatch), evt, timestamp, now);
            handed = true;
        }
        if (handed)
        {
            Events++;
        }
    }
}
