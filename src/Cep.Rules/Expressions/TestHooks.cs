using Cep.Nfa;
using Cep.Rules.Events;

namespace Cep.Rules.Expressions;

/// <summary>
/// Builds match contexts outside a running operator (the constructors are internal to Cep.Core, which lets
/// Cep.Rules see them): for expression tests, and for tools that evaluate an expression against given events.
/// </summary>
internal static class TestHooks
{
    public static MatchContext<JsonEvent> Context(IReadOnlyList<string> stepNames, long timestamp, params (int Step, JsonEvent Event, long Timestamp)[] taken)
    {
        var context = new MatchContext<JsonEvent>([.. stepNames]);
        SharedBufferNode<JsonEvent>? head = null;
        var sequence = 0L;
        foreach (var (step, evt, ts) in taken)
        {
            head = new SharedBufferNode<JsonEvent>(evt, ts, sequence++, step, head);
        }
        context.Reset(head, timestamp);
        return context;
    }
}
