using Cep.Rules.Diagnostics;

namespace Cep.Rules.Expressions;

/// <summary>Turns offsets in the expression text into file locations and collects errors.</summary>
internal sealed class ErrorSink(string text, SourceLocation at, List<RuleError> errors)
{
    private readonly int _before = errors.Count;

    public bool HasErrors => errors.Count > _before;

    public void Add(string code, int offset, string message) => errors.Add(new RuleError(Locate(offset), code, message));

    /// <summary>
    /// On the first line of the text, <paramref name="offset"/> columns after <c>at</c>; on later lines,
    /// the line below <c>at</c> and the column within that line of the text (1-based).
    /// </summary>
    public SourceLocation Locate(int offset)
    {
        offset = Math.Clamp(offset, 0, text.Length);
        var lineStart = 0;
        var lines = 0;
        for (var i = 0; i < offset; i++)
        {
            if (text[i] == '\n')
            {
                lines++;
                lineStart = i + 1;
            }
        }
        return lines == 0 ? at.Offset(offset) : new SourceLocation(at.File, at.Line + lines, offset - lineStart + 1);
    }
}
