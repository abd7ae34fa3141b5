using System.Text.RegularExpressions;
using Cep.Rules.Events;

namespace Cep.Rules.Expressions;

/// <summary>What the binder knows of a value's type before any event is seen. Any value may also be null.</summary>
internal enum StaticType
{
    Any,
    Null,
    Bool,
    Number,
    String,
}

/// <summary>A resolved expression node: names turned into slots and step indexes, types checked.</summary>
internal abstract record Bound(int Offset, StaticType Type);

internal sealed record BoundLiteral(int Offset, JsonValue Value, StaticType Type) : Bound(Offset, Type);

/// <summary>A field of the event under test.</summary>
internal sealed record BoundField(int Offset, int Slot, string Path) : Bound(Offset, StaticType.Any);

internal sealed record BoundEventTime(int Offset) : Bound(Offset, StaticType.Number);

internal sealed record BoundEventStream(int Offset) : Bound(Offset, StaticType.String);

internal enum StepMember
{
    Field,
    Time,
    Stream,
}

/// <summary>
/// A value of one event a step took: <paramref name="Index"/> 0, 1, ... counts from the first event,
/// -1, -2, ... from the last. <paramref name="Slot"/> is used for <see cref="StepMember.Field"/>.
/// </summary>
internal sealed record BoundStepValue(int Offset, int Step, int Index, StepMember Member, int Slot, StaticType Type)
    : Bound(Offset, Type);

internal sealed record BoundNot(int Offset, Bound Operand) : Bound(Offset, StaticType.Bool);

internal sealed record BoundNegate(int Offset, Bound Operand) : Bound(Offset, StaticType.Number);

internal sealed record BoundLogical(int Offset, bool IsAnd, Bound Left, Bound Right) : Bound(Offset, StaticType.Bool);

internal sealed record BoundCompare(int Offset, BinaryOp Op, Bound Left, Bound Right) : Bound(Offset, StaticType.Bool);

internal sealed record BoundArithmetic(int Offset, BinaryOp Op, Bound Left, Bound Right, StaticType Type) : Bound(Offset, Type);

internal sealed record BoundIn(int Offset, Bound Value, IReadOnlyList<Bound> Items, bool Negated) : Bound(Offset, StaticType.Bool);

internal sealed record BoundCount(int Offset, int Step) : Bound(Offset, StaticType.Number);

internal enum AggregateKind
{
    Sum,
    Avg,
    Min,
    Max,
}

/// <summary>An aggregate over a step's events; <paramref name="Slot"/> -1 aggregates their timestamps.</summary>
internal sealed record BoundAggregate(int Offset, AggregateKind Kind, int Step, int Slot) : Bound(Offset, StaticType.Number);

internal sealed record BoundExists(int Offset, Bound Reference) : Bound(Offset, StaticType.Bool);

internal enum FunctionKind
{
    Abs,
    Len,
    Lower,
    Upper,
    Contains,
    StartsWith,
    EndsWith,
    Coalesce,
}

internal sealed record BoundFunction(int Offset, FunctionKind Kind, IReadOnlyList<Bound> Arguments, StaticType Type) : Bound(Offset, Type);

internal sealed record BoundMatches(int Offset, Bound Value, Regex Regex) : Bound(Offset, StaticType.Bool);
