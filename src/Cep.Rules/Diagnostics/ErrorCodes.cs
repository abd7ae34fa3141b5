namespace Cep.Rules.Diagnostics;

/// <summary>
/// The codes of errors found while reading rule files. CEP00xx: files, YAML and rule structure;
/// CEP01xx: expressions (owned by the expression compiler); CEP02xx: checks across rules.
/// docs/rules.md keeps the table of codes with an example of each.
/// </summary>
public static class ErrorCodes
{
    /// <summary>The YAML text is not well formed.</summary>
    public const string YamlSyntax = "CEP0001";

    /// <summary>The file is larger than <see cref="Yaml.SafeYamlReader.MaxBytes"/>.</summary>
    public const string FileTooLarge = "CEP0002";

    /// <summary>Mappings and lists are nested deeper than <see cref="Yaml.SafeYamlReader.MaxDepth"/>.</summary>
    public const string NestingTooDeep = "CEP0003";

    /// <summary>A YAML tag (<c>!foo</c>, <c>!!str</c>, ...) is used; rule files take no tags.</summary>
    public const string TagNotAllowed = "CEP0004";

    /// <summary>A YAML anchor (<c>&amp;a</c>) or alias (<c>*a</c>) is used; rule files take neither.</summary>
    public const string AliasNotAllowed = "CEP0005";

    /// <summary>The file holds no YAML document, or more than one.</summary>
    public const string DocumentCount = "CEP0006";

    /// <summary>A path given to the loader does not exist or cannot be read.</summary>
    public const string FileNotFound = "CEP0007";

    /// <summary>A folder given to the loader holds no <c>*.yaml</c> / <c>*.yml</c> file.</summary>
    public const string NoRuleFiles = "CEP0008";

    /// <summary>The file holds too many errors; the rest are not reported.</summary>
    public const string TooManyErrors = "CEP0009";

    /// <summary>A key that this place does not take.</summary>
    public const string UnknownKey = "CEP0010";

    /// <summary>A key written twice in one mapping.</summary>
    public const string DuplicateKey = "CEP0011";

    /// <summary>A required key is missing.</summary>
    public const string MissingKey = "CEP0012";

    /// <summary>A value of the wrong YAML type (a list where a text is expected, ...).</summary>
    public const string WrongType = "CEP0013";

    /// <summary>A value outside the values a key takes (an unknown skip strategy, a bad unit, ...).</summary>
    public const string InvalidValue = "CEP0014";

    /// <summary>A rule, step, output or emitted field name with characters it may not have.</summary>
    public const string InvalidName = "CEP0015";

    /// <summary>A duration that is not a positive integer with a unit (<c>250ms</c>, <c>5s</c>, <c>10m</c>, <c>2h</c>, <c>1d</c>).</summary>
    public const string InvalidDuration = "CEP0016";

    /// <summary>A field path that is empty or has an empty segment.</summary>
    public const string InvalidFieldPath = "CEP0017";

    /// <summary>A step without a contiguity key (<c>begin</c>, <c>next</c>, ...), or with more than one.</summary>
    public const string StepKind = "CEP0020";

    /// <summary>The first step is not <c>begin</c>, or <c>begin</c> is not the first step.</summary>
    public const string BeginPosition = "CEP0021";

    /// <summary>Two steps of a rule have the same name.</summary>
    public const string DuplicateStep = "CEP0022";

    /// <summary>A quantifier that cannot be (<c>times: [4, 2]</c>, <c>times: 0</c>, two quantifiers on one step, ...).</summary>
    public const string InvalidQuantifier = "CEP0023";

    /// <summary><c>greedy</c>, <c>consecutive</c>, <c>allowCombinations</c> or <c>until</c> on a step that does not repeat or loop.</summary>
    public const string NeedsRepeatedStep = "CEP0024";

    /// <summary>A quantifier or option on a negated step (<c>notNext</c>, <c>notFollowedBy</c>).</summary>
    public const string NegatedStepOption = "CEP0025";

    /// <summary>A pattern that ends in <c>notNext</c>, or in <c>notFollowedBy</c> without <c>within</c>.</summary>
    public const string InvalidPatternEnd = "CEP0026";

    /// <summary>A rule with <c>order: any</c> whose steps repeat, are negated, optional, or not <c>followedBy</c>.</summary>
    public const string AnyOrderStep = "CEP0027";

    /// <summary><c>afterMatch</c> skips to a step the pattern does not have.</summary>
    public const string UnknownSkipStep = "CEP0028";

    /// <summary>Streams that cannot agree: a step's <c>from</c> outside the rule's, a key map that misses a stream, ...</summary>
    public const string StreamMismatch = "CEP0029";

    /// <summary>The pattern compiler refused the pattern (a rule the checks above let through).</summary>
    public const string PatternRejected = "CEP0030";

    /// <summary>Two rules, in the same file or in different files, have the same name.</summary>
    public const string DuplicateRule = "CEP0201";
}
