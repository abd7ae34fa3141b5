namespace Cep.Benchmarks.Workloads;

internal enum OutcomeKind : byte
{
    Match,
    Timeout,
}

/// <summary>What every W1 implementation must produce: per order, a match at the pay event's time or a
/// timeout at the create time plus the window. Compared as sorted sets, so emission order does not matter.</summary>
internal readonly record struct Outcome(long OrderId, OutcomeKind Kind, long Time) : IComparable<Outcome>
{
    public int CompareTo(Outcome other)
    {
        var c = OrderId.CompareTo(other.OrderId);
        if (c != 0)
        {
            return c;
        }
        c = Kind.CompareTo(other.Kind);
        return c != 0 ? c : Time.CompareTo(other.Time);
    }
}

/// <summary>Collects outcomes into a preallocated array so collecting costs every implementation the same
/// and allocates nothing during a timed run.</summary>
internal sealed class OutcomeCollector(int capacity)
{
    private Outcome[] _items = new Outcome[Math.Max(16, capacity)];

    public int Count { get; private set; }

    public int Matches { get; private set; }

    public int Timeouts { get; private set; }

    public void Add(Outcome outcome)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }
        _items[Count++] = outcome;
        if (outcome.Kind == OutcomeKind.Match)
        {
            Matches++;
        }
        else
        {
            Timeouts++;
        }
    }

    public void Clear()
    {
        Count = 0;
        Matches = 0;
        Timeouts = 0;
    }

    public Outcome[] Sorted()
    {
        var copy = _items.AsSpan(0, Count).ToArray();
        Array.Sort(copy);
        return copy;
    }

    /// <summary>Compares two sorted outcome sets; returns null when equal, else a description of the first difference.</summary>
    public static string? Difference(Outcome[] expected, Outcome[] actual)
    {
        var n = Math.Min(expected.Length, actual.Length);
        for (var i = 0; i < n; i++)
        {
            if (expected[i] != actual[i])
            {
                return $"first difference at #{i}: expected {expected[i]}, got {actual[i]}";
            }
        }
        if (expected.Length != actual.Length)
        {
            var extra = expected.Length > actual.Length ? $"missing {expected[n]}" : $"unexpected {actual[n]}";
            return $"{expected.Length} expected records, {actual.Length} produced ({extra})";
        }
        return null;
    }
}
