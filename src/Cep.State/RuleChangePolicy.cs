using System.Text;

namespace Cep.State;

/// <summary>A rule as the current run defines it.</summary>
/// <param name="Name">The rule's name.</param>
/// <param name="Fingerprint">Hash of the rule's structure (steps, contiguity, quantifiers, windows, skip).</param>
/// <param name="Structure">Readable structure, one step per line, to say what changed.</param>
public sealed record CurrentRule(string Name, string Fingerprint, string Structure);

/// <summary>What to do with each saved rule when a run starts with existing state.</summary>
public enum RuleRestore
{
    /// <summary>Same structure: restore its state.</summary>
    Restore,

    /// <summary>The rule is new: it starts empty at the saved input positions.</summary>
    New,

    /// <summary><c>--reset-state</c>: its saved state is dropped and it starts empty.</summary>
    Reset,

    /// <summary>Removed from the rules, dropped with <c>--drop-removed-rules</c>.</summary>
    Drop,
}

/// <summary>The outcome: a decision per rule, notes for standard error, and the refusals (exit 2 when any).</summary>
public sealed record RuleChangePlan(
    IReadOnlyDictionary<string, RuleRestore> Decisions,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> Refusals)
{
    public bool Refused => Refusals.Count > 0;

    /// <summary>Rules whose saved state must be removed in the first checkpoint.</summary>
    public IEnumerable<string> ToDrop => Decisions.Where(d => d.Value is RuleRestore.Reset or RuleRestore.Drop).Select(d => d.Key).Order(StringComparer.Ordinal);
}

/// <summary>
/// The rule-change policy: an unchanged rule restores, and so does one whose conditions changed but whose steps
/// did not (the fingerprint covers structure only). A rule whose steps changed, or that was removed, is refused
/// with a message naming it and what changed unless <c>--reset-state RULE</c> or <c>--drop-removed-rules</c>
/// says what to do. State is never dropped silently.
/// </summary>
public static class RuleChangePolicy
{
    public static RuleChangePlan Decide(
        IReadOnlyDictionary<string, SavedRule> saved,
        IReadOnlyList<CurrentRule> current,
        IReadOnlyCollection<string> resetRules,
        bool dropRemovedRules)
    {
        ArgumentNullException.ThrowIfNull(saved);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(resetRules);
        var decisions = new Dictionary<string, RuleRestore>(StringComparer.Ordinal);
        var notes = new List<string>();
        var refusals = new List<string>();
        var currentNames = current.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in resetRules.Order(StringComparer.Ordinal))
        {
            if (!currentNames.Contains(name) && !saved.ContainsKey(name))
            {
                refusals.Add($"--reset-state {name}: no rule named '{name}' in the rules or the state file");
            }
        }

        foreach (var rule in current)
        {
            var reset = resetRules.Contains(rule.Name);
            if (!saved.TryGetValue(rule.Name, out var old))
            {
                decisions[rule.Name] = RuleRestore.New;
                notes.Add($"rule '{rule.Name}' is new: it starts with empty state at the saved input positions");
            }
            else if (reset)
            {
                decisions[rule.Name] = RuleRestore.Reset;
                notes.Add($"rule '{rule.Name}': saved state reset as asked ({old.KeyCount} key(s) dropped)");
            }
            else if (string.Equals(old.Fingerprint, rule.Fingerprint, StringComparison.Ordinal))
            {
                decisions[rule.Name] = RuleRestore.Restore;
            }
            else
            {
                refusals.Add(
                    $"rule '{rule.Name}': its steps changed since the state was saved ({DescribeChange(old.Structure, rule.Structure)}); "
                    + $"its saved partial matches cannot be restored. Pass --reset-state {rule.Name} to start it empty");
            }
        }

        foreach (var old in saved.Values.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            if (currentNames.Contains(old.Name))
            {
                continue;
            }

            if (dropRemovedRules || resetRules.Contains(old.Name))
            {
                decisions[old.Name] = RuleRestore.Drop;
                notes.Add($"rule '{old.Name}' was removed: its saved state ({old.KeyCount} key(s)) is dropped as asked");
            }
            else
            {
                refusals.Add(
                    $"rule '{old.Name}' has saved state ({old.KeyCount} key(s)) but is no longer among the rules; "
                    + "pass --drop-removed-rules to drop its state, or add the rule back");
            }
        }

        return new RuleChangePlan(decisions, notes, refusals);
    }

    /// <summary>Names the first differing step line, or the added or removed steps.</summary>
    internal static string DescribeChange(string saved, string current)
    {
        var before = Lines(saved);
        var after = Lines(current);
        if (before.Length == 0 || after.Length == 0)
        {
            return "its structure fingerprint differs";
        }

        var common = Math.Min(before.Length, after.Length);
        for (var i = 0; i < common; i++)
        {
            if (!string.Equals(before[i], after[i], StringComparison.Ordinal))
            {
                return $"step {i + 1} was '{before[i]}', now '{after[i]}'";
            }
        }

        var text = new StringBuilder();
        if (after.Length > before.Length)
        {
            text.Append($"step(s) added: '{string.Join("', '", after[common..])}'");
        }
        else if (before.Length > after.Length)
        {
            text.Append($"step(s) removed: '{string.Join("', '", before[common..])}'");
        }
        else
        {
            text.Append("its structure fingerprint differs");
        }

        return text.ToString();
    }

    private static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
