using Cep.Rules.Diagnostics;

namespace Cep.Rules.Expressions;

/// <summary>
/// A failure while evaluating a compiled expression (for example a regular expression that timed out).
/// The engine reports it with the rule, the step and the event, and carries on with the next event.
/// </summary>
public sealed class ExpressionException : Exception
{
    public ExpressionException(string message, SourceLocation location, string expressionText, Exception? innerException = null)
        : base($"{location}: {message} in '{expressionText}'", innerException)
    {
        Location = location;
        ExpressionText = expressionText;
    }

    public ExpressionException()
        : this("expression failed", default, string.Empty)
    {
    }

    public ExpressionException(string message)
        : this(message, default, string.Empty)
    {
    }

    public ExpressionException(string message, Exception innerException)
        : this(message, default, string.Empty, innerException)
    {
    }

    /// <summary>Where in the rule file the failing part of the expression is.</summary>
    public SourceLocation Location { get; }

    /// <summary>The whole expression as written.</summary>
    public string ExpressionText { get; }
}
