using System.CommandLine;
using Cep.Rules.Events;
using Cep.Runner.Testing;
using YamlDotNet.Core;

namespace Cep.Runner.Cli;

/// <summary><c>cep test TESTS...</c>: runs rule tests (docs/testing.md) in virtual time; exit 1 when a case fails.</summary>
internal static class TestCommand
{
    public static Command Create(CliConsole console)
    {
        var tests = new Argument<string[]>("TESTS")
        {
            Description = "Rule test files (*.test.yaml) or folders of them.",
            Arity = ArgumentArity.OneOrMore,
        };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Also print the records each case produced." };
        var command = new Command("test", "Run rule tests: input events in, expected records out, on a virtual clock.") { tests, verbose };
        command.SetAction(parse =>
        {
            var files = new List<string>();
            foreach (var path in parse.GetValue(tests) ?? [])
            {
                if (Directory.Exists(path))
                {
                    files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                        .Where(f => f.EndsWith(".test.yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".test.yml", StringComparison.OrdinalIgnoreCase))
                        .Order(StringComparer.Ordinal));
                }
                else if (File.Exists(path))
                {
                    files.Add(path);
                }
                else
                {
                    console.Error.WriteLine($"error: no such test file or folder: {path}");
                    return ExitCodes.Usage;
                }
            }
            if (files.Count == 0)
            {
                console.Error.WriteLine("error: no *.test.yaml or *.test.yml files found");
                return ExitCodes.Usage;
            }
            int passed = 0, failed = 0;
            var broken = false;
            foreach (var file in files)
            {
                RuleTestFile test;
                try
                {
                    test = RuleTestFile.Load(file);
                }
                catch (TestFileException e)
                {
                    console.Error.WriteLine($"{file}:{e.Line}:{e.Column}: error: {e.Message}");
                    broken = true;
                    continue;
                }
                catch (YamlException e)
                {
                    console.Error.WriteLine($"{file}:{e.Start.Line}:{e.Start.Column}: error: {e.Message}");
                    broken = true;
                    continue;
                }
                catch (IOException e)
                {
                    console.Error.WriteLine($"{file}: error: {e.Message}");
                    broken = true;
                    continue;
                }
                var fields = new FieldTable();
                if (!RuleFiles.TryLoad(test.RulePaths, fields, console.Error, out var rules))
                {
                    broken = true;
                    continue;
                }
                var label = Path.GetFileName(file);
                foreach (var testCase in test.Cases)
                {
                    var result = RuleTestRunner.RunCase(testCase, rules.Rules, fields, file);
                    if (result.Passed)
                    {
                        passed++;
                        console.Out.WriteLine($"PASS {label}: {result.Name}");
                    }
                    else
                    {
                        failed++;
                        console.Out.WriteLine($"FAIL {label}: {result.Name}  ({file}:{testCase.Line})");
                        foreach (var problem in result.Problems)
                        {
                            console.Out.WriteLine("  " + problem);
                        }
                    }
                    if (parse.GetValue(verbose))
                    {
                        foreach (var record in result.Records)
                        {
                            console.Out.WriteLine("    " + RecordMatcher.Summarize(record));
                        }
                    }
                }
            }
            console.Out.WriteLine($"{passed} passed, {failed} failed");
            if (broken)
            {
                return ExitCodes.Usage;
            }
            return failed == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }
}
