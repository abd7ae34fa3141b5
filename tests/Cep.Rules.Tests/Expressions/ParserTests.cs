using System.Globalization;
using Cep.Rules.Diagnostics;
using Cep.Rules.Expressions;

namespace Cep.Rules.Tests.Expressions;

public sealed class ParserTests
{
    private static string Tree(string text)
    {
        var errors = new List<RuleError>();
        var syntax = Parser.Parse(text, new ErrorSink(text, new SourceLocation("f", 1, 1), errors));
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return Show(syntax!);
    }

    private static string Show(Syntax syntax) => syntax switch
    {
        LiteralSyntax l => l.Value.ToJson(),
        NameSyntax n => n.Quoted ? "`" + n.Name + "`" : n.Name,
        MemberSyntax m => Show(m.Target) + "." + m.Member,
        IndexSyntax i => Show(i.Target) + "[" + Show(i.Index) + "]",
        CallSyntax c => c.Name + "(" + string.Join(", ", c.Arguments.Select(Show)) + ")",
        ListSyntax l => "[" + string.Join(", ", l.Items.Select(Show)) + "]",
        UnarySyntax u => "(" + (u.Op == UnaryOp.Not ? "!" : "-") + Show(u.Operand) + ")",
        BinarySyntax b => "(" + Show(b.Left) + " " + SyntaxText.Of(b.Op) + " " + Show(b.Right) + ")",
        InSyntax i => "(" + Show(i.Value) + (i.Negated ? " not in " : " in ") + Show(i.List) + ")",
        _ => throw new InvalidOperationException(),
    };

    [Theory]
    [InlineData("a || b && c", "(a || (b && c))")]
    [InlineData("a or b and c", "(a || (b && c))")]
    [InlineData("a && b || c", "((a && b) || c)")]
    [InlineData("!a && b", "((!a) && b)")]
    [InlineData("not a == b", "(!(a == b))")]
    [InlineData("!a == b", "(!(a == b))")]
    [InlineData("not not a", "(!(!a))")]
    [InlineData("a == b + c * d", "(a == (b + (c * d)))")]
    [InlineData("a - b - c", "((a - b) - c)")]
    [InlineData("a / b % c", "((a / b) % c)")]
    [InlineData("-a * b", "((-a) * b)")]
    [InlineData("-3 * b", "(-3 * b)")]
    [InlineData("a + b in [1, 'x']", "((a + b) in [1, \"x\"])")]
    [InlineData("a not in [1]", "(a not in [1])")]
    [InlineData("x.y.z[0].w", "x.y.z[0].w")]
    [InlineData("first(s).f > s[-1].$ts", "(first(s).f > s[-1].$ts)")]
    [InlineData("f(a, g(b), 1)", "f(a, g(b), 1)")]
    [InlineData("`my field`.x", "`my field`.x")]
    [InlineData("a <> b", "(a != b)")]
    [InlineData("10m", "600000")]
    [InlineData("x >= 1.5e-3", "(x >= 0.0015)")]
    public void Parse_Precedence_GroupsAsDocumented(string text, string expected) =>
        Assert.Equal(expected, Tree(text));

    [Fact]
    public void Parse_Offsets_PointAtOperatorsAndNames()
    {
        var errors = new List<RuleError>();
        var text = "count(s) >= 2";
        var syntax = (BinarySyntax)Parser.Parse(text, new ErrorSink(text, new SourceLocation("f", 1, 1), errors))!;

        Assert.Equal(9, syntax.Offset);
        Assert.Equal(0, ((CallSyntax)syntax.Left).Offset);
        Assert.Equal(6, ((NameSyntax)((CallSyntax)syntax.Left).Arguments[0]).Offset);
        Assert.Equal(12, syntax.Right.Offset);
        Assert.Equal(2.ToString(CultureInfo.InvariantCulture), ((LiteralSyntax)syntax.Right).Value.ToJson());
    }
}
