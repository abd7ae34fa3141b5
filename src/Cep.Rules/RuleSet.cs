using Cep.Rules.Diagnostics;

namespace Cep.Rules;

/// <summary>What loading rule files gives: the rules that compiled, and every error of every file.</summary>
public sealed class RuleSet
{
    internal RuleSet(IReadOnlyList<CompiledRule> rules, IReadOnlyList<RuleError> errors)
    {
        Rules = rules;
        Errors = errors;
    }

    /// <summary>Rules without errors. When <see cref="Errors"/> is not empty, nothing should run.</summary>
    public IReadOnlyList<CompiledRule> Rules { get; }

    /// <summary>Every error found, file by file (in load order), each file's in line and column order.</summary>
    public IReadOnlyList<RuleError> Errors { get; }

    public bool HasErrors => Errors.Count > 0;

    /// <summary>The rules, or a <see cref="RuleException"/> carrying every error.</summary>
    public IReadOnlyList<CompiledRule> ThrowIfErrors() => HasErrors ? throw new RuleException(Errors) : Rules;
}
