namespace Cep.Rules.Expressions;

internal enum TokenKind
{
    End,
    Number,
    String,
    Name,
    QuotedName,
    True,
    False,
    Null,
    And,
    Or,
    Not,
    In,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Comma,
    Dot,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
}

/// <summary>A token and where it starts in the expression text (a character offset).</summary>
internal readonly record struct Token(TokenKind Kind, int Offset, int Length, string Text, double Number = 0)
{
    public string Describe() => Kind switch
    {
        TokenKind.End => "the end of the expression",
        TokenKind.String => "a string",
        TokenKind.Number => "a number",
        TokenKind.Name or TokenKind.QuotedName => $"'{Text}'",
        _ => $"'{Text}'",
    };
}
