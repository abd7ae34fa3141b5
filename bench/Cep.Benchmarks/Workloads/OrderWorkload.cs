using System.Globalization;
using System.Text;

namespace Cep.Benchmarks.Workloads;

/// <summary>
/// Shape of an order-timeout workload (W1, W2, W4). Orders are created at a steady rate in event time; a paid
/// order's pay event follows after a uniform delay in [1 s, window − 1 s), so it always matches; an unpaid
/// order times out at create + window. Arrival order adds a uniform delay in [0, disorder) to each timestamp,
/// which a watermark with out-of-orderness = disorder never turns into a late event.
/// </summary>
internal sealed record OrderWorkloadSpec(int Orders, double OrdersPerSecond, double UnpaidFraction, long WindowMs, long DisorderMs, int Seed)
{
    /// <summary>Event time of the first order: 2026-01-01T00:00:00Z.</summary>
    public const long BaseTimestamp = 1_767_225_600_000;

    /// <summary>Orders open at once in the steady state: rate × mean open time (paid: window/2, unpaid: window).</summary>
    public double SteadyOpenOrders => OrdersPerSecond * ((1 - UnpaidFraction) * WindowMs / 2.0 + UnpaidFraction * WindowMs) / 1000.0;

    /// <summary>The rate at which about <paramref name="open"/> orders are open at once.</summary>
    public static double RateForOpenOrders(double open, double unpaidFraction, long windowMs) =>
        open / (((1 - unpaidFraction) * windowMs / 2.0 + unpaidFraction * windowMs) / 1000.0);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Orders:N0} orders at {OrdersPerSecond:F1}/s (~{SteadyOpenOrders:N0} open), {UnpaidFraction:P0} unpaid, window {WindowMs / 1000} s, disorder {DisorderMs} ms, seed {Seed}");
}

/// <summary>A generated workload: events in arrival order and the outcomes a correct W1 implementation produces.</summary>
internal sealed class OrderWorkload
{
    private OrderWorkload(OrderWorkloadSpec spec, OrderEvent[] events, Outcome[] expected)
    {
        Spec = spec;
        Events = events;
        Expected = expected;
    }

    public OrderWorkloadSpec Spec { get; }

    public OrderEvent[] Events { get; }

    /// <summary>Sorted (see <see cref="Outcome.CompareTo"/>).</summary>
    public Outcome[] Expected { get; }

    public int ExpectedMatches => Expected.Count(o => o.Kind == OutcomeKind.Match);

    public int ExpectedTimeouts => Expected.Length - ExpectedMatches;

    public static OrderWorkload Generate(OrderWorkloadSpec spec)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.Orders, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.WindowMs, 3000);
        var random = new Random(spec.Seed);
        var events = new List<OrderEvent>(spec.Orders * 2);
        var arrival = new List<long>(spec.Orders * 2);
        var expected = new Outcome[spec.Orders];
        var msPerOrder = 1000.0 / spec.OrdersPerSecond;
        for (var i = 0; i < spec.Orders; i++)
        {
            long orderId = i + 1;
            var created = OrderWorkloadSpec.BaseTimestamp + (long)(i * msPerOrder);
            Add(new OrderEvent(orderId, OrderKind.Create, created, 0));
            if (random.NextDouble() < spec.UnpaidFraction)
            {
                expected[i] = new Outcome(orderId, OutcomeKind.Timeout, created + spec.WindowMs);
            }
            else
            {
                var paid = created + random.NextInt64(1000, spec.WindowMs - 1000);
                Add(new OrderEvent(orderId, OrderKind.Pay, paid, 0));
                expected[i] = new Outcome(orderId, OutcomeKind.Match, paid);
            }
        }
        // Sort by arrival, ties in generation order (so a pay never overtakes its own create at equal arrival):
        // one primitive sort of (arrival offset << 27 | position) instead of a comparison sort of objects.
        if (events.Count >= 1 << 27)
        {
            throw new ArgumentOutOfRangeException(nameof(spec), "at most 2^27 events");
        }
        var order = new long[events.Count];
        for (var i = 0; i < order.Length; i++)
        {
            var offset = arrival[i] - OrderWorkloadSpec.BaseTimestamp;
            if (offset is < 0 or >= 1L << 36)
            {
                throw new ArgumentOutOfRangeException(nameof(spec), "the workload spans more event time than the sort key holds");
            }
            order[i] = (offset << 27) | (long)i;
        }
        Array.Sort(order);
        var result = new OrderEvent[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            // Allocated again in arrival order, as a host deserializing a stream holds them: generated order by order
            // and only sorted, the objects lay scattered, and reading each one missed the caches.
            var e = events[(int)(order[i] & ((1L << 27) - 1))];
            result[i] = new OrderEvent(e.OrderId, e.Kind, e.Timestamp, i);
        }
        Array.Sort(expected);
        return new OrderWorkload(spec, result, expected);

        void Add(OrderEvent e)
        {
            events.Add(e);
            arrival.Add(e.Timestamp + (spec.DisorderMs > 0 ? random.NextInt64(0, spec.DisorderMs) : 0));
        }
    }

    /// <summary>Writes the events as JSON Lines in arrival order: <c>{"orderId":1,"type":"create","ts":...}</c>.</summary>
    public void WriteJsonLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 20);
        writer.NewLine = "\n";
        foreach (var e in Events)
        {
            writer.Write("{\"orderId\":");
            writer.Write(e.OrderId.ToString(CultureInfo.InvariantCulture));
            writer.Write(e.Kind == OrderKind.Create ? ",\"type\":\"create\",\"ts\":" : ",\"type\":\"pay\",\"ts\":");
            writer.Write(e.Timestamp.ToString(CultureInfo.InvariantCulture));
            writer.WriteLine('}');
        }
    }
}
