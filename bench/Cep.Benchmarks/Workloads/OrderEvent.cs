namespace Cep.Benchmarks.Workloads;

internal enum OrderKind : byte
{
    Create,
    Pay,
}

/// <summary>One event of the order workloads, as an engine-only host would hold it in memory.</summary>
/// <remarks><see cref="Index"/> is the arrival position, used to look up ingress times for latency.</remarks>
internal sealed class OrderEvent(long orderId, OrderKind kind, long timestamp, int index)
{
    public long OrderId { get; } = orderId;

    public OrderKind Kind { get; } = kind;

    public long Timestamp { get; } = timestamp;

    public int Index { get; } = index;
}
