using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using Cep.Benchmarks.Workloads;
using Cep.Nfa;
using Cep.Runtime;

namespace Cep.Benchmarks.WholeRun;

/// <summary>One in-process implementation of W1 (order timeout), fed one event at a time in arrival order.</summary>
internal interface IOrderTimeoutRunner
{
    void OnEvent(OrderEvent e);

    /// <summary>The input ended: every open order times out.</summary>
    void End();

    /// <summary>Orders waiting for their pay event (partial matches), or -1 when the implementation cannot tell.</summary>
    long Open { get; }
}

/// <summary>(1) Cep engine-only: the fluent API compiled once, events in memory, one <see cref="KeyedPatternOperator{T,TKey}"/>.</summary>
internal sealed class EngineOrderTimeout : IOrderTimeoutRunner, IPatternSink<OrderEvent, long>
{
    private readonly KeyedPatternOperator<OrderEvent, long> _operator;
    private readonly OutcomeCollector _collector;

    public EngineOrderTimeout(CompiledPattern<OrderEvent> pattern, long disorderMs, OutcomeCollector collector)
    {
        _collector = collector;
        _operator = new KeyedPatternOperator<OrderEvent, long>(pattern, new OperatorOptions
        {
            TimeMode = TimeMode.EventTime,
            OutOfOrdernessMs = disorderMs,
        }, this);
    }

    public KeyedPatternOperator<OrderEvent, long> Operator => _operator;

    public long Open => _operator.PendingRuns;

    /// <summary>Called before a record is collected, for latency probes.</summary>
    public Action<PatternResult<OrderEvent, long>, OutcomeKind>? Observe { get; set; }

    public static CompiledPattern<OrderEvent> Compile(long windowMs) =>
        Pattern.Begin<OrderEvent>("create").Where(e => e.Kind == OrderKind.Create)
            .FollowedBy("pay").Where(e => e.Kind == OrderKind.Pay)
            .Within(TimeSpan.FromMilliseconds(windowMs))
            .Compile();

    public void OnEvent(OrderEvent e) => _operator.OnEvent(0, e.OrderId, e, e.Timestamp, e.Timestamp);

    public void End() => _operator.EndInput(0);

    void IPatternSink<OrderEvent, long>.OnMatch(in PatternResult<OrderEvent, long> match)
    {
        Observe?.Invoke(match, OutcomeKind.Match);
        _collector.Add(new Outcome(match.Key, OutcomeKind.Match, match.Time));
    }

    void IPatternSink<OrderEvent, long>.OnTimeout(in PatternResult<OrderEvent, long> timeout)
    {
        Observe?.Invoke(timeout, OutcomeKind.Timeout);
        _collector.Add(new Outcome(timeout.Key, OutcomeKind.Timeout, timeout.Time));
    }

    void IPatternSink<OrderEvent, long>.OnLate(int input, OrderEvent @event, long timestamp) =>
        throw new InvalidOperationException($"W1 never produces late events, yet order {@event.OrderId} at {timestamp} was late.");

    void IPatternSink<OrderEvent, long>.OnConditionError(ConditionError<OrderEvent> error) =>
        throw new InvalidOperationException("A W1 condition threw.", error.Exception);
}

/// <summary>
/// (3) The Rx.NET query a .NET developer would write: group by order, take the create, then the first pay with
/// a timeout, on a <see cref="HistoricalScheduler"/> advanced by event time. Out-of-order arrival is handled
/// the way such a developer would: a priority queue released by the same watermark the engine uses.
/// </summary>
internal sealed class RxOrderTimeout : IOrderTimeoutRunner, IDisposable
{
    private readonly HistoricalScheduler _scheduler = new(DateTimeOffset.FromUnixTimeMilliseconds(0));
    private readonly Subject<OrderEvent> _events = new();
    private readonly IDisposable _subscription;
    private readonly PriorityQueue<OrderEvent, (long Timestamp, int Index)> _reorder = new();
    private readonly long _disorderMs;
    private long _maxTimestamp = long.MinValue;

    public RxOrderTimeout(long windowMs, long disorderMs, OutcomeCollector collector)
    {
        _disorderMs = disorderMs;
        var window = TimeSpan.FromMilliseconds(windowMs);
        var scheduler = _scheduler;
        _subscription = _events
            .GroupBy(e => e.OrderId)
            .SelectMany(order => order.Where(e => e.Kind == OrderKind.Create).Take(1)
                .SelectMany(create => order.Where(e => e.Kind == OrderKind.Pay).Take(1)
                    .Select(pay => new Outcome(create.OrderId, OutcomeKind.Match, pay.Timestamp))
                    .Timeout(window, Observable.Defer(() => Observable.Return(
                        new Outcome(create.OrderId, OutcomeKind.Timeout, scheduler.Now.ToUnixTimeMilliseconds()))), scheduler)))
            .Subscribe(collector.Add);
    }

    public long Open => -1;

    public void OnEvent(OrderEvent e)
    {
        _reorder.Enqueue(e, (e.Timestamp, e.Index));
        _maxTimestamp = Math.Max(_maxTimestamp, e.Timestamp);
        Release(_maxTimestamp - _disorderMs - 1);
    }

    public void End()
    {
        Release(long.MaxValue);
        _scheduler.Start();
        _events.OnCompleted();
    }

    private void Release(long watermark)
    {
        while (_reorder.TryPeek(out var next, out var order) && order.Timestamp <= watermark)
        {
            _reorder.Dequeue();
            AdvanceTo(next.Timestamp);
            _events.OnNext(next);
        }
        if (watermark != long.MaxValue)
        {
            AdvanceTo(watermark);
        }
    }

    private void AdvanceTo(long timestamp)
    {
        var to = DateTimeOffset.FromUnixTimeMilliseconds(timestamp);
        if (to > _scheduler.Now)
        {
            _scheduler.AdvanceTo(to);
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _events.Dispose();
    }
}

/// <summary>
/// (4) A hand-coded loop that does only W1: a reorder queue, open orders in a dictionary, deadlines in a priority
/// queue. What the engine is measured against as the cost floor of the same semantics.
/// </summary>
internal sealed class HandCodedOrderTimeout(long windowMs, long disorderMs, OutcomeCollector collector) : IOrderTimeoutRunner
{
    private readonly PriorityQueue<OrderEvent, (long Timestamp, int Index)> _reorder = new();
    private readonly Dictionary<long, long> _open = [];
    private readonly PriorityQueue<long, long> _deadlines = new();
    private long _maxTimestamp = long.MinValue;

    public long Open => _open.Count;

    public void OnEvent(OrderEvent e)
    {
        _reorder.Enqueue(e, (e.Timestamp, e.Index));
        if (e.Timestamp > _maxTimestamp)
        {
            _maxTimestamp = e.Timestamp;
            Release(_maxTimestamp - disorderMs - 1);
        }
    }

    public void End() => Release(long.MaxValue);

    /// <summary>An explicit watermark: releases buffered events at or below it and fires due deadlines.</summary>
    public void AdvanceWatermark(long watermark) => Release(watermark);

    private void Release(long watermark)
    {
        while (_reorder.TryPeek(out var next, out var order) && order.Timestamp <= watermark)
        {
            _reorder.Dequeue();
            Expire(next.Timestamp);
            if (next.Kind == OrderKind.Create)
            {
                _open[next.OrderId] = next.Timestamp;
                _deadlines.Enqueue(next.OrderId, next.Timestamp + windowMs);
            }
            else if (_open.Remove(next.OrderId))
            {
                collector.Add(new Outcome(next.OrderId, OutcomeKind.Match, next.Timestamp));
            }
        }
        Expire(watermark);
    }

    private void Expire(long time)
    {
        while (_deadlines.TryPeek(out var orderId, out var deadline) && deadline <= time)
        {
            _deadlines.Dequeue();
            if (_open.TryGetValue(orderId, out var created) && created + windowMs == deadline)
            {
                _open.Remove(orderId);
                collector.Add(new Outcome(orderId, OutcomeKind.Timeout, deadline));
            }
        }
    }
}
