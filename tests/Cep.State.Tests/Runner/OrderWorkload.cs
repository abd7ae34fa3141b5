using System.Globalization;
using System.Text;

namespace Cep.State.Tests.Runner;

/// <summary>A generated order stream and the rule files the runner tests use.</summary>
internal static class OrderWorkload
{
    public const string Rule = """
        rule: order-timeout
        key: orderId
        time:
          field: ts
        pattern:
          - begin: create
            where: type == 'create'
          - followedBy: pay
            where: type == 'pay'
        within: 15m
        afterMatch: skipPastLastEvent
        onTimeout: order-timeouts
        emit:
          amount: create.amount
          waitedMs: pay.$ts - create.$ts
        """;

    public const string SecondRule = """
        rule: big-orders
        key: customer
        time:
          field: ts
        pattern:
          - begin: big
            where: type == 'create' && amount > 400
          - followedBy: again
            where: type == 'create' && amount > 400
        within: 1h
        """;

    /// <summary>Writes <paramref name="count"/> events: creates and pays of random orders, time moving forward.</summary>
    public static void WriteEvents(string path, int count, int seed = 1)
    {
        var random = new Random(seed);
        var open = new List<string>();
        var ts = 0L;
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
        for (var i = 0; i < count; i++)
        {
            ts += random.Next(0, 3000);
            if (open.Count > 0 && random.NextDouble() < 0.45)
            {
                var index = random.Next(open.Count);
                var order = open[index];
                open[index] = open[^1];
                open.RemoveAt(open.Count - 1);
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"pay\",\"orderId\":\"{order}\",\"ts\":{ts}}}"));
            }
            else
            {
                var order = "o" + i.ToString(CultureInfo.InvariantCulture);
                open.Add(order);
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"create\",\"orderId\":\"{order}\",\"customer\":\"c{i % 97}\",\"amount\":{i % 500},\"ts\":{ts}}}"));
            }
        }
    }
}
