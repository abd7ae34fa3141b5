using BenchmarkDotNet.Attributes;
using Cep.Benchmarks.Workloads;
using Cep.Runtime;

namespace Cep.Benchmarks.Micro;

/// <summary>
/// Timer scheduling and firing: per invocation, 1 024 keys each open a partial match (which registers the key's
/// window timer), then one watermark passes every deadline and 1 024 timeouts fire. Cost is per key (one
/// schedule + one fire, including the NFA step of the create event).
/// </summary>
[MemoryDiagnoser]
public class TimerBenchmarks
{
    private const int Keys = 1024;
    private const long Window = 900_000;
    private readonly OrderEvent[] _creates = new OrderEvent[Keys];
    private KeyedPatternOperator<OrderEvent, long> _operator = null!;
    private CountingOrderSink _sink = null!;
    private long _time = OrderWorkloadSpec.BaseTimestamp;

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < Keys; i++)
        {
            _creates[i] = new OrderEvent(i + 1, OrderKind.Create, 0, 0);
        }
        _sink = new CountingOrderSink();
        _operator = new KeyedPatternOperator<OrderEvent, long>(OrderStream.Pattern, new OperatorOptions(), _sink);
    }

    [Benchmark(OperationsPerInvoke = Keys)]
    public long ScheduleAndFire_WindowTimeout()
    {
        foreach (var e in _creates)
        {
            _operator.OnEvent(0, e.OrderId, e, _time, _time);
            _time++;
        }
        _time += Window;
        _operator.OnWatermark(0, _time);
        _time++;
        return _sink.Records;
    }
}
