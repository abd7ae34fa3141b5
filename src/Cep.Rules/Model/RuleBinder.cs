using System.Globalization;
using Cep.Nfa;
using Cep.Rules.Diagnostics;
using Cep.Rules.Yaml;

namespace Cep.Rules.Model;

/// <summary>One rule of a file after binding: its definition, and whether binding found errors in it.</summary>
/// <param name="Definition">The rule as far as it could be read.</param>
/// <param name="HasErrors">Whether any part of the rule is wrong (then it is not compiled).</param>
/// <param name="PatternClean">Whether the steps bound without errors, so expressions can be compiled
/// against them (their errors are then reported together with the structural ones).</param>
internal sealed record BoundRule(RuleDefinition Definition, bool HasErrors, bool PatternClean);

/// <summary>
/// Binds the YAML tree of one rule file to <see cref="RuleDefinition"/>s, strictly: unknown,
/// duplicate and missing keys, wrong types and invalid values are all errors, each at the place it was
/// written, and every error of the file is reported rather than only the first.
/// </summary>
internal sealed class RuleBinder
{
    private static readonly string[] RuleKeys =
        ["rule", "description", "from", "key", "time", "order", "pattern", "within", "afterMatch", "onTimeout", "onLate", "emit"];

    private static readonly string[] TimeKeys = ["field", "unit", "outOfOrderness", "idleness"];

    private static readonly string[] StepKinds = ["begin", "next", "followedBy", "followedByAny", "notNext", "notFollowedBy"];

    private static readonly string[] StepOptions =
        ["where", "from", "times", "oneOrMore", "timesOrMore", "optional", "greedy", "consecutive", "allowCombinations", "until", "within"];

    private static readonly string[] StepKeys = [.. StepKinds, .. StepOptions];

    private static readonly string[] SkipNames = ["noSkip", "skipToNext", "skipPastLastEvent", "skipToFirst", "skipToLast"];

    private static readonly string[] ReservedWords = ["and", "or", "not", "in", "true", "false", "null"];

    /// <summary>The engine tracks which steps of an any-order match are filled in a 16-bit set.</summary>
    private const int MaxAnyOrderSteps = 16;

    private readonly List<RuleError> _errors;

    private RuleBinder(List<RuleError> errors) => _errors = errors;

    /// <summary>Binds every rule of a file's root node; errors go to <paramref name="errors"/>.</summary>
    public static IReadOnlyList<BoundRule> Bind(YamlNode root, List<RuleError> errors)
    {
        var binder = new RuleBinder(errors);
        return binder.BindFile(root);
    }

    private List<BoundRule> BindFile(YamlNode root)
    {
        if (root is not YamlMapping map)
        {
            Error(root.Location, ErrorCodes.WrongType,
                $"a rule file holds a mapping with 'rule:' (one rule) or 'rules:' (a list of rules), not {root.Describe()}");
            return [];
        }
        var rulesEntry = map.Entries.FirstOrDefault(e => e.Key.Value == "rules");
        if (rulesEntry.Key is null)
        {
            // No 'rules:': the file is one rule, so a misspelt 'rule:' is reported with a suggestion.
            return [BindRule(map)];
        }
        foreach (var (key, _) in map.Entries)
        {
            if (key.Value != "rules")
            {
                var hint = RuleKeys.Contains(key.Value)
                    ? "; a file with 'rules:' holds only that list, so put this key inside one of its rules"
                    : Suggestions.DidYouMean(key.Value, ["rules"]);
                Error(key.Location, ErrorCodes.UnknownKey, $"unknown key '{key.Value}' beside 'rules:'{hint}");
            }
        }
        if (rulesEntry.Value is not YamlSequence list)
        {
            Error(rulesEntry.Value.Location, ErrorCodes.WrongType, $"'rules' must be a list of rules, not {rulesEntry.Value.Describe()}");
            return [];
        }
        if (list.Items.Count == 0)
        {
            Error(list.Location, ErrorCodes.InvalidValue, "'rules' is an empty list");
            return [];
        }
        var rules = new List<BoundRule>();
        foreach (var item in list.Items)
        {
            if (item is YamlMapping ruleMap)
            {
                rules.Add(BindRule(ruleMap));
            }
            else
            {
                Error(item.Location, ErrorCodes.WrongType, $"each item of 'rules' must be a rule (a mapping with 'rule:'), not {item.Describe()}");
            }
        }
        return rules;
    }

    private BoundRule BindRule(YamlMapping map)
    {
        var errorsBefore = _errors.Count;
        var keys = Keys(map, "a rule", RuleKeys);

        var name = new Located<string>("", map.Location);
        if (Require(keys, map, "rule", "a rule") is { } nameNode && Text(nameNode, "rule") is { } nameText)
        {
            name = nameText;
            CheckName(nameText, "rule name", allowDashAndDot: true);
        }

        string? description = null;
        if (keys.TryGetValue("description", out var descriptionEntry))
        {
            description = Text(descriptionEntry.Value, "description")?.Value;
        }

        IReadOnlyList<Located<string>>? from = null;
        if (keys.TryGetValue("from", out var fromEntry))
        {
            from = Streams(fromEntry.Value, "from");
        }

        KeyDefinition? key = null;
        if (keys.TryGetValue("key", out var keyEntry))
        {
            key = BindKey(keyEntry.Value, from);
        }

        TimeDefinition? time = null;
        if (keys.TryGetValue("time", out var timeEntry))
        {
            time = BindTime(timeEntry.Value);
        }

        var anyOrder = false;
        if (keys.TryGetValue("order", out var orderEntry) && Text(orderEntry.Value, "order") is { } order)
        {
            switch (order.Value)
            {
                case "any":
                    anyOrder = true;
                    break;
                case "sequence":
                    break;
                default:
                    Error(order.At, ErrorCodes.InvalidValue,
                        $"'order' is 'sequence' (the default) or 'any', not '{order.Value}'{Suggestions.DidYouMean(order.Value, ["sequence", "any"])}");
                    break;
            }
        }

        long? within = null;
        if (keys.TryGetValue("within", out var withinEntry))
        {
            within = Duration(withinEntry.Value, "within", allowZero: false);
        }

        var patternErrorsBefore = _errors.Count;
        var steps = new List<StepDefinition>();
        if (Require(keys, map, "pattern", "a rule") is { } patternNode)
        {
            BindPattern(patternNode, steps);
        }
        var effectiveStreams = from ?? (key?.Kind == KeyKind.PerStream
            ? key.PerStream.Select(p => new Located<string>(p.Key, p.Value.At)).ToList()
            : null);
        CheckPattern(steps, within, anyOrder, effectiveStreams, keys);
        var patternClean = _errors.Count == patternErrorsBefore && steps.Count > 0;

        var afterMatch = AfterMatchSkip.NoSkip;
        if (keys.TryGetValue("afterMatch", out var afterMatchEntry))
        {
            afterMatch = BindAfterMatch(afterMatchEntry.Value, steps) ?? AfterMatchSkip.NoSkip;
        }

        string? onTimeout = null;
        if (keys.TryGetValue("onTimeout", out var onTimeoutEntry) && Text(onTimeoutEntry.Value, "onTimeout") is { } timeoutName)
        {
            onTimeout = timeoutName.Value;
            CheckName(timeoutName, "side output name", allowDashAndDot: true);
        }

        string? onLate = null;
        if (keys.TryGetValue("onLate", out var onLateEntry) && Text(onLateEntry.Value, "onLate") is { } lateName)
        {
            onLate = lateName.Value;
            CheckName(lateName, "side output name", allowDashAndDot: true);
        }
        var emit = new List<EmitDefinition>();
        if (keys.TryGetValue("emit", out var emitEntry))
        {
            BindEmit(emitEntry.Value, emit);
        }

        var definition = new RuleDefinition
        {
            Name = name,
            Location = map.Location,
            Description = description,
            From = from,
            Key = key,
            Time = time,
            AnyOrder = anyOrder,
            Steps = steps,
            WithinMs = within,
            AfterMatch = afterMatch,
            OnTimeout = onTimeout,
            OnLate = onLate,
            Emit = emit,
        };
        return new BoundRule(definition, _errors.Count > errorsBefore, patternClean);
    }

    private KeyDefinition? BindKey(YamlNode node, IReadOnlyList<Located<string>>? from)
    {
        switch (node)
        {
            case YamlScalar:
                return Path(node, "key") is { } single ? new KeyDefinition(KeyKind.Single, [single], []) : null;
            case YamlSequence list:
                if (list.Items.Count == 0)
                {
                    Error(list.Location, ErrorCodes.InvalidValue, "'key' is an empty list; leave 'key' out for an unkeyed rule");
                    return null;
                }
                var paths = new List<Located<string>>();
                foreach (var item in list.Items)
                {
                    if (Path(item, "key") is not { } part)
                    {
                        continue;
                    }
                    if (paths.Any(p => p.Value == part.Value))
                    {
                        Error(part.At, ErrorCodes.InvalidValue, $"'{part.Value}' is listed twice in 'key'");
                        continue;
                    }
                    paths.Add(part);
                }
                return new KeyDefinition(KeyKind.Composite, paths, []);
            case YamlMapping map:
                if (map.Entries.Count == 0)
                {
                    Error(map.Location, ErrorCodes.InvalidValue, "'key' is an empty mapping; map each stream to its key field");
                    return null;
                }
                var perStream = new List<KeyValuePair<string, Located<string>>>();
                foreach (var (stream, value) in map.Entries)
                {
                    if (stream.IsNull || stream.Value.Length == 0)
                    {
                        Error(stream.Location, ErrorCodes.InvalidValue, "a stream name in 'key' is empty");
                        continue;
                    }
                    if (from is not null && !from.Any(f => f.Value == stream.Value))
                    {
                        Error(stream.Location, ErrorCodes.StreamMismatch,
                            $"'key' names stream '{stream.Value}', which the rule does not read ('from' is {string.Join(", ", from.Select(f => f.Value))})"
                            + Suggestions.DidYouMean(stream.Value, from.Select(f => f.Value)));
                    }
                    if (value is YamlSequence)
                    {
                        Error(value.Location, ErrorCodes.WrongType, "a per-stream key is one field path; composite keys per stream are not supported");
                        continue;
                    }
                    if (Path(value, $"key of stream '{stream.Value}'") is { } streamPath)
                    {
                        perStream.Add(new KeyValuePair<string, Located<string>>(stream.Value, streamPath));
                    }
                }
                if (from is not null)
                {
                    foreach (var stream in from)
                    {
                        if (!map.Entries.Any(e => e.Key.Value == stream.Value))
                        {
                            Error(stream.At, ErrorCodes.StreamMismatch, $"stream '{stream.Value}' has no key field in the 'key' mapping");
                        }
                    }
                }
                return new KeyDefinition(KeyKind.PerStream, [], perStream);
            default:
                return null;
        }
    }

    private TimeDefinition? BindTime(YamlNode node)
    {
        if (Mapping(node, "time") is not { } map)
        {
            return null;
        }
        var keys = Keys(map, "'time'", TimeKeys);
        Located<string>? field = null;
        if (Require(keys, map, "field", "'time'") is { } fieldNode)
        {
            field = Path(fieldNode, "time.field", allowStream: false);
        }
        var unit = TimeUnit.Milliseconds;
        if (keys.TryGetValue("unit", out var unitEntry) && Text(unitEntry.Value, "unit") is { } unitText)
        {
            switch (unitText.Value)
            {
                case "ms":
                    break;
                case "s":
                    unit = TimeUnit.Seconds;
                    break;
                default:
                    Error(unitText.At, ErrorCodes.InvalidValue,
                        $"'unit' is 'ms' (epoch milliseconds, the default) or 's' (epoch seconds), not '{unitText.Value}'"
                        + Suggestions.DidYouMean(unitText.Value, ["ms", "s"]));
                    break;
            }
        }
        long outOfOrderness = 0;
        if (keys.TryGetValue("outOfOrderness", out var oooEntry))
        {
            outOfOrderness = Duration(oooEntry.Value, "outOfOrderness", allowZero: true) ?? 0;
        }
        long? idleness = null;
        if (keys.TryGetValue("idleness", out var idleEntry))
        {
            idleness = Duration(idleEntry.Value, "idleness", allowZero: false);
        }
        return field is { } f ? new TimeDefinition(f, unit, outOfOrderness, idleness) : null;
    }

    private void BindPattern(YamlNode node, List<StepDefinition> steps)
    {
        if (node is not YamlSequence list)
        {
            Error(node.Location, ErrorCodes.WrongType, $"'pattern' must be a list of steps, not {node.Describe()}");
            return;
        }
        if (list.Items.Count == 0)
        {
            Error(list.Location, ErrorCodes.InvalidValue, "'pattern' is an empty list; it needs at least a 'begin' step");
            return;
        }
        foreach (var item in list.Items)
        {
            if (item is not YamlMapping map)
            {
                Error(item.Location, ErrorCodes.WrongType, $"a step must be a mapping such as '- begin: name', not {item.Describe()}");
                continue;
            }
            if (BindStep(map) is { } step)
            {
                steps.Add(step);
            }
        }
    }

    private StepDefinition? BindStep(YamlMapping map)
    {
        var keys = Keys(map, "a step", StepKeys);
        var kinds = map.Entries.Where(e => StepKinds.Contains(e.Key.Value)).ToList();
        if (kinds.Count == 0)
        {
            Error(map.Location, ErrorCodes.StepKind,
                $"a step needs one of {string.Join(", ", StepKinds)}, whose value is the step's name");
            return null;
        }
        foreach (var extra in kinds.Skip(1))
        {
            Error(extra.Key.Location, ErrorCodes.StepKind,
                $"a step has one kind; '{extra.Key.Value}' comes after '{kinds[0].Key.Value}' in the same step (start a new step with '-')");
        }
        var kind = kinds[0].Key.Value;
        var contiguity = kind switch
        {
            "begin" => Contiguity.Begin,
            "next" => Contiguity.Strict,
            "followedBy" => Contiguity.Relaxed,
            "followedByAny" => Contiguity.NonDeterministic,
            "notNext" => Contiguity.NotNext,
            _ => Contiguity.NotFollowedBy,
        };
        var name = new Located<string>("", kinds[0].Value.Location);
        if (Text(kinds[0].Value, kind) is { } nameText)
        {
            name = nameText;
            CheckStepName(nameText);
        }
        var negated = contiguity is Contiguity.NotNext or Contiguity.NotFollowedBy;

        var where = keys.TryGetValue("where", out var whereEntry) ? Expressions(whereEntry.Value, "where") : [];
        var from = keys.TryGetValue("from", out var fromEntry) ? Streams(fromEntry.Value, "from") : null;

        int min = 1, max = 1;
        KeyValuePair<YamlScalar, YamlNode>? quantifier = null;
        void SetQuantifier(KeyValuePair<YamlScalar, YamlNode> entry, int newMin, int newMax)
        {
            if (quantifier is { } previous)
            {
                Error(entry.Key.Location, ErrorCodes.InvalidQuantifier,
                    $"a step has one quantifier; '{entry.Key.Value}' comes after '{previous.Key.Value}'");
                return;
            }
            quantifier = entry;
            min = newMin;
            max = newMax;
        }
        foreach (var entry in map.Entries)
        {
            switch (entry.Key.Value)
            {
                case "times":
                    if (Times(entry.Value) is var (tMin, tMax))
                    {
                        SetQuantifier(entry, tMin, tMax);
                    }
                    break;
                case "oneOrMore":
                    if (Bool(entry.Value, "oneOrMore") == true)
                    {
                        SetQuantifier(entry, 1, int.MaxValue);
                    }
                    break;
                case "timesOrMore":
                    if (Int(entry.Value, "timesOrMore") is { } n)
                    {
                        if (n < 1)
                        {
                            Error(entry.Value.Location, ErrorCodes.InvalidQuantifier,
                                $"'timesOrMore' must be at least 1, not {n} (add 'optional: true' for zero)");
                        }
                        else
                        {
                            SetQuantifier(entry, n, int.MaxValue);
                        }
                    }
                    break;
                default:
                    break;
            }
        }

        var optional = Flag(keys, "optional");
        var greedy = Flag(keys, "greedy");
        var consecutive = Flag(keys, "consecutive");
        var allowCombinations = Flag(keys, "allowCombinations");
        var until = keys.TryGetValue("until", out var untilEntry) ? Expressions(untilEntry.Value, "until") : [];
        long? stepWithin = keys.TryGetValue("within", out var withinEntry) ? Duration(withinEntry.Value, "within", allowZero: false) : null;

        if (negated)
        {
            foreach (var option in new[] { "times", "oneOrMore", "timesOrMore", "optional", "greedy", "consecutive", "allowCombinations", "until", "within" })
            {
                if (keys.TryGetValue(option, out var entry))
                {
                    var hint = option == "within" ? "; the rule's 'within' bounds a negated step" : "";
                    Error(entry.Key.Location, ErrorCodes.NegatedStepOption, $"'{option}' does not apply to a {kind} step{hint}");
                }
            }
        }
        else
        {
            var repeated = max > 1;
            var looping = max == int.MaxValue;
            if (greedy.Value && !repeated)
            {
                Error(greedy.At, ErrorCodes.NeedsRepeatedStep, "'greedy' applies to a repeated step (times, oneOrMore, timesOrMore)");
            }
            if (consecutive.Value && !repeated)
            {
                Error(consecutive.At, ErrorCodes.NeedsRepeatedStep, "'consecutive' applies to a repeated step (times, oneOrMore, timesOrMore)");
            }
            if (allowCombinations.Value && !repeated)
            {
                Error(allowCombinations.At, ErrorCodes.NeedsRepeatedStep, "'allowCombinations' applies to a repeated step (times, oneOrMore, timesOrMore)");
            }
            if (untilEntry.Key is not null && !looping)
            {
                // As in Flink: a stop condition only makes sense for a loop without an upper bound.
                Error(untilEntry.Key.Location, ErrorCodes.NeedsRepeatedStep, "'until' applies to a looping step (oneOrMore, timesOrMore)");
            }
            if (consecutive.Value && allowCombinations.Value)
            {
                Error(allowCombinations.At, ErrorCodes.InvalidQuantifier, "'consecutive' and 'allowCombinations' exclude each other");
            }
            if (greedy.Value && allowCombinations.Value && repeated)
            {
                Error(greedy.At, ErrorCodes.InvalidQuantifier, "'greedy' does not apply together with 'allowCombinations' (as in Flink)");
            }
        }

        return new StepDefinition
        {
            Name = name,
            Location = map.Location,
            Kind = kind,
            Contiguity = contiguity,
            Where = where,
            From = from,
            MinTimes = min,
            MaxTimes = max,
            Optional = optional.Value,
            Greedy = greedy.Value,
            InnerContiguity = consecutive.Value ? Contiguity.Strict
                : allowCombinations.Value ? Contiguity.NonDeterministic
                : Contiguity.Relaxed,
            Until = until,
            WithinMs = stepWithin,
        };
    }

    /// <summary>Checks that need the whole pattern: order of kinds, names, the end, <c>order: any</c>, streams.</summary>
    private void CheckPattern(
        List<StepDefinition> steps,
        long? within,
        bool anyOrder,
        IReadOnlyList<Located<string>>? ruleStreams,
        Dictionary<string, KeyValuePair<YamlScalar, YamlNode>> ruleKeys)
    {
        if (steps.Count == 0)
        {
            return;
        }
        if (steps[0].Contiguity != Contiguity.Begin)
        {
            Error(steps[0].Location, ErrorCodes.BeginPosition, $"the first step must be 'begin', not '{steps[0].Kind}'");
        }
        var seen = new Dictionary<string, StepDefinition>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if (i > 0 && step.Contiguity == Contiguity.Begin)
            {
                Error(step.Location, ErrorCodes.BeginPosition,
                    $"'begin' starts the pattern only; use next, followedBy or followedByAny for step '{step.Name.Value}'");
            }
            if (step.Name.Value.Length > 0)
            {
                if (seen.TryGetValue(step.Name.Value, out var first))
                {
                    Error(step.Name.At, ErrorCodes.DuplicateStep,
                        $"step name '{step.Name.Value}' is already used at line {first.Name.At.Line}; step names are unique in a rule");
                }
                else
                {
                    seen.Add(step.Name.Value, step);
                }
            }
            if (step.From is not null && ruleStreams is not null)
            {
                foreach (var stream in step.From)
                {
                    if (!ruleStreams.Any(s => s.Value == stream.Value))
                    {
                        Error(stream.At, ErrorCodes.StreamMismatch,
                            $"step '{step.Name.Value}' reads stream '{stream.Value}', which the rule does not read"
                            + Suggestions.DidYouMean(stream.Value, ruleStreams.Select(s => s.Value)));
                    }
                }
            }
        }
        for (var i = 1; i < steps.Count; i++)
        {
            if (steps[i].IsNegated && steps[i - 1].Optional)
            {
                Error(steps[i].Location, ErrorCodes.NegatedStepOption,
                    $"a {steps[i].Kind} step cannot follow the optional step '{steps[i - 1].Name.Value}' (as in Flink)");
            }
        }
        var last = steps[^1];
        if (steps.Count == 1 && last.Optional)
        {
            Error(last.Location, ErrorCodes.InvalidQuantifier, "a pattern of one step cannot make it optional: it would match nothing");
        }
        // A trailing notNext is allowed, as in Flink: the match completes when the key's next event does not match it.
        if (last.Contiguity == Contiguity.NotFollowedBy && within is null)
        {
            Error(last.Location, ErrorCodes.InvalidPatternEnd,
                "a pattern that ends with 'notFollowedBy' needs the rule's 'within': the match is emitted when it has passed");
        }
        if (anyOrder)
        {
            var orderAt = ruleKeys["order"].Value.Location;
            if (steps.Count > MaxAnyOrderSteps)
            {
                Error(orderAt, ErrorCodes.AnyOrderStep, $"'order: any' takes at most {MaxAnyOrderSteps} steps, not {steps.Count}");
            }
            foreach (var step in steps)
            {
                string? problem = null;
                if (step.IsNegated)
                {
                    problem = $"is a {step.Kind} step";
                }
                else if (step.IsRepeated)
                {
                    problem = "repeats";
                }
                else if (step.Optional)
                {
                    problem = "is optional";
                }
                else if (step.Contiguity is Contiguity.Strict or Contiguity.NonDeterministic)
                {
                    problem = $"is a {step.Kind} step (with order: any, write the steps after 'begin' as followedBy)";
                }
                else if (step.WithinMs is not null)
                {
                    problem = "has its own 'within' (with order: any only the rule's 'within' applies)";
                }
                if (problem is not null)
                {
                    Error(step.Location, ErrorCodes.AnyOrderStep,
                        $"with 'order: any' (line {orderAt.Line}) each step takes one event, in any order; step '{step.Name.Value}' {problem}");
                }
            }
        }
    }

    private AfterMatchSkip? BindAfterMatch(YamlNode node, List<StepDefinition> steps)
    {
        switch (node)
        {
            case YamlScalar scalar when !scalar.IsNull:
                switch (scalar.Value)
                {
                    case "noSkip":
                        return AfterMatchSkip.NoSkip;
                    case "skipToNext":
                        return AfterMatchSkip.SkipToNext;
                    case "skipPastLastEvent":
                        return AfterMatchSkip.SkipPastLastEvent;
                    case "skipToFirst" or "skipToLast":
                        Error(scalar.Location, ErrorCodes.InvalidValue,
                            $"'{scalar.Value}' needs a step: write 'afterMatch: {{{scalar.Value}: step}}'");
                        return null;
                    default:
                        Error(scalar.Location, ErrorCodes.InvalidValue,
                            $"unknown skip strategy '{scalar.Value}'{Suggestions.DidYouMean(scalar.Value, SkipNames)}"
                            + " (noSkip, skipToNext, skipPastLastEvent, {skipToFirst: step}, {skipToLast: step})");
                        return null;
                }
            case YamlMapping map when map.Entries.Count == 1:
                var (key, value) = map.Entries[0];
                if (key.Value is not ("skipToFirst" or "skipToLast"))
                {
                    Error(key.Location, ErrorCodes.InvalidValue,
                        $"unknown skip strategy '{key.Value}'{Suggestions.DidYouMean(key.Value, ["skipToFirst", "skipToLast"])}"
                        + "; the strategies that name a step are skipToFirst and skipToLast");
                    return null;
                }
                if (Text(value, key.Value) is not { } target)
                {
                    return null;
                }
                if (steps.Count > 0 && !steps.Any(s => s.Name.Value == target.Value))
                {
                    Error(target.At, ErrorCodes.UnknownSkipStep,
                        $"'{key.Value}' names step '{target.Value}', which the pattern does not have"
                        + Suggestions.DidYouMean(target.Value, steps.Select(s => s.Name.Value).Where(n => n.Length > 0)));
                    return null;
                }
                return key.Value == "skipToFirst" ? AfterMatchSkip.SkipToFirst(target.Value) : AfterMatchSkip.SkipToLast(target.Value);
            default:
                Error(node.Location, ErrorCodes.WrongType,
                    $"'afterMatch' is a strategy name or a mapping with one of skipToFirst or skipToLast, not {node.Describe()}");
                return null;
        }
    }

    private void BindEmit(YamlNode node, List<EmitDefinition> emit)
    {
        if (Mapping(node, "emit") is not { } map)
        {
            return;
        }
        foreach (var (key, value) in map.Entries)
        {
            var name = new Located<string>(key.Value, key.Location);
            if (!CheckName(name, "emitted field name", allowDashAndDot: true))
            {
                continue;
            }
            if (value is YamlScalar scalar && !scalar.IsNull && scalar.Value.Trim().Length > 0)
            {
                emit.Add(new EmitDefinition(name, new ExpressionText(scalar.Value, scalar.TextLocation)));
            }
            else
            {
                Error(value.Location, ErrorCodes.WrongType, $"emitted field '{key.Value}' needs an expression, not {value.Describe()}");
            }
        }
    }

    /// <summary>Reports keys outside <paramref name="allowed"/> (with a suggestion) and returns the allowed ones by name.</summary>
    private Dictionary<string, KeyValuePair<YamlScalar, YamlNode>> Keys(YamlMapping map, string place, string[] allowed)
    {
        var known = new Dictionary<string, KeyValuePair<YamlScalar, YamlNode>>(StringComparer.Ordinal);
        foreach (var entry in map.Entries)
        {
            if (allowed.Contains(entry.Key.Value))
            {
                known[entry.Key.Value] = entry;
            }
            else
            {
                var suggestion = Suggestions.DidYouMean(entry.Key.Value, allowed);
                Error(entry.Key.Location, ErrorCodes.UnknownKey,
                    $"unknown key '{entry.Key.Value}' in {place}"
                    + (suggestion.Length > 0 ? suggestion : $" (it takes {string.Join(", ", allowed)})"));
            }
        }
        return known;
    }

    private YamlNode? Require(Dictionary<string, KeyValuePair<YamlScalar, YamlNode>> keys, YamlMapping map, string key, string place)
    {
        if (keys.TryGetValue(key, out var entry))
        {
            return entry.Value;
        }
        Error(map.Location, ErrorCodes.MissingKey, $"{place} needs '{key}:'");
        return null;
    }

    private YamlMapping? Mapping(YamlNode node, string what)
    {
        if (node is YamlMapping map)
        {
            return map;
        }
        Error(node.Location, ErrorCodes.WrongType, $"'{what}' must be a mapping, not {node.Describe()}");
        return null;
    }

    private Located<string>? Text(YamlNode node, string what)
    {
        if (node is YamlScalar scalar && !scalar.IsNull)
        {
            return new Located<string>(scalar.Value, scalar.Location);
        }
        Error(node.Location, ErrorCodes.WrongType, $"'{what}' needs a text value, not {node.Describe()}");
        return null;
    }

    private bool? Bool(YamlNode node, string what)
    {
        if (node is YamlScalar { IsPlain: true } scalar)
        {
            switch (scalar.Value)
            {
                case "true" or "True" or "TRUE":
                    return true;
                case "false" or "False" or "FALSE":
                    return false;
                default:
                    break;
            }
        }
        Error(node.Location, ErrorCodes.WrongType, $"'{what}' is true or false, not {node.Describe()}");
        return null;
    }

    /// <summary>A boolean option of a step: its value, and where its key was written (for errors about it).</summary>
    private Located<bool> Flag(Dictionary<string, KeyValuePair<YamlScalar, YamlNode>> keys, string key) =>
        keys.TryGetValue(key, out var entry) && Bool(entry.Value, key) is { } value
            ? new Located<bool>(value, entry.Key.Location)
            : default;

    private int? Int(YamlNode node, string what)
    {
        if (node is YamlScalar { IsPlain: true } scalar
            && int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        Error(node.Location, ErrorCodes.WrongType, $"'{what}' is a whole number, not {node.Describe()}");
        return null;
    }

    private (int Min, int Max)? Times(YamlNode node)
    {
        if (node is YamlSequence list)
        {
            if (list.Items.Count != 2)
            {
                Error(list.Location, ErrorCodes.InvalidQuantifier,
                    $"'times' as a list is [min, max], two numbers, not {list.Items.Count}");
                return null;
            }
            var min = Int(list.Items[0], "times");
            var max = Int(list.Items[1], "times");
            if (min is null || max is null)
            {
                return null;
            }
            if (min < 1)
            {
                Error(list.Items[0].Location, ErrorCodes.InvalidQuantifier,
                    $"'times' starts at 1, not {min} (add 'optional: true' to allow none)");
                return null;
            }
            if (min > max)
            {
                Error(list.Location, ErrorCodes.InvalidQuantifier, $"'times: [{min}, {max}]' has its minimum above its maximum");
                return null;
            }
            return (min.Value, max.Value);
        }
        if (Int(node, "times") is not { } n)
        {
            return null;
        }
        if (n < 1)
        {
            Error(node.Location, ErrorCodes.InvalidQuantifier, $"'times' must be at least 1, not {n} (add 'optional: true' to allow none)");
            return null;
        }
        return (n, n);
    }

    private long? Duration(YamlNode node, string what, bool allowZero)
    {
        if (Text(node, what) is not { } text)
        {
            return null;
        }
        if (!Durations.TryParse(text.Value, out var ms, out var error))
        {
            Error(text.At, ErrorCodes.InvalidDuration, $"'{what}': {error}");
            return null;
        }
        if (ms == 0 && !allowZero)
        {
            Error(text.At, ErrorCodes.InvalidDuration, $"'{what}' must be longer than zero");
            return null;
        }
        return ms;
    }

    private List<ExpressionText> Expressions(YamlNode node, string what)
    {
        var list = new List<ExpressionText>();
        var items = node is YamlSequence sequence ? sequence.Items : [node];
        if (node is YamlSequence { Items.Count: 0 })
        {
            Error(node.Location, ErrorCodes.InvalidValue, $"'{what}' is an empty list; leave it out instead");
        }
        foreach (var item in items)
        {
            if (item is YamlScalar scalar && !scalar.IsNull && scalar.Value.Trim().Length > 0)
            {
                list.Add(new ExpressionText(scalar.Value, scalar.TextLocation));
            }
            else
            {
                Error(item.Location, ErrorCodes.WrongType, $"'{what}' needs an expression (or a list of them), not {item.Describe()}");
            }
        }
        return list;
    }

    private List<Located<string>>? Streams(YamlNode node, string what)
    {
        var items = node is YamlSequence sequence ? sequence.Items : [node];
        if (node is YamlSequence { Items.Count: 0 })
        {
            Error(node.Location, ErrorCodes.InvalidValue, $"'{what}' is an empty list; leave it out to read every stream");
            return null;
        }
        var streams = new List<Located<string>>();
        foreach (var item in items)
        {
            if (Text(item, what) is not { } stream)
            {
                continue;
            }
            if (stream.Value.Length == 0 || stream.Value.Any(char.IsWhiteSpace))
            {
                Error(stream.At, ErrorCodes.InvalidName, $"stream name '{stream.Value}' is empty or has white space");
            }
            else if (streams.Any(s => s.Value == stream.Value))
            {
                Error(stream.At, ErrorCodes.InvalidValue, $"stream '{stream.Value}' is listed twice in '{what}'");
            }
            else
            {
                streams.Add(stream);
            }
        }
        return streams.Count > 0 ? streams : null;
    }

    /// <summary>A field path (<c>user.id</c>); <c>$stream</c> is allowed where a key may be the stream's name.</summary>
    private Located<string>? Path(YamlNode node, string what, bool allowStream = true)
    {
        if (Text(node, what) is not { } path)
        {
            return null;
        }
        if (path.Value == "$stream" && allowStream)
        {
            return path;
        }
        if (path.Value.StartsWith('$'))
        {
            Error(path.At, ErrorCodes.InvalidFieldPath,
                $"'{what}' is a field of the event, not '{path.Value}'" + (allowStream ? " ($stream is the only built-in field a key may use)" : ""));
            return null;
        }
        if (path.Value.Split('.').Any(segment => segment.Length == 0) || path.Value.Any(char.IsWhiteSpace))
        {
            Error(path.At, ErrorCodes.InvalidFieldPath,
                $"'{path.Value}' is not a field path; write field names separated by dots, such as user.id");
            return null;
        }
        return path;
    }

    private bool CheckName(Located<string> name, string what, bool allowDashAndDot)
    {
        var ok = name.Value.Length > 0 && name.Value.All(c =>
            char.IsAsciiLetterOrDigit(c) || c == '_' || (allowDashAndDot && c is '-' or '.'));
        if (!ok)
        {
            var invalid = name.Value.FirstOrDefault(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'));
            Error(name.At, ErrorCodes.InvalidName,
                $"{what} '{name.Value}' may hold only letters, digits, '-', '_' and '.'"
                + (invalid != default ? $" (found '{invalid}')" : ""));
        }
        return ok;
    }

    /// <summary>Step names are referenced in expressions (<c>create.orderId</c>), so they must be identifiers.</summary>
    private void CheckStepName(Located<string> name)
    {
        var value = name.Value;
        var identifier = value.Length > 0
            && (char.IsAsciiLetter(value[0]) || value[0] == '_')
            && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (!identifier)
        {
            Error(name.At, ErrorCodes.InvalidName,
                $"step name '{value}' must start with a letter or '_' and hold only letters, digits and '_' (expressions refer to it as {(value.Length > 0 ? value : "name")}.field)");
        }
        else if (ReservedWords.Contains(value))
        {
            Error(name.At, ErrorCodes.InvalidName, $"step name '{value}' is a word of the expression language; choose another name");
        }
    }

    private void Error(SourceLocation at, string code, string message) => _errors.Add(new RuleError(at, code, message));
}
