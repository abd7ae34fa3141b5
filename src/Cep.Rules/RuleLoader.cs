using Cep.Rules.Compilation;
using Cep.Rules.Diagnostics;
using Cep.Rules.Events;
using Cep.Rules.Model;
using Cep.Rules.Yaml;

namespace Cep.Rules;

/// <summary>
/// Loads rule files (docs/rules.md): reads each strictly, compiles every rule, and collects every error of
/// every file (including rule names used twice across files) instead of stopping at the first.
/// </summary>
public static class RuleLoader
{
    /// <summary>
    /// Loads files and folders. A folder contributes its <c>*.yaml</c> and <c>*.yml</c> files, recursively, in
    /// ordinal order of their paths (rule tests, <c>*.test.yaml</c>, and hidden files and folders, whose names
    /// start with '.', are skipped);
    /// a file named directly is read whatever its extension. A path that does not exist is an error.
    /// </summary>
    public static RuleSet Load(IEnumerable<string> paths, FieldTable fields)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(fields);
        var errors = new List<RuleError>();
        var files = new List<(string File, string? Text)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            foreach (var file in Expand(path, errors))
            {
                if (seen.Add(Path.GetFullPath(file)))
                {
                    files.Add((file, ReadFile(file, errors)));
                }
            }
        }
        return Compile(files, fields, errors);
    }

    /// <summary>Loads one file's text; <paramref name="fileName"/> is what errors name.</summary>
    public static RuleSet LoadText(string yaml, string fileName, FieldTable fields)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(fields);
        return Compile([(fileName, yaml)], fields, []);
    }

    private static RuleSet Compile(List<(string File, string? Text)> files, FieldTable fields, List<RuleError> errors)
    {
        var rules = new List<CompiledRule>();
        var firstByName = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var (file, text) in files)
        {
            if (text is null)
            {
                continue;
            }
            foreach (var bound in RuleFileReader.Read(text, file, errors))
            {
                var definition = bound.Definition;
                var duplicate = false;
                if (definition.Name.Value.Length > 0)
                {
                    if (firstByName.TryGetValue(definition.Name.Value, out var first))
                    {
                        duplicate = true;
                        errors.Add(new RuleError(definition.Name.At, ErrorCodes.DuplicateRule,
                            $"rule name '{definition.Name.Value}' is already used at {first}; rule names are unique across all loaded files"));
                    }
                    else
                    {
                        firstByName.Add(definition.Name.Value, definition.Name.At);
                    }
                }
                if (!bound.PatternClean)
                {
                    continue;
                }
                var compiled = RuleCompiler.Compile(definition, fields, errors, structureValid: !bound.HasErrors && !duplicate);
                if (compiled is not null)
                {
                    rules.Add(compiled);
                }
            }
        }
        return new RuleSet(rules, Sorted(errors, files));
    }

    /// <summary>Errors file by file in load order, each file's by line and column; the order found breaks ties.</summary>
    private static RuleError[] Sorted(List<RuleError> errors, List<(string File, string? Text)> files)
    {
        if (errors.Count == 0)
        {
            // The usual case, and the sort's generic code over value tuples is JIT-compiled on first use (~2 ms).
            return [];
        }
        var fileOrder = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (file, _) in files)
        {
            fileOrder.TryAdd(file, fileOrder.Count);
        }
        return [.. errors
            .Select((error, index) => (error, index))
            .OrderBy(x => fileOrder.TryGetValue(x.error.File, out var order) ? order : -1)
            .ThenBy(x => x.error.Line)
            .ThenBy(x => x.error.Column)
            .ThenBy(x => x.index)
            .Select(x => x.error)];
    }

    private static List<string> Expand(string path, List<RuleError> errors)
    {
        if (File.Exists(path))
        {
            return [path];
        }
        if (Directory.Exists(path))
        {
            var found = Directory
                .EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
                .Where(IsRuleFileName)
                .Where(f => !IsHidden(Path.GetRelativePath(path, f)))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (found.Count == 0)
            {
                errors.Add(new RuleError(new SourceLocation(path, 1, 1), ErrorCodes.NoRuleFiles, "the folder holds no *.yaml or *.yml rule file"));
            }
            return found;
        }
        errors.Add(new RuleError(new SourceLocation(path, 1, 1), ErrorCodes.FileNotFound, "no such file or folder"));
        return [];
    }

    /// <summary>
    /// <c>*.yaml</c> and <c>*.yml</c>, except rule tests (<c>*.test.yaml</c>, <c>*.test.yml</c>), which live beside
    /// the rules they test and are read by <c>cep test</c>, not as rules.
    /// </summary>
    internal static bool IsRuleFileName(string path) =>
        (path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
        && !path.EndsWith(".test.yaml", StringComparison.OrdinalIgnoreCase)
        && !path.EndsWith(".test.yml", StringComparison.OrdinalIgnoreCase);

    private static bool IsHidden(string relativePath) =>
        relativePath.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(part => part.StartsWith('.'));

    private static string? ReadFile(string file, List<RuleError> errors)
    {
        try
        {
            var length = new FileInfo(file).Length;
            if (length > SafeYamlReader.MaxBytes)
            {
                // Refused before reading: a huge file costs neither time nor memory.
                errors.Add(new RuleError(new SourceLocation(file, 1, 1), ErrorCodes.FileTooLarge,
                    $"the file is {length} bytes; a rule file may hold at most {SafeYamlReader.MaxBytes} bytes (1 MiB)"));
                return null;
            }
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new RuleError(new SourceLocation(file, 1, 1), ErrorCodes.FileNotFound, $"cannot read the file: {e.Message}"));
            return null;
        }
    }
}
