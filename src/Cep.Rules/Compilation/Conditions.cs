using Cep.Nfa;
using Cep.Rules.Events;

namespace Cep.Rules.Compilation;

/// <summary>
/// Combines a step's <c>from</c> streams and its <c>where</c> conditions into one <see cref="Condition{T}"/>.
/// Every shape gets its own closure, built once, so testing an event allocates nothing.
/// </summary>
internal static class Conditions
{
    public static Condition<JsonEvent>? Combine(string[]? streams, Condition<JsonEvent>[] where)
    {
        var all = where.Length switch
        {
            0 => null,
            1 => where[0],
            2 => (e, c) => where[0](e, c) && where[1](e, c),
            _ => AllOf(where),
        };
        return streams switch
        {
            null or { Length: 0 } => all,
            { Length: 1 } => OneStream(streams[0], all),
            _ => AnyStream(streams, all),
        };
    }

    private static Condition<JsonEvent> AllOf(Condition<JsonEvent>[] where) => (e, c) =>
    {
        foreach (var condition in where)
        {
            if (!condition(e, c))
            {
                return false;
            }
        }
        return true;
    };

    private static Condition<JsonEvent> OneStream(string stream, Condition<JsonEvent>? then) => then is null
        ? (e, _) => string.Equals(e.Stream, stream, StringComparison.Ordinal)
        : (e, c) => string.Equals(e.Stream, stream, StringComparison.Ordinal) && then(e, c);

    private static Condition<JsonEvent> AnyStream(string[] streams, Condition<JsonEvent>? then) => then is null
        ? (e, _) => IsOneOf(e.Stream, streams)
        : (e, c) => IsOneOf(e.Stream, streams) && then(e, c);

    private static bool IsOneOf(string stream, string[] streams)
    {
        foreach (var candidate in streams)
        {
            if (string.Equals(stream, candidate, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
