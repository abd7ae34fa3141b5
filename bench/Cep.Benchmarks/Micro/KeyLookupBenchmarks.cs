using BenchmarkDotNet.Attributes;
using Cep.Rules.Compilation;
using Cep.Rules.Events;

namespace Cep.Benchmarks.Micro;

/// <summary>
/// Finding a key's state among 100 000 keys: the engine-only host's <c>long</c> key, and the runner's path, which
/// turns the key field of a parsed JSON event into its canonical JSON text (a string per event) and looks that up.
/// </summary>
[MemoryDiagnoser]
public class KeyLookupBenchmarks
{
    private const int Keys = 100_000;
    private const int Batch = 1024;
    private readonly Dictionary<long, object> _byLong = [];
    private readonly Dictionary<string, object> _byText = new(StringComparer.Ordinal);
    private readonly long[] _longKeys = new long[Batch];
    private readonly JsonEvent[] _events = new JsonEvent[Batch];
    private int _slot;

    [GlobalSetup]
    public void Setup()
    {
        var state = new object();
        for (var i = 0; i < Keys; i++)
        {
            _byLong[i] = state;
            _byText[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = state;
        }
        var fields = new FieldTable();
        _slot = fields.Slot("orderId");
        fields.Slot("type");
        fields.Slot("ts");
        var random = new Random(42);
        for (var i = 0; i < Batch; i++)
        {
            var key = random.Next(Keys);
            _longKeys[i] = key;
            var line = $$"""{"orderId":{{key}},"type":"pay","ts":1767225600000}""";
            if (!JsonEventParser.TryParse(line, "orders", i + 1, fields, out var e, out var error))
            {
                throw new InvalidOperationException(error);
            }
            _events[i] = e;
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    public int LongKey_TryGetValue()
    {
        var found = 0;
        foreach (var key in _longKeys)
        {
            found += _byLong.TryGetValue(key, out _) ? 1 : 0;
        }
        return found;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int JsonKey_CanonicalText_TryGetValue()
    {
        var found = 0;
        foreach (var e in _events)
        {
            found += _byText.TryGetValue(KeySelectors.Canonical(e.Get(_slot)), out _) ? 1 : 0;
        }
        return found;
    }
}
