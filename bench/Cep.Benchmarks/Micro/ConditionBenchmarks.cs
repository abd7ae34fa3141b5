using BenchmarkDotNet.Attributes;
using Cep.Benchmarks.Workloads;
using Cep.Nfa;
using Cep.Rules.Diagnostics;
using Cep.Rules.Events;
using Cep.Rules.Expressions;

namespace Cep.Benchmarks.Micro;

/// <summary>
/// A compiled rule condition (<see cref="ExpressionCompiler"/>) evaluated against a parsed JSON event and a
/// partial match, next to the same test as a C# lambda over a typed event (the fluent API's cost floor).
/// </summary>
[MemoryDiagnoser]
public class ConditionBenchmarks
{
    private Condition<JsonEvent> _typeOnly = null!;
    private Condition<JsonEvent> _joinsCreate = null!;
    private JsonEvent _pay = null!;
    private MatchContext<JsonEvent> _context = null!;
    private Func<OrderEvent, bool> _lambda = null!;
    private OrderEvent _typedPay = null!;

    [GlobalSetup]
    public void Setup()
    {
        var fields = new FieldTable();
        string[] steps = ["create", "pay"];
        _typeOnly = Compile("type == 'pay'", steps, fields);
        _joinsCreate = Compile("type == 'pay' && orderId == create.orderId && amount >= 10", steps, fields);
        _pay = Parse("""{"orderId":"o-123456","type":"pay","amount":25.5,"ts":1767225605000}""", fields);
        var create = Parse("""{"orderId":"o-123456","type":"create","amount":25.5,"ts":1767225600000}""", fields);
        _context = TestHooks.Context(steps, 1767225605000, (0, create, 1767225600000));
        _lambda = e => e.Kind == OrderKind.Pay;
        _typedPay = new OrderEvent(123456, OrderKind.Pay, 1767225605000, 0);
    }

    private static Condition<JsonEvent> Compile(string text, string[] steps, FieldTable fields)
    {
        var errors = new List<RuleError>();
        var condition = ExpressionCompiler.CompileCondition(text, new SourceLocation("bench.yaml", 1, 1), new ExpressionScope(steps, 1, fields), errors, out _);
        return condition ?? throw new InvalidOperationException(string.Join("\n", errors));
    }

    private static JsonEvent Parse(string json, FieldTable fields) =>
        JsonEventParser.TryParse(json, "orders", 1, fields, out var e, out var error) ? e : throw new InvalidOperationException(error);

    [Benchmark(Baseline = true)]
    public bool Lambda_TypedEvent() => _lambda(_typedPay);

    [Benchmark]
    public bool Compiled_TypeEquals() => _typeOnly(_pay, _context);

    [Benchmark]
    public bool Compiled_TypeAndJoinOnCreateAndAmount() => _joinsCreate(_pay, _context);
}
