using System.Diagnostics;
using System.Text;
using Cep.Rules.Diagnostics;
using Cep.Rules.Yaml;
using static Cep.Rules.Tests.RuleText;

namespace Cep.Rules.Tests.Yaml;

public sealed class SafeYamlReaderTests
{
    private const string ValidRule = "rule: r\npattern:\n  - begin: a\n";

    [Theory]
    [InlineData("rule: !!python/object/apply:os.system ['rm -rf /']\npattern:\n  - begin: a\n", 1, 7)]
    [InlineData("rule: r\npattern: !foo\n  - begin: a\n", 2, 10)]
    [InlineData("rule: !!str r\npattern:\n  - begin: a\n", 1, 7)]
    [InlineData("rule: ! r\npattern:\n  - begin: a\n", 1, 7)]
    [InlineData("%TAG !e! tag:example.com,2000:\n---\nrule: !e!x r\npattern:\n  - begin: a\n", 3, 7)]
    public void Read_AnyTag_IsRefused(string yaml, int line, int column)
    {
        var (_, errors) = Bind(yaml);

        AssertError(Assert.Single(errors), ErrorCodes.TagNotAllowed, line, column);
    }

    [Fact]
    public void Read_AnchorAndAlias_AreRefused()
    {
        var (_, errors) = Bind("""
            rule: r
            pattern:
              - begin: a
                where: &cond type == 'x'
              - next: b
                where: *cond
            """);

        Assert.Equal(2, errors.Count);
        AssertError(errors[0], ErrorCodes.AliasNotAllowed, 4, 12);
        AssertError(errors[1], ErrorCodes.AliasNotAllowed, 6, 12);
    }

    [Fact]
    public void Read_BillionLaughs_IsRefusedFast()
    {
        var yaml = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 1; i < 10; i++)
        {
            var prev = (char)('a' + i - 1);
            var name = (char)('a' + i);
            yaml.Append($"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n");
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();

        var (rules, errors) = Bind(yaml.ToString());

        watch.Stop();
        Assert.True(watch.ElapsedMilliseconds < 750, $"took {watch.ElapsedMilliseconds} ms");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000, "allocated more than 10 MB");
        Assert.Empty(rules);
        Assert.Contains(errors, e => e.Code == ErrorCodes.AliasNotAllowed && e.Line == 1 && e.Column == 4);
        Assert.Equal(91, errors.Count(e => e.Code == ErrorCodes.AliasNotAllowed)); // 10 anchors, 81 aliases: none expanded
    }

    [Theory]
    [InlineData('[', ']')]
    [InlineData('{', '}')]
    public void Read_HundredThousandDeepNesting_IsRefusedFast(char open, char close)
    {
        var yaml = "rule: " + new string(open, 100_000) + new string(close, 100_000) + "\n";
        var watch = Stopwatch.StartNew();

        var (rules, errors) = Bind(yaml);

        watch.Stop();
        Assert.True(watch.ElapsedMilliseconds < 750, $"took {watch.ElapsedMilliseconds} ms");
        Assert.Empty(rules);
        AssertError(Assert.Single(errors), ErrorCodes.NestingTooDeep, 1, 7 + SafeYamlReader.MaxDepth - 1);
    }

    [Fact]
    public void Read_DeepBlockNesting_IsRefused()
    {
        var yaml = new StringBuilder("rule: r\npattern:\n");
        for (var i = 0; i < 70; i++)
        {
            yaml.Append(' ', i + 1).Append("k:\n");
        }

        var (_, errors) = Bind(yaml.ToString());

        Assert.Equal(ErrorCodes.NestingTooDeep, Assert.Single(errors).Code);
    }

    [Fact]
    public void Read_FiveMegabyteFile_IsRefusedFast()
    {
        var yaml = ValidRule + "description: " + new string('x', 5 * 1024 * 1024) + "\n";
        var watch = Stopwatch.StartNew();

        var (rules, errors) = Bind(yaml);

        watch.Stop();
        Assert.True(watch.ElapsedMilliseconds < 750, $"took {watch.ElapsedMilliseconds} ms");
        Assert.Empty(rules);
        AssertError(Assert.Single(errors), ErrorCodes.FileTooLarge, 1, 1);
    }

    [Fact]
    public void Read_FileJustUnderTheLimit_IsRead()
    {
        var padding = SafeYamlReader.MaxBytes - ValidRule.Length - "description: \n".Length;
        var (rules, errors) = Bind(ValidRule + "description: " + new string('x', padding) + "\n");

        Assert.Empty(errors);
        Assert.Single(rules);
    }

    [Fact]
    public void Read_TwoDocuments_IsAnError() =>
        SingleError(ValidRule + "---\n" + ValidRule, ErrorCodes.DocumentCount, 4, 1);

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    public void Read_EmptyFile_IsAnError(string yaml) =>
        SingleError(yaml, ErrorCodes.DocumentCount, 1, 1);

    [Fact]
    public void Read_MalformedYaml_IsASyntaxErrorWithItsPlace()
    {
        var error = SingleError("rule: r\npattern: a: b\n", ErrorCodes.YamlSyntax, 2, 11);

        Assert.DoesNotContain("Line:", error.Message);
    }

    [Fact]
    public void Read_UnclosedFlowList_IsASyntaxError()
    {
        var (_, errors) = Bind("rule: r\npattern: [1, 2\nwithin: 3s\n");

        Assert.Equal(ErrorCodes.YamlSyntax, Assert.Single(errors).Code);
    }

    [Fact]
    public void Read_ComplexKey_IsWrongType() =>
        SingleError("? [a]\n: b\n" + ValidRule, ErrorCodes.WrongType, 1, 3);

    [Fact]
    public void Read_ManyErrors_AreCutOff()
    {
        var yaml = new StringBuilder(ValidRule);
        for (var i = 0; i < 300; i++)
        {
            yaml.Append($"k{i}: !t x\n");
        }

        var (_, errors) = Bind(yaml.ToString());

        Assert.Equal(SafeYamlReader.MaxErrors + 1, errors.Count);
        Assert.Equal(ErrorCodes.TooManyErrors, errors[^1].Code);
    }

    [Fact]
    public void Read_BlockScalar_PointsAtItsFirstLine()
    {
        var rule = Valid("rule: r\npattern:\n  - begin: a\n    where: |\n      type == 'x'\n");

        Assert.Equal(new SourceLocation(FileName, 5, 7), rule.Steps[0].Where[0].At);
    }
}
