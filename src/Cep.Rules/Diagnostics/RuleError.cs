namespace Cep.Rules.Diagnostics;

/// <summary>A place in a rule file: 1-based line and column.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    /// <summary>The location <paramref name="columns"/> characters further on the same line.</summary>
    public SourceLocation Offset(int columns) => this with { Column = Column + columns };

    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>
/// The one located error type for rules (STYLE 11): file, line, column, a code and a message.
/// Codes: CEP00xx reading YAML and rule structure, CEP01xx expressions, CEP02xx cross-rule checks.
/// </summary>
public sealed record RuleError(SourceLocation Location, string Code, string Message)
{
    public string File => Location.File;

    public int Line => Location.Line;

    public int Column => Location.Column;

    /// <summary>Compiler style: <c>FILE:LINE:COL: error CEPnnnn: MESSAGE</c>.</summary>
    public override string ToString() => $"{Location}: error {Code}: {Message}";
}

/// <summary>Thrown when rules cannot be loaded; carries every error found, not only the first.</summary>
public sealed class RuleException : Exception
{
    public RuleException(IReadOnlyList<RuleError> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    public RuleException()
        : this([])
    {
    }

    public RuleException(string message)
        : base(message)
    {
        Errors = [];
    }

    public RuleException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    public IReadOnlyList<RuleError> Errors { get; }
}
