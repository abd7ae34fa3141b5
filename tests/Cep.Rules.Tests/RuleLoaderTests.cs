using System.Diagnostics;
using Cep.Rules.Diagnostics;
using Cep.Rules.Events;

namespace Cep.Rules.Tests;

public sealed class RuleLoaderTests : IDisposable
{

    private readonly string _folder = Directory.CreateTempSubdirectory("cep-rules-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The repository's rules/ folder, found upwards from the test binaries.</summary>
    internal static string RulesFolder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "rules");
                if (File.Exists(Path.Combine(dir.FullName, "Cep.sln")) && Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
            throw new InvalidOperationException("rules/ not found above " + AppContext.BaseDirectory);
        }
    }

    [Fact]
    public void Load_SampleRules_AllLoadWithoutErrors()
    {
        var set = RuleLoader.Load([RulesFolder], new FieldTable());

        Assert.True(set.Errors.Count == 0, string.Join(Environment.NewLine, set.Errors));
        Assert.Equal(
            ["card-fraud", "high-water", "login-failures", "order-timeout", "payment-reconciliation", "shipment-not-delivered", "water-level-jump", "water-level-rising"],
            set.Rules.Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_Folder_ReadsYamlAndYmlRecursivelyInOrderSkippingRuleTests()
    {
        Write("b.yaml", Rule("b"));
        Write("a.yml", Rule("a"));
        Write("sub/c.yaml", Rule("c"));
        Write("notes.txt", "not a rule");
        Write(".hidden/d.yaml", "this: is not read");
        Write("b.test.yaml", "rules: b.yaml\ncases: []\n");
        Write("sub/c.test.yml", "rules: c.yaml\ncases: []\n");

        var set = RuleLoader.Load([_folder], new FieldTable());

        Assert.Empty(set.Errors);
        Assert.Equal(["a", "b", "c"], set.Rules.Select(r => r.Name));
    }

    [Fact]
    public void Load_FileNamedDirectly_IsReadWhateverItsExtension()
    {
        var file = Write("rule.txt", Rule("r"));

        var set = RuleLoader.Load([file], new FieldTable());

        Assert.Equal("r", Assert.Single(set.Rules).Name);
    }

    [Fact]
    public void Load_SameFileTwice_ReadsItOnce()
    {
        var file = Write("r.yaml", Rule("r"));

        var set = RuleLoader.Load([file, _folder], new FieldTable());

        Assert.Empty(set.Errors);
        Assert.Single(set.Rules);
    }

    [Fact]
    public void Load_MissingPath_IsAnError()
    {
        var missing = Path.Combine(_folder, "nope.yaml");

        var set = RuleLoader.Load([missing], new FieldTable());

        var error = Assert.Single(set.Errors);
        Assert.Equal((ErrorCodes.FileNotFound, missing, 1, 1), (error.Code, error.File, error.Line, error.Column));
    }

    [Fact]
    public void Load_EmptyFolder_IsAnError()
    {
        var set = RuleLoader.Load([_folder], new FieldTable());

        Assert.Equal(ErrorCodes.NoRuleFiles, Assert.Single(set.Errors).Code);
    }

    [Fact]
    public void Load_DuplicateRuleNameAcrossFiles_IsAnErrorAtTheSecond()
    {
        var first = Write("a.yaml", Rule("same"));
        var second = Write("b.yaml", "description: again\n" + Rule("same"));

        var set = RuleLoader.Load([_folder], new FieldTable());

        var error = Assert.Single(set.Errors);
        Assert.Equal((ErrorCodes.DuplicateRule, second, 2, 7), (error.Code, error.File, error.Line, error.Column));
        Assert.Contains($"{first}:1:7", error.Message);
        Assert.Equal("same", Assert.Single(set.Rules).Name);
    }

    [Fact]
    public void LoadText_DuplicateRuleNameInOneFile_IsAnErrorAtTheSecond()
    {
        var set = RuleLoader.LoadText("rules:\n  - rule: a\n    pattern:\n      - begin: x\n  - rule: a\n    pattern:\n      - begin: y\n", "f.yaml", new FieldTable());

        Assert.Equal("f.yaml:5:11: error CEP0201: rule name 'a' is already used at f.yaml:2:11; rule names are unique across all loaded files",
            Assert.Single(set.Errors).ToString());
    }

    [Theory]
    [InlineData("rules: []\n", ErrorCodes.InvalidValue, 1, 8)]
    [InlineData("rules: a.yaml\n", ErrorCodes.WrongType, 1, 8)]
    [InlineData("rules:\n  - just text\n", ErrorCodes.WrongType, 2, 5)]
    public void LoadText_BadRulesList_IsAnError(string yaml, string code, int line, int column)
    {
        var error = Assert.Single(RuleLoader.LoadText(yaml, "f.yaml", new FieldTable()).Errors);

        Assert.Equal((code, line, column), (error.Code, error.Line, error.Column));
    }

    [Fact]
    public void Load_ErrorsInSeveralFiles_AreAllReportedFileByFileInLineOrder()
    {
        var a = Write("a.yaml", "rule: a\npattern:\n  - begin: x\n    where: x >\nwithin: 5\n");
        var b = Write("b.yaml", "rule: b\npatern:\n  - begin: x\n");

        var set = RuleLoader.Load([_folder], new FieldTable());

        Assert.Equal(
            [(a, 4, 15, "CEP0101"), (a, 5, 9, ErrorCodes.InvalidDuration), (b, 1, 1, ErrorCodes.MissingKey), (b, 2, 1, ErrorCodes.UnknownKey)],
            set.Errors.Select(e => (e.File, e.Line, e.Column, e.Code)));
        Assert.Empty(set.Rules);
        Assert.Matches(@"^.*a\.yaml:5:9: error CEP0016: 'within': '5' has no unit", set.Errors[1].ToString());
        Assert.Contains("did you mean 'pattern'?", set.Errors[3].Message);
    }

    [Fact]
    public void Load_HugeFile_IsRefusedBeforeReading()
    {
        var file = Path.Combine(_folder, "huge.yaml");
        using (var stream = File.Create(file))
        {
            stream.SetLength(50L * 1024 * 1024);
        }
        var watch = Stopwatch.StartNew();

        var set = RuleLoader.Load([file], new FieldTable());

        Assert.True(watch.ElapsedMilliseconds < 500, $"took {watch.ElapsedMilliseconds} ms");
        Assert.Equal(ErrorCodes.FileTooLarge, Assert.Single(set.Errors).Code);
    }

    [Fact]
    public void LoadText_NamesTheFileInErrors()
    {
        var set = RuleLoader.LoadText("rule: r\n", "inline.yaml", new FieldTable());

        Assert.Equal("inline.yaml:1:1: error CEP0012: a rule needs 'pattern:'", Assert.Single(set.Errors).ToString());
    }

    [Fact]
    public void ThrowIfErrors_WithErrors_ThrowsWithEveryError()
    {
        var set = RuleLoader.LoadText("rule: r\nwithin: x\n", "f.yaml", new FieldTable());

        var exception = Assert.Throws<RuleException>(() => set.ThrowIfErrors());

        Assert.Equal(2, exception.Errors.Count);
    }

    private static string Rule(string name) => $"rule: {name}\npattern:\n  - begin: a\n    where: x > 1\n";

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
