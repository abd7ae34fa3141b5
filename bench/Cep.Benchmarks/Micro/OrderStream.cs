using Cep.Benchmarks.Workloads;
using Cep.Nfa;
using Cep.Runtime;
using Cep.State;

namespace Cep.Benchmarks.Micro;

/// <summary>A sink that only counts, so a micro-benchmark measures the operator and not the collection.</summary>
internal sealed class CountingOrderSink : IPatternSink<OrderEvent, long>
{
    public long Records { get; private set; }

    public void OnMatch(in PatternResult<OrderEvent, long> match) => Records++;

    public void OnTimeout(in PatternResult<OrderEvent, long> timeout) => Records++;

    public void OnLate(int input, OrderEvent @event, long timestamp) => throw new InvalidOperationException("unexpected late event");

    public void OnConditionError(ConditionError<OrderEvent> error) => throw new InvalidOperationException("a condition threw", error.Exception);
}

/// <summary>Snapshot codec for <see cref="OrderEvent"/> keyed by order id.</summary>
internal sealed class OrderCodec : ISnapshotCodec<OrderEvent, long>
{
    public void WriteEvent(SnapshotWriter writer, OrderEvent @event)
    {
        writer.WriteVarInt(@event.OrderId);
        writer.WriteByte((byte)@event.Kind);
        writer.WriteVarInt(@event.Timestamp);
    }

    public OrderEvent ReadEvent(SnapshotReader reader) =>
        new(reader.ReadVarInt(), (OrderKind)reader.ReadByte(), reader.ReadVarInt(), 0);

    public void WriteKey(SnapshotWriter writer, long key) => writer.WriteVarInt(key);

    public long ReadKey(SnapshotReader reader) => reader.ReadVarInt();
}

/// <summary>
/// An endless in-order W1 stream over a fixed set of keys without allocating events: each key alternates
/// create and pay, reusing two event objects per key, while the timestamp handed to the operator keeps rising.
/// </summary>
internal sealed class OrderStream
{
    private readonly OrderEvent[] _creates;
    private readonly OrderEvent[] _pays;
    private long _position;

    public OrderStream(int keys)
    {
        _creates = new OrderEvent[keys];
        _pays = new OrderEvent[keys];
        for (var i = 0; i < keys; i++)
        {
            _creates[i] = new OrderEvent(i + 1, OrderKind.Create, 0, 0);
            _pays[i] = new OrderEvent(i + 1, OrderKind.Pay, 0, 0);
        }
    }

    public static CompiledPattern<OrderEvent> Pattern => EngineOrderPattern.Value;

    /// <summary>Hands <paramref name="count"/> events to the operator; timestamps rise by 1 ms per event.</summary>
    public void Feed(KeyedPatternOperator<OrderEvent, long> op, int count)
    {
        var keys = _creates.Length;
        for (var n = 0; n < count; n++)
        {
            var position = _position++;
            var key = (int)(position % keys);
            var e = (position / keys & 1) == 0 ? _creates[key] : _pays[key];
            var timestamp = OrderWorkloadSpec.BaseTimestamp + position;
            op.OnEvent(0, e.OrderId, e, timestamp, timestamp);
        }
    }

    private static class EngineOrderPattern
    {
        public static readonly CompiledPattern<OrderEvent> Value = WholeRun.EngineOrderTimeout.Compile(900_000);
    }
}
