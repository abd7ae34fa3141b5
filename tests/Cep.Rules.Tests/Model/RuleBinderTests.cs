using Cep.Nfa;
using Cep.Rules.Diagnostics;
using Cep.Rules.Model;
using static Cep.Rules.Tests.RuleText;

namespace Cep.Rules.Tests.Model;

public sealed class RuleBinderTests
{
    [Fact]
    public void Bind_EveryRuleKey_ReadsEachValue()
    {
        var rule = Valid("""
            rule: order-timeout
            description: An order created but not paid within 15 minutes.
            from: [orders, payments]
            key: userId
            time:
              field: ts
              unit: s
              outOfOrderness: 2s
              idleness: 30s
            order: sequence
            pattern:
              - begin: create
                where: type == 'create'
              - followedBy: pay
                where:
                  - type == 'pay'
                  - "orderId == create.orderId"
            within: 15m
            afterMatch: skipPastLastEvent
            onTimeout: order-timeouts
            onLate: late-events
            emit:
              orderId: create.orderId
              waitedMs: pay.$ts - create.$ts
            """);

        Assert.Equal("order-timeout", rule.Name.Value);
        Assert.Equal(new SourceLocation(FileName, 1, 7), rule.Name.At);
        Assert.Equal("An order created but not paid within 15 minutes.", rule.Description);
        Assert.Equal(["orders", "payments"], rule.From!.Select(f => f.Value));
        Assert.Equal(KeyKind.Single, rule.Key!.Kind);
        Assert.Equal("userId", rule.Key.Paths[0].Value);
        Assert.Equal("ts", rule.Time!.Field.Value);
        Assert.Equal(TimeUnit.Seconds, rule.Time.Unit);
        Assert.Equal(2_000, rule.Time.OutOfOrdernessMs);
        Assert.Equal(30_000, rule.Time.IdlenessMs);
        Assert.False(rule.AnyOrder);
        Assert.Equal(2, rule.Steps.Count);
        Assert.Equal(900_000, rule.WithinMs);
        Assert.Equal(AfterMatchSkip.SkipPastLastEvent, rule.AfterMatch);
        Assert.Equal("order-timeouts", rule.OnTimeout);
        Assert.Equal("late-events", rule.OnLate);
        Assert.Equal(["orderId", "waitedMs"], rule.Emit.Select(e => e.Name.Value));
        Assert.Equal("pay.$ts - create.$ts", rule.Emit[1].Value.Text);
        Assert.Equal(new SourceLocation(FileName, 24, 13), rule.Emit[1].Value.At);

        var pay = rule.Steps[1];
        Assert.Equal(Contiguity.Relaxed, pay.Contiguity);
        Assert.Equal(["type == 'pay'", "orderId == create.orderId"], pay.Where.Select(w => w.Text));
        Assert.Equal(new SourceLocation(FileName, 16, 9), pay.Where[0].At);
        Assert.Equal(new SourceLocation(FileName, 17, 10), pay.Where[1].At); // after the opening quote
    }

    [Fact]
    public void Bind_RulesList_ReadsEveryRule()
    {
        var (rules, errors) = Bind("""
            rules:
              - rule: a
                pattern:
                  - begin: x
              - rule: b
                pattern:
                  - begin: y
            """);

        Assert.Empty(errors);
        Assert.Equal(["a", "b"], rules.Select(r => r.Definition.Name.Value));
        Assert.Equal(new SourceLocation(FileName, 5, 5), rules[1].Definition.Location);
    }

    [Fact]
    public void Bind_EveryStepKindAndQuantifier_SetsTheStep()
    {
        var rule = Valid("""
            rule: steps
            pattern:
              - begin: a
                times: 3
              - next: b
                times: [2, 4]
                consecutive: true
                optional: true
              - followedBy: c
                oneOrMore: true
                greedy: true
                until: c.v > 10
              - followedByAny: d
                timesOrMore: 2
                allowCombinations: true
              - notNext: e
                from: s1
              - followedBy: f
                within: 250ms
                from: [s1, s2]
              - notFollowedBy: g
            within: 1h
            """);

        var s = rule.Steps;
        Assert.Equal([Contiguity.Begin, Contiguity.Strict, Contiguity.Relaxed, Contiguity.NonDeterministic, Contiguity.NotNext, Contiguity.Relaxed, Contiguity.NotFollowedBy],
            s.Select(x => x.Contiguity));
        Assert.Equal((3, 3), (s[0].MinTimes, s[0].MaxTimes));
        Assert.Equal((2, 4, Contiguity.Strict, true), (s[1].MinTimes, s[1].MaxTimes, s[1].InnerContiguity, s[1].Optional));
        Assert.Equal((1, int.MaxValue, true), (s[2].MinTimes, s[2].MaxTimes, s[2].Greedy));
        Assert.Equal("c.v > 10", Assert.Single(s[2].Until).Text);
        Assert.Equal((2, int.MaxValue, Contiguity.NonDeterministic, false), (s[3].MinTimes, s[3].MaxTimes, s[3].InnerContiguity, s[3].Optional));
        Assert.Equal(["s1"], s[4].From!.Select(f => f.Value));
        Assert.Equal(250, s[5].WithinMs);
        Assert.Equal(["s1", "s2"], s[5].From!.Select(f => f.Value));
        Assert.Equal(Contiguity.Relaxed, s[0].InnerContiguity);
    }

    [Fact]
    public void Bind_OneOrMoreFalse_LeavesTheStepSingle()
    {
        var rule = Valid("""
            rule: r
            pattern:
              - begin: a
                oneOrMore: false
            """);

        Assert.Equal((1, 1), (rule.Steps[0].MinTimes, rule.Steps[0].MaxTimes));
    }

    [Theory]
    [InlineData("noSkip", SkipKind.NoSkip, null)]
    [InlineData("skipToNext", SkipKind.SkipToNext, null)]
    [InlineData("skipPastLastEvent", SkipKind.SkipPastLastEvent, null)]
    [InlineData("{skipToFirst: b}", SkipKind.SkipToFirst, "b")]
    [InlineData("{skipToLast: a}", SkipKind.SkipToLast, "a")]
    public void Bind_AfterMatch_ReadsEveryStrategy(string text, SkipKind kind, string? step)
    {
        var rule = Valid($"""
            rule: r
            pattern:
              - begin: a
              - next: b
            afterMatch: {text}
            """);

        Assert.Equal(new AfterMatchSkip(kind, step), rule.AfterMatch);
    }

    [Fact]
    public void Bind_KeyForms_ReadSinglCompositeAndPerStream()
    {
        Assert.Equal(["a", "b.c"], Valid("rule: r\nkey: [a, b.c]\npattern:\n  - begin: x\n").Key!.Paths.Select(p => p.Value));
        Assert.Equal(KeyKind.Composite, Valid("rule: r\nkey: [a, b]\npattern:\n  - begin: x\n").Key!.Kind);
        Assert.Equal("$stream", Valid("rule: r\nkey: $stream\npattern:\n  - begin: x\n").Key!.Paths[0].Value);

        var perStream = Valid("""
            rule: r
            from: [app, thirdparty]
            key:
              app: orderId
              thirdparty: order.id
            pattern:
              - begin: x
            """).Key!;
        Assert.Equal(KeyKind.PerStream, perStream.Kind);
        Assert.Equal(["app=orderId", "thirdparty=order.id"], perStream.PerStream.Select(p => $"{p.Key}={p.Value.Value}"));
    }

    [Fact]
    public void Bind_OrderAny_SetsAnyOrder()
    {
        Assert.True(Valid("rule: r\norder: any\npattern:\n  - begin: a\n  - followedBy: b\n").AnyOrder);
    }

    [Fact]
    public void Bind_TimeDefaults_AreMillisecondsWithoutSlack()
    {
        var time = Valid("rule: r\ntime:\n  field: event.ts\npattern:\n  - begin: a\n").Time!;

        Assert.Equal(("event.ts", TimeUnit.Milliseconds, 0L, (long?)null), (time.Field.Value, time.Unit, time.OutOfOrdernessMs, time.IdlenessMs));
    }

    [Fact]
    public void Bind_ZeroOutOfOrderness_IsAllowed()
    {
        Assert.Equal(0, Valid("rule: r\ntime:\n  field: ts\n  outOfOrderness: 0s\npattern:\n  - begin: a\n").Time!.OutOfOrdernessMs);
    }

    // ---- errors: each asserts its code, line and column ----

    [Fact]
    public void Bind_MisspeltRuleKey_SuggestsTheKey()
    {
        var error = SingleError("rule: r\npattern:\n  - begin: a\nwitin: 5s\n", ErrorCodes.UnknownKey, 4, 1);

        Assert.Contains("did you mean 'within'?", error.Message);
        Assert.Equal("test.yaml:4:1: error CEP0010: unknown key 'witin' in a rule; did you mean 'within'?", error.ToString());
    }

    [Fact]
    public void Bind_UnknownKeyFarFromAny_ListsTheKeys()
    {
        var error = SingleError("rule: r\npattern:\n  - begin: a\nxyzzy: 1\n", ErrorCodes.UnknownKey, 4, 1);

        Assert.Contains("it takes rule, description, from", error.Message);
    }

    [Fact]
    public void Bind_MisspeltStepKind_ReportsTheKeyWithSuggestionAndTheMissingKind()
    {
        var (_, errors) = Bind("""
            rule: r
            pattern:
              - begin: a
              - folowedBy: b
            """);

        Assert.Equal(2, errors.Count);
        AssertError(errors[0], ErrorCodes.UnknownKey, 4, 5);
        Assert.Contains("did you mean 'followedBy'?", errors[0].Message);
        AssertError(errors[1], ErrorCodes.StepKind, 4, 5);
    }

    [Fact]
    public void Bind_DuplicateKey_IsAnErrorAtTheSecond()
    {
        var error = SingleError("rule: r\npattern:\n  - begin: a\nwithin: 5s\nwithin: 6s\n", ErrorCodes.DuplicateKey, 5, 1);

        Assert.Contains("line 4", error.Message);
    }

    [Fact]
    public void Bind_MissingRuleName_IsAnError() =>
        SingleError("pattern:\n  - begin: a\n", ErrorCodes.MissingKey, 1, 1);

    [Fact]
    public void Bind_MissingPattern_IsAnError() =>
        SingleError("rule: r\nwithin: 5s\n", ErrorCodes.MissingKey, 1, 1);

    [Fact]
    public void Bind_MissingTimeField_IsAnError() =>
        SingleError("rule: r\ntime:\n  unit: s\npattern:\n  - begin: a\n", ErrorCodes.MissingKey, 3, 3);

    [Fact]
    public void Bind_PatternNotAList_IsWrongType() =>
        SingleError("rule: r\npattern: begin\n", ErrorCodes.WrongType, 2, 10);

    [Fact]
    public void Bind_OptionalNotBoolean_IsWrongType() =>
        SingleError("rule: r\npattern:\n  - begin: a\n    optional: yes\n", ErrorCodes.WrongType, 4, 15);

    [Fact]
    public void Bind_QuotedBoolean_IsWrongType() =>
        SingleError("rule: r\npattern:\n  - begin: a\n    oneOrMore: 'true'\n", ErrorCodes.WrongType, 4, 16);

    [Fact]
    public void Bind_TimesNotANumber_IsWrongType() =>
        SingleError("rule: r\npattern:\n  - begin: a\n    times: three\n", ErrorCodes.WrongType, 4, 12);

    [Fact]
    public void Bind_TimesRangeMinAboveMax_IsInvalidQuantifier() =>
        SingleError("rule: r\npattern:\n  - begin: a\n    times: [4, 2]\n", ErrorCodes.InvalidQuantifier, 4, 12);

    [Fact]
    public void Bind_TimesZero_IsInvalidQuantifier() =>
        SingleError("rule: r\npattern:\n  - begin: a\n    times: 0\n", ErrorCodes.InvalidQuantifier, 4, 12);

    [Fact]
    public void Bind_TimesRangeOfThree_IsInvalidQuantifier() =>
        SingleError("rule: r\npattern:\n  - begin: a\n    times: [1, 2, 3]\n", ErrorCodes.InvalidQuantifier, 4, 12);

    [Fact]
    public void Bind_TwoQuantifiers_IsInvalidQuantifier() =>
        SingleError("rule: r\npattern:\n  - begin: a\n    times: 2\n    oneOrMore: true\n", ErrorCodes.InvalidQuantifier, 5, 5);

    [Fact]
    public void Bind_UnknownSkipStrategy_SuggestsOne()
    {
        var error = SingleError("rule: r\npattern:\n  - begin: a\nafterMatch: skipPastLast\n", ErrorCodes.InvalidValue, 4, 13);

        Assert.Contains("did you mean 'skipPastLastEvent'?", error.Message);
    }

    [Fact]
    public void Bind_SkipToUnknownStep_SuggestsTheStep()
    {
        var error = SingleError("rule: r\npattern:\n  - begin: create\nafterMatch:\n  skipToFirst: craete\n", ErrorCodes.UnknownSkipStep, 5, 16);

        Assert.Contains("did you mean 'create'?", error.Message);
    }

    [Fact]
    public void Bind_SkipToFirstWithoutStep_IsInvalidValue() =>
        SingleError("rule: r\npattern:\n  - begin: a\nafterMatch: skipToFirst\n", ErrorCodes.InvalidValue, 4, 13);

    [Theory]
    [InlineData("5 sec")]
    [InlineData("5")]
    [InlineData("1.5s")]
    [InlineData("-5s")]
    [InlineData("1m30s")]
    [InlineData("0s")]
    public void Bind_BadWithin_IsInvalidDuration(string text) =>
        SingleError($"rule: r\npattern:\n  - begin: a\nwithin: {text}\n", ErrorCodes.InvalidDuration, 4, 9);

    [Fact]
    public void Bind_BadStepWithin_IsInvalidDuration() =>
        SingleError("rule: r\npattern:\n  - begin: a\n  - next: b\n    within: 10x\n", ErrorCodes.InvalidDuration, 5, 13);

    [Fact]
    public void Bind_FirstStepNotBegin_IsAnError() =>
        SingleError("rule: r\npattern:\n  - next: a\n", ErrorCodes.BeginPosition, 3, 5);

    [Fact]
    public void Bind_BeginNotFirst_IsAnError() =>
        SingleError("rule: r\npattern:\n  - begin: a\n  - begin: b\n", ErrorCodes.BeginPosition, 4, 5);

    [Fact]
    public void Bind_TwoKindsInOneStep_IsAnError() =>
        SingleError("rule: r\npattern:\n  - begin: a\n    next: b\n", ErrorCodes.StepKind, 4, 5);

    [Fact]
    public void Bind_NotFollowedByLastWithoutWithin_IsAnError() =>
        SingleError("rule: r\npattern:\n  - begin: a\n  - notFollowedBy: b\n", ErrorCodes.InvalidPatternEnd, 4, 5);

    [Fact]
    public void Bind_NotFollowedByLastWithWithin_IsValid() =>
        Valid("rule: r\npattern:\n  - begin: a\n  - notFollowedBy: b\nwithin: 1m\n");

    [Fact]
    public void Bind_PatternEndingInNotNext_IsValid() =>
        Valid("rule: r\npattern:\n  - begin: a\n  - notNext: b\n");

    [Fact]
    public void Bind_DuplicateStepNames_IsAnError()
    {
        var error = SingleError("rule: r\npattern:\n  - begin: a\n  - next: a\n", ErrorCodes.DuplicateStep, 4, 11);

        Assert.Contains("line 3", error.Message);
    }

    [Theory]
    [InlineData("order timeout", 7)]
    [InlineData("'ord/er'", 7)]
    [InlineData("é", 7)]
    public void Bind_BadRuleNameChars_IsInvalidName(string name, int column) =>
        SingleError($"rule: {name}\npattern:\n  - begin: a\n", ErrorCodes.InvalidName, 1, column);

    [Theory]
    [InlineData("my-step")]
    [InlineData("1st")]
    [InlineData("and")]
    public void Bind_StepNameNotAnIdentifier_IsInvalidName(string name) =>
        SingleError($"rule: r\npattern:\n  - begin: {name}\n", ErrorCodes.InvalidName, 3, 12);

    [Fact]
    public void Bind_AnyOrderWithRepeatedStep_IsAnError() =>
        SingleError("rule: r\norder: any\npattern:\n  - begin: a\n  - followedBy: b\n    times: 2\n", ErrorCodes.AnyOrderStep, 5, 5);

    [Fact]
    public void Bind_AnyOrderWithNegatedStep_IsAnError() =>
        SingleError("rule: r\norder: any\npattern:\n  - begin: a\n  - notFollowedBy: b\n  - followedBy: c\n", ErrorCodes.AnyOrderStep, 5, 5);

    [Fact]
    public void Bind_AnyOrderWithNextStep_IsAnError() =>
        SingleError("rule: r\norder: any\npattern:\n  - begin: a\n  - next: b\n", ErrorCodes.AnyOrderStep, 5, 5);

    [Theory]
    [InlineData("greedy: true")]
    [InlineData("consecutive: true")]
    [InlineData("allowCombinations: true")]
    [InlineData("until: v > 1")]
    public void Bind_RepeatOptionOnSingleStep_IsAnError(string option) =>
        SingleError($"rule: r\npattern:\n  - begin: a\n  - next: b\n    {option}\n", ErrorCodes.NeedsRepeatedStep, 5, 5);

    [Fact]
    public void Bind_UntilOnBoundedTimes_IsAnError() =>
        SingleError("rule: r\npattern:\n  - begin: a\n    times: [2, 3]\n    until: v > 1\n", ErrorCodes.NeedsRepeatedStep, 5, 5);

    [Fact]
    public void Bind_ConsecutiveWithAllowCombinations_IsAnError() =>
        SingleError("rule: r\npattern:\n  - begin: a\n    oneOrMore: true\n    consecutive: true\n    allowCombinations: true\n",
            ErrorCodes.InvalidQuantifier, 6, 5);

    [Fact]
    public void Bind_OptionOnNegatedStep_IsAnError() =>
        SingleError("rule: r\npattern:\n  - begin: a\n  - notNext: b\n    optional: true\n  - next: c\n", ErrorCodes.NegatedStepOption, 5, 5);

    [Fact]
    public void Bind_NegatedStepAfterOptional_IsAnError() =>
        SingleError("rule: r\npattern:\n  - begin: a\n  - next: b\n    optional: true\n  - notNext: c\n  - next: d\n", ErrorCodes.NegatedStepOption, 6, 5);

    [Fact]
    public void Bind_StepFromOutsideRuleFrom_IsStreamMismatch()
    {
        var error = SingleError("rule: r\nfrom: [app, bank]\npattern:\n  - begin: a\n    from: bnak\n", ErrorCodes.StreamMismatch, 5, 11);

        Assert.Contains("did you mean 'bank'?", error.Message);
    }

    [Fact]
    public void Bind_KeyMapMissingAFromStream_IsStreamMismatch() =>
        SingleError("rule: r\nfrom: [app, bank]\nkey:\n  app: id\npattern:\n  - begin: a\n", ErrorCodes.StreamMismatch, 2, 13);

    [Fact]
    public void Bind_KeyMapStreamNotInFrom_IsStreamMismatch() =>
        SingleError("rule: r\nfrom: app\nkey:\n  app: id\n  bank: id\npattern:\n  - begin: a\n", ErrorCodes.StreamMismatch, 5, 3);

    [Theory]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("$ts")]
    public void Bind_BadKeyPath_IsInvalidFieldPath(string path) =>
        SingleError($"rule: r\nkey: '{path}'\npattern:\n  - begin: a\n", ErrorCodes.InvalidFieldPath, 2, 6);

    [Fact]
    public void Bind_EmitValueNotAnExpression_IsWrongType() =>
        SingleError("rule: r\npattern:\n  - begin: a\nemit:\n  x: [1, 2]\n", ErrorCodes.WrongType, 5, 6);

    [Fact]
    public void Bind_UnknownOrder_SuggestsOne()
    {
        var error = SingleError("rule: r\norder: sequnce\npattern:\n  - begin: a\n", ErrorCodes.InvalidValue, 2, 8);

        Assert.Contains("did you mean 'sequence'?", error.Message);
    }

    [Fact]
    public void Bind_UnknownUnit_IsInvalidValue() =>
        SingleError("rule: r\ntime:\n  field: ts\n  unit: us\npattern:\n  - begin: a\n", ErrorCodes.InvalidValue, 4, 9);

    [Fact]
    public void Bind_EmptyWhere_IsWrongType() =>
        SingleError("rule: r\npattern:\n  - begin: a\n    where:\n", ErrorCodes.WrongType, 4, 11);

    [Fact]
    public void Bind_RootNotAMapping_IsWrongType() =>
        SingleError("- rule: r\n", ErrorCodes.WrongType, 1, 1);

    [Fact]
    public void Bind_KeyBesideRules_IsUnknownKey() =>
        SingleError("rules:\n  - rule: r\n    pattern:\n      - begin: a\nwithin: 5s\n", ErrorCodes.UnknownKey, 5, 1);

    [Fact]
    public void Bind_ManyMistakes_ReportsEveryOne()
    {
        var (rules, errors) = Bind("""
            rules:
              - rule: bad name
                pattern:
                  - next: a
                    times: [3, 1]
              - rule: ok
                within: soon
                pattern:
                  - begin: a
                afterMatch: skipToEnd
            """);

        Assert.Equal(2, rules.Count);
        Assert.All(rules, r => Assert.True(r.HasErrors));
        Assert.Equal(
            [(ErrorCodes.InvalidName, 2, 11), (ErrorCodes.InvalidQuantifier, 5, 16), (ErrorCodes.BeginPosition, 4, 9), (ErrorCodes.InvalidDuration, 7, 13), (ErrorCodes.InvalidValue, 10, 17)],
            errors.Select(e => (e.Code, e.Line, e.Column)));
    }
}
