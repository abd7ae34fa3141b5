using System.Globalization;
using System.Text;
using Cep.Nfa;

namespace Cep.Runner.Checkpointing;

/// <summary>
/// A readable form of what the structure fingerprint covers — one line for the pattern, one per step — saved
/// next to the fingerprint so a refusal can say which step changed.
/// </summary>
internal static class RuleStructure
{
    public static string Describe<T>(CompiledPattern<T> pattern)
    {
        var spec = pattern.Spec;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"pattern: within {Ms(spec.WithinMs)}, after match {spec.AfterMatch}{(spec.AnyOrder ? ", any order" : "")}\n");
        foreach (var step in spec.Steps)
        {
            text.Append(CultureInfo.InvariantCulture, $"{step.Name}: {step.Contiguity}");
            if (step.MinTimes != 1 || step.MaxTimes != 1)
            {
                var max = step.IsLooping ? "*" : step.MaxTimes.ToString(CultureInfo.InvariantCulture);
                text.Append(CultureInfo.InvariantCulture, $" times {step.MinTimes}..{max} ({step.InnerContiguity})");
            }

            if (step.Optional)
            {
                text.Append(" optional");
            }

            if (step.Greedy)
            {
                text.Append(" greedy");
            }

            if (step.UntilText is not null || step.Until is not null)
            {
                text.Append(" until");
            }

            if (step.WithinMs is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $" within {Ms(step.WithinMs)}");
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private static string Ms(long? ms) => ms is { } v ? v.ToString(CultureInfo.InvariantCulture) + "ms" : "none";
}
