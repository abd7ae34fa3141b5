using System.Buffers;
using BenchmarkDotNet.Attributes;
using Cep.Benchmarks.Workloads;
using Cep.Runtime;
using Cep.State;

namespace Cep.Benchmarks.Micro;

/// <summary>Snapshot of one key holding one pending partial match (W1 after the create), and its restore.</summary>
[MemoryDiagnoser]
public class SnapshotBenchmarks
{
    private readonly OrderCodec _codec = new();
    private readonly SnapshotWriter _writer = new(new ArrayBufferWriter<byte>(1024));
    private KeyedPatternOperator<OrderEvent, long> _operator = null!;
    private byte[] _snapshot = null!;

    [GlobalSetup]
    public void Setup()
    {
        _operator = new KeyedPatternOperator<OrderEvent, long>(OrderStream.Pattern, new OperatorOptions(), new CountingOrderSink());
        var create = new OrderEvent(7, OrderKind.Create, OrderWorkloadSpec.BaseTimestamp, 0);
        _operator.OnEvent(0, 7, create, create.Timestamp, create.Timestamp);
        _operator.OnWatermark(0, create.Timestamp);
        if (!_operator.WriteKey(7, _writer, _codec))
        {
            throw new InvalidOperationException("key 7 should hold a partial match");
        }
        _snapshot = _writer.ToArray();
    }

    [Benchmark(Baseline = true)]
    public int WriteKey_OnePendingMatch()
    {
        _writer.Clear();
        _operator.WriteKey(7, _writer, _codec);
        return _writer.Length;
    }

    [Benchmark]
    public void ReadKey_OnePendingMatch() => _operator.ReadKey(7, new SnapshotReader(_snapshot), _codec);
}
