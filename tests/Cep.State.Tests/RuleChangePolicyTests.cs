namespace Cep.State.Tests;

public sealed class RuleChangePolicyTests
{
    private static readonly Dictionary<string, SavedRule> Saved = new()
    {
        ["orders"] = new SavedRule("orders", "fp-orders", "create: begin\npay: followedBy within 15m", ReadOnlyMemory<byte>.Empty, 12),
        ["logins"] = new SavedRule("logins", "fp-logins", "fail: begin times 3", ReadOnlyMemory<byte>.Empty, 4),
    };

    [Fact]
    public void Decide_SameFingerprints_RestoresEveryRule()
    {
        var plan = RuleChangePolicy.Decide(Saved, [Current("orders"), Current("logins")], [], dropRemovedRules: false);
        Assert.False(plan.Refused);
        Assert.Equal(RuleRestore.Restore, plan.Decisions["orders"]);
        Assert.Equal(RuleRestore.Restore, plan.Decisions["logins"]);
        Assert.Empty(plan.Notes);
    }

    [Fact]
    public void Decide_ConditionsChangedStepsSame_Restores()
    {
        // Conditions are not part of the fingerprint: same fingerprint, other conditions.
        var plan = RuleChangePolicy.Decide(Saved, [Current("orders"), Current("logins")], [], false);
        Assert.Equal(RuleRestore.Restore, plan.Decisions["orders"]);
    }

    [Fact]
    public void Decide_StepsChanged_RefusesNamingRuleAndStep()
    {
        var changed = new CurrentRule("orders", "fp-other", "create: begin\npay: next within 15m");
        var plan = RuleChangePolicy.Decide(Saved, [changed, Current("logins")], [], false);
        Assert.True(plan.Refused);
        var message = Assert.Single(plan.Refusals);
        Assert.Contains("rule 'orders'", message);
        Assert.Contains("step 2 was 'pay: followedBy within 15m', now 'pay: next within 15m'", message);
        Assert.Contains("--reset-state orders", message);
    }

    [Fact]
    public void Decide_StepAdded_SaysWhichStep()
    {
        var changed = new CurrentRule("logins", "fp-x", "fail: begin times 3\nsuccess: next");
        var plan = RuleChangePolicy.Decide(Saved, [Current("orders"), changed], [], false);
        Assert.Contains("step(s) added: 'success: next'", Assert.Single(plan.Refusals));
    }

    [Fact]
    public void Decide_StepsChangedWithReset_ResetsIt()
    {
        var changed = new CurrentRule("orders", "fp-other", "x");
        var plan = RuleChangePolicy.Decide(Saved, [changed, Current("logins")], ["orders"], false);
        Assert.False(plan.Refused);
        Assert.Equal(RuleRestore.Reset, plan.Decisions["orders"]);
        Assert.Equal(new[] { "orders" }, plan.ToDrop);
        Assert.Contains(plan.Notes, n => n.Contains("orders") && n.Contains("12 key(s)"));
    }

    [Fact]
    public void Decide_RuleRemoved_RefusesUnlessDropRemoved()
    {
        var refused = RuleChangePolicy.Decide(Saved, [Current("orders")], [], false);
        var message = Assert.Single(refused.Refusals);
        Assert.Contains("rule 'logins'", message);
        Assert.Contains("--drop-removed-rules", message);

        var dropped = RuleChangePolicy.Decide(Saved, [Current("orders")], [], dropRemovedRules: true);
        Assert.False(dropped.Refused);
        Assert.Equal(RuleRestore.Drop, dropped.Decisions["logins"]);
        Assert.Equal(new[] { "logins" }, dropped.ToDrop);
        Assert.Contains(dropped.Notes, n => n.Contains("logins") && n.Contains("dropped"));
    }

    [Fact]
    public void Decide_NewRule_StartsEmptyWithNote()
    {
        var plan = RuleChangePolicy.Decide(Saved, [Current("orders"), Current("logins"), new CurrentRule("fresh", "f", "a")], [], false);
        Assert.False(plan.Refused);
        Assert.Equal(RuleRestore.New, plan.Decisions["fresh"]);
        Assert.Contains(plan.Notes, n => n.Contains("'fresh' is new"));
    }

    [Fact]
    public void Decide_ResetUnknownRule_Refuses()
    {
        var plan = RuleChangePolicy.Decide(Saved, [Current("orders"), Current("logins")], ["nope"], false);
        Assert.Contains("no rule named 'nope'", Assert.Single(plan.Refusals));
    }

    [Fact]
    public void Decide_SeveralProblems_ReportsAllOfThem()
    {
        var changed = new CurrentRule("orders", "fp-other", "x");
        var plan = RuleChangePolicy.Decide(Saved, [changed], [], false);
        Assert.Equal(2, plan.Refusals.Count);
    }

    private static CurrentRule Current(string name) => new(name, Saved[name].Fingerprint, Saved[name].Structure);
}
