using Cep.Nfa;
using Cep.Rules.Events;

namespace Cep.Rules;

/// <summary>A field of a match's <c>emit</c> object and how to compute it from the match.</summary>
public sealed record EmitField(string Name, Func<JsonEvent?, MatchContext<JsonEvent>, JsonValue> Evaluate);
