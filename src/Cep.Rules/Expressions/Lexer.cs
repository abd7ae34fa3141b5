using System.Globalization;
using System.Text;

namespace Cep.Rules.Expressions;

/// <summary>Splits expression text into tokens, each with its offset for error locations.</summary>
internal static class Lexer
{
    /// <summary>Returns the tokens ending with <see cref="TokenKind.End"/>, or null after reporting the first bad character.</summary>
    public static List<Token>? Tokenize(string text, ErrorSink errors)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, text.Length, 0, string.Empty));
                return tokens;
            }
            var c = text[i];
            var start = i;
            if (char.IsAsciiDigit(c))
            {
                if (!ReadNumber(text, ref i, errors, out var token))
                {
                    return null;
                }
                tokens.Add(token);
                continue;
            }
            if (c is '\'' or '"')
            {
                if (!ReadString(text, ref i, errors, out var value))
                {
                    return null;
                }
                tokens.Add(new Token(TokenKind.String, start, i - start, value));
                continue;
            }
            if (c == '`')
            {
                var close = text.IndexOf('`', i + 1);
                if (close < 0)
                {
                    errors.Add(ErrorCodes.Syntax, start, "a `quoted name` is not closed");
                    return null;
                }
                var name = text[(i + 1)..close];
                if (name.Length == 0 || name.Split('.').Any(s => s.Length == 0))
                {
                    errors.Add(ErrorCodes.Syntax, start, $"`{name}` is not a field path");
                    return null;
                }
                i = close + 1;
                tokens.Add(new Token(TokenKind.QuotedName, start, i - start, name));
                continue;
            }
            if (IsNameStart(c) || (c == '$' && i + 1 < text.Length && IsNameStart(text[i + 1])))
            {
                i++;
                while (i < text.Length && IsNamePart(text[i]))
                {
                    i++;
                }
                var word = text[start..i];
                var kind = word switch
                {
                    "true" => TokenKind.True,
                    "false" => TokenKind.False,
                    "null" => TokenKind.Null,
                    "and" => TokenKind.And,
                    "or" => TokenKind.Or,
                    "not" => TokenKind.Not,
                    "in" => TokenKind.In,
                    _ => TokenKind.Name,
                };
                tokens.Add(new Token(kind, start, i - start, word));
                continue;
            }
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            (TokenKind Kind, int Length)? op = c switch
            {
                '(' => (TokenKind.LeftParen, 1),
                ')' => (TokenKind.RightParen, 1),
                '[' => (TokenKind.LeftBracket, 1),
                ']' => (TokenKind.RightBracket, 1),
                ',' => (TokenKind.Comma, 1),
                '.' => (TokenKind.Dot, 1),
                '+' => (TokenKind.Plus, 1),
                '-' => (TokenKind.Minus, 1),
                '*' => (TokenKind.Star, 1),
                '/' => (TokenKind.Slash, 1),
                '%' => (TokenKind.Percent, 1),
                '=' when next == '=' => (TokenKind.Equal, 2),
                '!' when next == '=' => (TokenKind.NotEqual, 2),
                '!' => (TokenKind.Not, 1),
                '<' when next == '=' => (TokenKind.LessEqual, 2),
                '<' when next == '>' => (TokenKind.NotEqual, 2),
                '<' => (TokenKind.Less, 1),
                '>' when next == '=' => (TokenKind.GreaterEqual, 2),
                '>' => (TokenKind.Greater, 1),
                '&' when next == '&' => (TokenKind.And, 2),
                '|' when next == '|' => (TokenKind.Or, 2),
                _ => null,
            };
            if (op is null)
            {
                var hint = c switch
                {
                    '=' => "; use '==' to compare",
                    '&' => "; use '&&' or 'and'",
                    '|' => "; use '||' or 'or'",
                    _ => string.Empty,
                };
                errors.Add(ErrorCodes.Syntax, start, $"unexpected character '{c}'{hint}");
                return null;
            }
            i += op.Value.Length;
            tokens.Add(new Token(op.Value.Kind, start, op.Value.Length, text.Substring(start, op.Value.Length)));
        }
    }

    private static bool IsNameStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsNamePart(char c) => char.IsLetterOrDigit(c) || c == '_';

    /// <summary>A number, or a duration (a number directly followed by ms, s, m, h or d) in milliseconds.</summary>
    private static bool ReadNumber(string text, ref int i, ErrorSink errors, out Token token)
    {
        var start = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }
        if (i + 1 < text.Length && text[i] == '.' && char.IsAsciiDigit(text[i + 1]))
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }
        if (i < text.Length && (text[i] is 'e' or 'E'))
        {
            var e = i + 1;
            if (e < text.Length && (text[e] is '+' or '-'))
            {
                e++;
            }
            if (e < text.Length && char.IsAsciiDigit(text[e]))
            {
                i = e;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }
            }
        }
        var number = double.Parse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        var unitStart = i;
        while (i < text.Length && IsNamePart(text[i]))
        {
            i++;
        }
        var unit = text[unitStart..i];
        if (unit.Length > 0)
        {
            double? factor = unit switch
            {
                "ms" => 1,
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => null,
            };
            if (factor is null)
            {
                errors.Add(ErrorCodes.Syntax, unitStart, $"unexpected '{unit}' after a number; durations end in ms, s, m, h or d");
                token = default;
                return false;
            }
            number *= factor.Value;
        }
        if (!double.IsFinite(number))
        {
            errors.Add(ErrorCodes.Syntax, start, "the number is too large");
            token = default;
            return false;
        }
        token = new Token(TokenKind.Number, start, i - start, text[start..i], number);
        return true;
    }

    private static bool ReadString(string text, ref int i, ErrorSink errors, out string value)
    {
        var quote = text[i];
        var start = i;
        var sb = new StringBuilder();
        i++;
        while (true)
        {
            if (i >= text.Length)
            {
                errors.Add(ErrorCodes.Syntax, start, "a string is not closed");
                value = string.Empty;
                return false;
            }
            var c = text[i];
            if (c == quote)
            {
                i++;
                value = sb.ToString();
                return true;
            }
            if (c != '\\')
            {
                sb.Append(c);
                i++;
                continue;
            }
            var escapeAt = i;
            if (i + 1 >= text.Length)
            {
                errors.Add(ErrorCodes.Syntax, start, "a string is not closed");
                value = string.Empty;
                return false;
            }
            var e = text[i + 1];
            i += 2;
            switch (e)
            {
                case '\\' or '\'' or '"' or '/':
                    sb.Append(e);
                    break;
                case 'n':
                    sb.Append('\n');
                    break;
                case 't':
                    sb.Append('\t');
                    break;
                case 'r':
                    sb.Append('\r');
                    break;
                case 'u' when i + 4 <= text.Length
                    && int.TryParse(text.AsSpan(i, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                    sb.Append((char)code);
                    i += 4;
                    break;
                default:
                    errors.Add(ErrorCodes.Syntax, escapeAt, $"unknown escape '\\{e}' in a string; use \\\\, \\', \\\", \\n, \\t, \\r or \\uXXXX");
                    value = string.Empty;
                    return false;
            }
        }
    }
}
