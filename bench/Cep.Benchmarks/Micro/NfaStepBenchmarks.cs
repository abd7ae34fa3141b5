using BenchmarkDotNet.Attributes;
using Cep.Benchmarks.Workloads;
using Cep.Runtime;

namespace Cep.Benchmarks.Micro;

/// <summary>
/// One NFA step: <see cref="KeyedPatternOperator{T,TKey}.OnEvent"/> on an in-order W1 stream over 1 024 keys
/// (every key alternates create and pay, so half the events open a partial match and half complete one).
/// Event time goes through the reorder buffer and the watermark; processing time dispatches at once.
/// </summary>
[MemoryDiagnoser]
public class NfaStepBenchmarks
{
    private const int Batch = 4096;
    private OrderStream _stream = null!;
    private KeyedPatternOperator<OrderEvent, long> _eventTime = null!;
    private KeyedPatternOperator<OrderEvent, long> _processingTime = null!;

    [GlobalSetup]
    public void Setup()
    {
        _stream = new OrderStream(1024);
        _eventTime = new KeyedPatternOperator<OrderEvent, long>(OrderStream.Pattern, new OperatorOptions(), new CountingOrderSink());
        _processingTime = new KeyedPatternOperator<OrderEvent, long>(OrderStream.Pattern, new OperatorOptions { TimeMode = TimeMode.ProcessingTime }, new CountingOrderSink());
    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    public void OnEvent_EventTime_InOrder() => _stream.Feed(_eventTime, Batch);

    [Benchmark(OperationsPerInvoke = Batch)]
    public void OnEvent_ProcessingTime() => _stream.Feed(_processingTime, Batch);
}
