using System.Text;
using BenchmarkDotNet.Attributes;
using Cep.Rules.Events;

namespace Cep.Benchmarks.Micro;

/// <summary>Parsing one JSON Lines line into a <see cref="JsonEvent"/> with three registered fields.</summary>
[MemoryDiagnoser]
public class JsonParseBenchmarks
{
    private readonly FieldTable _fields = new();

    // As the runner registers W1's fields: the conditions' field first, then the key, then the time; the key and the
    // time are dispatch slots, handed over beside the event (which then keeps one value) as the runner does.
    private readonly FieldTable _ruleOrderFields = new();
    private readonly JsonValue[] _dispatch = new JsonValue[2];
    private ReadOnlyMemory<byte> _w1Line;
    private ReadOnlyMemory<byte> _wideLine;

    [GlobalSetup]
    public void Setup()
    {
        _fields.Slot("orderId");
        _fields.Slot("type");
        _fields.Slot("ts");
        _ruleOrderFields.Slot("type");
        _ruleOrderFields.KeySlot("orderId");
        _ruleOrderFields.TimeSlot("ts");
        _w1Line = Encoding.UTF8.GetBytes("""{"orderId":123456,"type":"pay","ts":1767225605000}""");
        _wideLine = Encoding.UTF8.GetBytes(
            """{"orderId":123456,"type":"pay","ts":1767225605000,"customer":{"id":"c-991","tier":"gold","tags":["a","b","c"]},"amount":25.5,"currency":"EUR","items":[{"sku":"x1","qty":2},{"sku":"y7","qty":1}],"note":"leave at the door"}""");
    }

    [Benchmark(Baseline = true)]
    public JsonEvent? W1Line_3Fields() => JsonEventParser.TryParse(_w1Line, "orders", 1, _fields, out var e, out _) ? e : null;

    [Benchmark]
    public JsonEvent? W1Line_AsTheRuleRegistersIt() => JsonEventParser.TryParse(_w1Line, "orders", 1, _ruleOrderFields, _dispatch, out var e, out _) ? e : null;

    [Benchmark]
    public JsonEvent? WideLine_3Of11FieldsRegistered() => JsonEventParser.TryParse(_wideLine, "orders", 1, _fields, out var e, out _) ? e : null;
}
