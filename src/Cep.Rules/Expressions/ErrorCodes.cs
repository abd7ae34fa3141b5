namespace Cep.Rules.Expressions;

/// <summary>Codes of expression errors (CEP01nn); docs/expressions.md lists each with an example.</summary>
internal static class ErrorCodes
{
    public const string Syntax = "CEP0101";
    public const string UnknownFunction = "CEP0102";
    public const string Arity = "CEP0103";
    public const string UnknownStep = "CEP0104";
    public const string StepNotYetDefined = "CEP0105";
    public const string NeverMatches = "CEP0106";
    public const string OperandType = "CEP0107";
    public const string StepAsValue = "CEP0108";
    public const string ArgumentForm = "CEP0109";
    public const string InvalidRegex = "CEP0110";
    public const string NoCurrentEvent = "CEP0111";
    public const string UnknownSpecialField = "CEP0112";
    public const string Empty = "CEP0113";
    public const string ChainedComparison = "CEP0114";
    public const string NotACondition = "CEP0115";
    public const string BadIndex = "CEP0116";
}
