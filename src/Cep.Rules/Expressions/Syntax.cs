using Cep.Rules.Events;

namespace Cep.Rules.Expressions;

/// <summary>The parsed expression, before names are resolved. <c>Offset</c> is where the node's error points.</summary>
internal abstract record Syntax(int Offset);

internal sealed record LiteralSyntax(int Offset, JsonValue Value) : Syntax(Offset);

/// <summary>A bare name; <paramref name="Quoted"/> for a `backquoted` name, which is always a field.</summary>
internal sealed record NameSyntax(int Offset, string Name, bool Quoted) : Syntax(Offset);

internal sealed record MemberSyntax(int Offset, Syntax Target, string Member) : Syntax(Offset);

internal sealed record IndexSyntax(int Offset, Syntax Target, Syntax Index) : Syntax(Offset);

internal sealed record CallSyntax(int Offset, string Name, IReadOnlyList<Syntax> Arguments) : Syntax(Offset);

internal sealed record ListSyntax(int Offset, IReadOnlyList<Syntax> Items) : Syntax(Offset);

internal enum UnaryOp
{
    Not,
    Negate,
}

internal sealed record UnarySyntax(int Offset, UnaryOp Op, Syntax Operand) : Syntax(Offset);

internal enum BinaryOp
{
    Or,
    And,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
}

/// <summary>A binary operation; <c>Offset</c> is the operator's.</summary>
internal sealed record BinarySyntax(int Offset, BinaryOp Op, Syntax Left, Syntax Right) : Syntax(Offset);

/// <summary><c>x in [..]</c> or <c>x not in [..]</c>; <c>Offset</c> is the <c>in</c>'s.</summary>
internal sealed record InSyntax(int Offset, Syntax Value, Syntax List, bool Negated) : Syntax(Offset);

internal static class SyntaxText
{
    public static string Of(BinaryOp op) => op switch
    {
        BinaryOp.Or => "||",
        BinaryOp.And => "&&",
        BinaryOp.Equal => "==",
        BinaryOp.NotEqual => "!=",
        BinaryOp.Less => "<",
        BinaryOp.LessEqual => "<=",
        BinaryOp.Greater => ">",
        BinaryOp.GreaterEqual => ">=",
        BinaryOp.Add => "+",
        BinaryOp.Subtract => "-",
        BinaryOp.Multiply => "*",
        BinaryOp.Divide => "/",
        _ => "%",
    };
}
