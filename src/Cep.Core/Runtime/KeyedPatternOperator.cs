using System.Runtime.CompilerServices;
using Cep.Nfa;
using Cep.State;

namespace Cep.Runtime;

/// <summary>
/// Runs one compiled pattern over a keyed stream. Per key it holds the open runs (partial matches), their shared
/// event history, the completed matches waiting for an earlier partial match, and one timer; across keys it holds
/// the watermarks of its inputs, the reorder buffer (event time) and the timer queue. It is single-threaded and
/// passive: hosts hand it events, watermarks, the end of inputs and the clock.
/// </summary>
public sealed partial class KeyedPatternOperator<T, TKey>
    where TKey : notnull
{
    private readonly CompiledPattern<T> _pattern;
    private readonly OperatorOptions _options;
    private readonly IPatternSink<T, TKey> _sink;
    private readonly KeyTable<TKey, KeyRuns<T>> _keys;
    private readonly ConditionEvaluator<T> _evaluator;
    private readonly ReorderBuffer<BufferedEvent> _reorder = new();
    // Timers queue key handles (stable entry numbers of _keys), not keys: 8-byte ring entries, and a due timer
    // reaches its key's state without a hash lookup.
    private readonly TimerQueue<int> _timers = new();
    private readonly long[] _inputWatermark;
    private readonly long[] _inputLastArrival;
    private readonly bool[] _inputEnded;
    private readonly ChangeTracker<TKey>? _changes;

    // Scratch space reused for every event: the decision graph and the runs it produces.
    private readonly ScratchList<Run<T>> _nextRuns = new();
    private readonly ScratchList<Run<T>> _branch = new();
    private readonly List<int> _edges = [];
    private readonly Stack<int> _stack = new();
    private readonly ScratchList<CompletedMatch<T>> _potential = new();
    private readonly ScratchList<CompletedMatch<T>> _expiredPending = new();
    private readonly List<(long Sequence, int Handle)> _tiedTimers = [];

    // The implicit run every event may start a partial match from (a field: passed by reference, no temporary).
    private readonly Run<T> _startRun;

    private long _watermark = long.MinValue;
    private long _sequence;
    private long _now = long.MinValue;
    private long _firstNow = long.MinValue;
    private bool _ended;

    public KeyedPatternOperator(CompiledPattern<T> pattern, OperatorOptions options, IPatternSink<T, TKey> sink, IEqualityComparer<TKey>? keyComparer = null, bool trackChanges = false)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.InputCount, 1);
        _pattern = pattern;
        _options = options;
        _sink = sink;
        _keys = new KeyTable<TKey, KeyRuns<T>>(keyComparer);
        _evaluator = new ConditionEvaluator<T>(pattern, ReportConditionError);
        _startRun = new Run<T>(pattern.StartState, null, 0, 0);
        _inputWatermark = new long[options.InputCount];
        _inputLastArrival = new long[options.InputCount];
        _inputEnded = new bool[options.InputCount];
        Array.Fill(_inputWatermark, long.MinValue);
        Array.Fill(_inputLastArrival, long.MinValue);
        if (trackChanges)
        {
            _changes = new ChangeTracker<TKey>();
        }
    }

    public CompiledPattern<T> Pattern => _pattern;

    /// <summary>The operator's event-time watermark (long.MinValue before any; long.MaxValue once every input ended).</summary>
    public long Watermark => _watermark;

    /// <summary>The earliest pending timer deadline, for hosts that schedule a wake-up (processing time).</summary>
    public long? NextTimer => _timers.TryPeek(out _, out var deadline) ? deadline : null;

    public OperatorStats Stats { get; } = new();

    /// <summary>Whether every input has ended (all windows closed, all waiting matches emitted).</summary>
    public bool Ended => _ended;

    /// <summary>Number of keys that hold state.</summary>
    public int KeyCount => _keys.Count;

    /// <summary>Number of open partial matches over all keys.</summary>
    public long PendingRuns
    {
        get
        {
            long total = 0;
            for (var keys = _keys.GetEnumerator(); keys.MoveNext();)
            {
                total += keys.CurrentValue.Count;
            }
            return total;
        }
    }

    /// <summary>Number of events waiting in the reorder buffer for the watermark.</summary>
    public int BufferedEvents => _reorder.Count;

    /// <summary>Hands the operator an event. Event time: <paramref name="timestamp"/> is the event's time and
    /// <paramref name="now"/> the processing clock (for idleness). Processing time: both are the clock.</summary>
    public void OnEvent(int input, TKey key, T @event, long timestamp, long now)
    {
        CheckInput(input);
        if (_ended)
        {
            throw new InvalidOperationException("Every input has ended; the operator takes no more events.");
        }
        Stats.Events++;
        _now = Math.Max(_now, now);
        _inputLastArrival[input] = now;
        if (_options.TimeMode == TimeMode.ProcessingTime)
        {
            FireTimers(timestamp);
            Dispatch(key, @event, timestamp, _sequence++);
            return;
        }
        if (timestamp <= _watermark)
        {
            Stats.Late++;
            _sink.OnLate(input, @event, timestamp);
            return;
        }
        _keys.Prefetch(key);
        _reorder.Enqueue(new BufferedEvent(key, @event, timestamp, _sequence), (timestamp, _sequence));
        _sequence++;
        var candidate = timestamp - _options.OutOfOrdernessMs - 1;
        if (candidate > _inputWatermark[input])
        {
            _inputWatermark[input] = candidate;
        }
        UpdateWatermark();
    }

    /// <summary>An explicit watermark for one input: no more events at or below it are expected there.</summary>
    public void OnWatermark(int input, long watermark)
    {
        CheckInput(input);
        if (watermark > _inputWatermark[input])
        {
            _inputWatermark[input] = watermark;
        }
        UpdateWatermark();
    }

    /// <summary>The input ended: its watermark moves to the end of time.</summary>
    public void EndInput(int input)
    {
        CheckInput(input);
        if (_inputEnded[input])
        {
            return;
        }
        _inputEnded[input] = true;
        _inputWatermark[input] = long.MaxValue;
        if (Array.TrueForAll(_inputEnded, ended => ended))
        {
            EndAll();
        }
        else
        {
            UpdateWatermark();
        }
    }

    /// <summary>The processing clock moved: fire due processing-time timers; re-check idle inputs.</summary>
    public void AdvanceTime(long now)
    {
        _now = Math.Max(_now, now);
        if (_ended)
        {
            return;
        }
        if (_options.TimeMode == TimeMode.ProcessingTime)
        {
            FireTimers(now);
        }
        else if (_options.IdlenessMs is not null)
        {
            UpdateWatermark();
        }
    }

    private void CheckInput(int input)
    {
        if ((uint)input >= (uint)_inputEnded.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(input), input, $"The operator has {_inputEnded.Length} input(s).");
        }
    }

    private void UpdateWatermark()
    {
        var min = long.MaxValue;
        var active = 0;
        var idleness = _options.IdlenessMs;
        for (var i = 0; i < _inputWatermark.Length; i++)
        {
            if (_inputEnded[i])
            {
                continue;
            }
            // An input that never sent anything counts as heard from when the host started.
            var lastHeard = _inputLastArrival[i] != long.MinValue ? _inputLastArrival[i] : _firstNow;
            if (idleness is { } idle && lastHeard != long.MinValue && _now != long.MinValue && _now - lastHeard >= idle)
            {
                continue;
            }
            active++;
            min = Math.Min(min, _inputWatermark[i]);
        }
        if (active == 0)
        {
            // Every remaining input is idle: hold the watermark where it is (as Flink does).
            return;
        }
        if (min > _watermark)
        {
            AdvanceWatermark(min);
        }
    }

    /// <summary>Marks the moment the host started, for the idleness of inputs that never send anything.</summary>
    public void Start(long now)
    {
        _firstNow = now;
        _now = Math.Max(_now, now);
    }

    private void AdvanceWatermark(long watermark)
    {
        _watermark = watermark;
        while (_reorder.TryDequeue(watermark, out var buffered))
        {
            Dispatch(buffered.Key, buffered.Event, buffered.Timestamp, buffered.Sequence);
        }
        FireTimers(watermark);
    }

    private void EndAll()
    {
        if (_options.TimeMode == TimeMode.EventTime)
        {
            AdvanceWatermark(long.MaxValue);
        }
        else
        {
            FireTimers(long.MaxValue);
        }
        _watermark = long.MaxValue;
        // Partial matches without a window can never complete now: discard them, then emit what waited behind them.
        var keys = _keys.CopyKeys();
        foreach (var key in keys)
        {
            var handle = _keys.HandleOf(key);
            ref var state = ref _keys.ValueAt(handle);
            state.Truncate(0);
            if (state.Waiting is { Count: > 0 })
            {
                EmitWaiting(key, ref state);
            }
            MarkChanged(handle);
            Release(handle, ref state);
        }
        _timers.Clear();
        _ended = true;
    }

    private void FireTimers(long time)
    {
        while (_timers.TryPeek(out var handle, out var deadline))
        {
            if (deadline > time)
            {
                // The next key to time out is read when a later call passes its deadline (W1: ~9 events later), and
                // its entry is then a cache miss: ask for it now. (Prefetching its bucket too, once the entry had
                // arrived, measured no better.)
                _keys.PrefetchHandle(handle);
                return;
            }
            _timers.Dequeue();
            if (!IsDue(handle, deadline))
            {
                continue;
            }
            if (_timers.TryPeek(out _, out var next) && next == deadline)
            {
                FireTied(handle, deadline, time);
                continue;
            }
            Fire(handle, time);
        }
    }

    /// <summary>
    /// Whether the key at <paramref name="handle"/> is due at <paramref name="deadline"/>: a handle whose key is gone
    /// is free or another key's; either way the key there holds this deadline only if this timer is its own (a key
    /// that is due now is due now, whoever queued the entry).
    /// </summary>
    private bool IsDue(int handle, long deadline) => _keys.IsLive(handle) && _keys.ValueAt(handle).TimerAt == deadline;

    private void Fire(int handle, long time)
    {
        ref var state = ref _keys.ValueAt(handle);
        var key = _keys.KeyAt(handle);
        state.TimerAt = long.MaxValue;
        CloseExpired(key, ref state, time);
        RegisterTimer(handle, ref state);
        MarkChanged(handle);
        if (state.IsEmpty)
        {
            Release(handle, ref state);
        }
    }

    /// <summary>
    /// Fires every key due at <paramref name="deadline"/> (the first already taken from the queue) in the order of the
    /// partial matches that expire there (their first event's sequence), not in the order the timers were queued:
    /// that order is history, not state — a key's timer is queued again after an earlier deadline, and a restored
    /// operator queues its keys in the order the store hands them back — so only this order is the same after a
    /// restore as without one.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FireTied(int first, long deadline, long time)
    {
        var tied = _tiedTimers;
        tied.Add((ExpiringSequence(first, deadline), first));
        while (_timers.TryPeek(out var handle, out var next) && next == deadline)
        {
            _timers.Dequeue();
            if (IsDue(handle, deadline))
            {
                tied.Add((ExpiringSequence(handle, deadline), handle));
            }
        }
        tied.Sort();
        for (var i = 0; i < tied.Count; i++)
        {
            // Checked again: a key queued twice for this deadline is in the list twice, and fires once.
            var handle = tied[i].Handle;
            if (IsDue(handle, deadline))
            {
                Fire(handle, time);
            }
        }
        tied.Clear();
    }

    /// <summary>The sequence of the oldest partial match of a key that expires at <paramref name="deadline"/>.</summary>
    private long ExpiringSequence(int handle, long deadline)
    {
        ref var state = ref _keys.ValueAt(handle);
        var sequence = long.MaxValue;
        for (var i = 0; i < state.Count; i++)
        {
            var run = state[i];
            if (Deadline(run) == deadline)
            {
                sequence = Math.Min(sequence, run.StartSequence);
            }
        }
        return sequence;
    }

    private void RegisterTimer(int handle, ref KeyRuns<T> state)
    {
        if (!_pattern.HasWindows || state.Count == 0)
        {
            return;
        }
        var deadline = long.MaxValue;
        for (var i = 0; i < state.Count; i++)
        {
            deadline = Math.Min(deadline, Deadline(state[i]));
        }
        if (deadline < state.TimerAt)
        {
            state.TimerAt = deadline;
            state.TimerSlot = _timers.Enqueue(handle, deadline);
        }
    }

    private void MarkChanged(int handle) => _changes?.MarkChanged(handle);

    private readonly record struct BufferedEvent(TKey Key, T Event, long Timestamp, long Sequence);

    private void ReportConditionError(int baseIndex, T @event, long timestamp, Exception exception)
    {
        Stats.ConditionErrors++;
        var step = _pattern.BaseSteps[baseIndex];
        _sink.OnConditionError(new ConditionError<T>(step >= 0 ? _pattern.StepNamesArray[step] : "?", @event, timestamp, exception));
    }
}
