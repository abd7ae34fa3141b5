using Cep.Rules.Events;

namespace Cep.Rules.Expressions;

/// <summary>
/// Recursive descent, loosest first: <c>|| or</c>, <c>&amp;&amp; and</c>, <c>! not</c>, comparisons and
/// <c>in</c> (not chained), <c>+ -</c>, <c>* / %</c>, unary <c>-</c>, then calls, <c>.field</c> and <c>[index]</c>.
/// Stops at the first syntax error.
/// </summary>
internal sealed class Parser
{
    private readonly List<Token> _tokens;
    private readonly ErrorSink _errors;
    private int _position;

    private Parser(List<Token> tokens, ErrorSink errors)
    {
        _tokens = tokens;
        _errors = errors;
    }

    private Token Current => _tokens[_position];

    public static Syntax? Parse(string text, ErrorSink errors)
    {
        var tokens = Lexer.Tokenize(text, errors);
        if (tokens is null)
        {
            return null;
        }
        if (tokens.Count == 1)
        {
            errors.Add(ErrorCodes.Empty, 0, "the expression is empty");
            return null;
        }
        var parser = new Parser(tokens, errors);
        try
        {
            var syntax = parser.ParseOr();
            if (parser.Current.Kind != TokenKind.End)
            {
                parser.Fail(parser.Current, $"unexpected {parser.Current.Describe()}; expected an operator or the end of the expression");
            }
            return syntax;
        }
        catch (SyntaxFailure)
        {
            return null;
        }
    }

    private Syntax ParseOr()
    {
        var left = ParseAnd();
        while (Current.Kind == TokenKind.Or)
        {
            var op = Advance();
            left = new BinarySyntax(op.Offset, BinaryOp.Or, left, ParseAnd());
        }
        return left;
    }

    private Syntax ParseAnd()
    {
        var left = ParseNot();
        while (Current.Kind == TokenKind.And)
        {
            var op = Advance();
            left = new BinarySyntax(op.Offset, BinaryOp.And, left, ParseNot());
        }
        return left;
    }

    private Syntax ParseNot()
    {
        if (Current.Kind == TokenKind.Not)
        {
            var op = Advance();
            return new UnarySyntax(op.Offset, UnaryOp.Not, ParseNot());
        }
        return ParseComparison();
    }

    private Syntax ParseComparison()
    {
        var left = ParseAdditive();
        var result = ParseComparisonTail(left);
        if (result is not null && IsComparison(Current.Kind))
        {
            Fail(Current, ErrorCodes.ChainedComparison, "comparisons cannot be chained; join them with && (a < b && b < c)");
        }
        return result ?? left;
    }

    private Syntax? ParseComparisonTail(Syntax left)
    {
        var token = Current;
        if (token.Kind == TokenKind.In)
        {
            Advance();
            return new InSyntax(token.Offset, left, ParseAdditive(), Negated: false);
        }
        if (token.Kind == TokenKind.Not && Peek(1).Kind == TokenKind.In)
        {
            Advance();
            var inToken = Advance();
            return new InSyntax(inToken.Offset, left, ParseAdditive(), Negated: true);
        }
        BinaryOp? op = token.Kind switch
        {
            TokenKind.Equal => BinaryOp.Equal,
            TokenKind.NotEqual => BinaryOp.NotEqual,
            TokenKind.Less => BinaryOp.Less,
            TokenKind.LessEqual => BinaryOp.LessEqual,
            TokenKind.Greater => BinaryOp.Greater,
            TokenKind.GreaterEqual => BinaryOp.GreaterEqual,
            _ => null,
        };
        if (op is null)
        {
            return null;
        }
        Advance();
        return new BinarySyntax(token.Offset, op.Value, left, ParseAdditive());
    }

    private bool IsComparison(TokenKind kind) => kind is TokenKind.Equal or TokenKind.NotEqual or TokenKind.Less
        or TokenKind.LessEqual or TokenKind.Greater or TokenKind.GreaterEqual or TokenKind.In
        || (kind == TokenKind.Not && Peek(1).Kind == TokenKind.In);

    private Syntax ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Current.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var op = Advance();
            left = new BinarySyntax(op.Offset, op.Kind == TokenKind.Plus ? BinaryOp.Add : BinaryOp.Subtract, left, ParseMultiplicative());
        }
        return left;
    }

    private Syntax ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Current.Kind is TokenKind.Star or TokenKind.Slash or TokenKind.Percent)
        {
            var op = Advance();
            var kind = op.Kind switch
            {
                TokenKind.Star => BinaryOp.Multiply,
                TokenKind.Slash => BinaryOp.Divide,
                _ => BinaryOp.Remainder,
            };
            left = new BinarySyntax(op.Offset, kind, left, ParseUnary());
        }
        return left;
    }

    private Syntax ParseUnary()
    {
        if (Current.Kind == TokenKind.Minus)
        {
            var op = Advance();
            var operand = ParseUnary();
            // Fold "-5" into a literal so that "x > -5" compares against a constant.
            if (operand is LiteralSyntax { Value.Kind: JsonKind.Number } literal)
            {
                return new LiteralSyntax(op.Offset, JsonValue.From(-literal.Value.Number));
            }
            return new UnarySyntax(op.Offset, UnaryOp.Negate, operand);
        }
        if (Current.Kind == TokenKind.Not)
        {
            Fail(Current, $"'{Current.Text}' must come before a whole comparison; write it first or use parentheses");
        }
        return ParsePostfix();
    }

    private Syntax ParsePostfix()
    {
        var target = ParsePrimary();
        while (true)
        {
            if (Current.Kind == TokenKind.Dot)
            {
                Advance();
                var member = Current;
                if (member.Kind is not (TokenKind.Name or TokenKind.QuotedName))
                {
                    Fail(member, $"expected a field name after '.', found {member.Describe()}");
                }
                Advance();
                target = new MemberSyntax(member.Offset, target, member.Text);
            }
            else if (Current.Kind == TokenKind.LeftBracket)
            {
                var open = Advance();
                var index = ParseOr();
                Expect(TokenKind.RightBracket, "']'");
                target = new IndexSyntax(open.Offset, target, index);
            }
            else
            {
                return target;
            }
        }
    }

    private Syntax ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Advance();
                return new LiteralSyntax(token.Offset, JsonValue.From(token.Number));
            case TokenKind.String:
                Advance();
                return new LiteralSyntax(token.Offset, JsonValue.From(token.Text));
            case TokenKind.True:
                Advance();
                return new LiteralSyntax(token.Offset, JsonValue.True);
            case TokenKind.False:
                Advance();
                return new LiteralSyntax(token.Offset, JsonValue.False);
            case TokenKind.Null:
                Advance();
                return new LiteralSyntax(token.Offset, JsonValue.Null);
            case TokenKind.QuotedName:
                Advance();
                return new NameSyntax(token.Offset, token.Text, Quoted: true);
            case TokenKind.Name:
                Advance();
                if (Current.Kind == TokenKind.LeftParen)
                {
                    Advance();
                    var arguments = new List<Syntax>();
                    if (Current.Kind != TokenKind.RightParen)
                    {
                        arguments.Add(ParseOr());
                        while (Current.Kind == TokenKind.Comma)
                        {
                            Advance();
                            arguments.Add(ParseOr());
                        }
                    }
                    Expect(TokenKind.RightParen, "')' or ','");
                    return new CallSyntax(token.Offset, token.Text, arguments);
                }
                return new NameSyntax(token.Offset, token.Text, Quoted: false);
            case TokenKind.LeftParen:
            {
                Advance();
                var inner = ParseOr();
                Expect(TokenKind.RightParen, "')'");
                return inner;
            }
            case TokenKind.LeftBracket:
            {
                Advance();
                var items = new List<Syntax>();
                if (Current.Kind != TokenKind.RightBracket)
                {
                    items.Add(ParseOr());
                    while (Current.Kind == TokenKind.Comma)
                    {
                        Advance();
                        items.Add(ParseOr());
                    }
                }
                Expect(TokenKind.RightBracket, "']' or ','");
                return new ListSyntax(token.Offset, items);
            }
            default:
                Fail(token, $"unexpected {token.Describe()}; expected a value, a name or '('");
                return null!;
        }
    }

    private Token Advance() => _tokens[_position++];

    private Token Peek(int ahead) => _tokens[Math.Min(_position + ahead, _tokens.Count - 1)];

    private void Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
        {
            Fail(Current, $"expected {what}, found {Current.Describe()}");
        }
        Advance();
    }

    private void Fail(Token at, string message) => Fail(at, ErrorCodes.Syntax, message);

    private void Fail(Token at, string code, string message)
    {
        _errors.Add(code, at.Offset, message);
        throw new SyntaxFailure();
    }

    /// <summary>Unwinds the descent after the first syntax error (already reported).</summary>
    private sealed class SyntaxFailure : Exception
    {
    }
}
