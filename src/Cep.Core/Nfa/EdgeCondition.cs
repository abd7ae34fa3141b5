namespace Cep.Nfa;

/// <summary>
/// An edge's condition, built from the steps' conditions by the compiler (negations for skipping, until and
/// greedy guards). Leaves point at base conditions by index, so the evaluator can memoise each base condition once
/// per event (or once per run, when it reads the match context).
/// </summary>
internal abstract class EdgeCondition<T>
{
    public static EdgeCondition<T> True { get; } = new TrueCondition();

    public abstract bool Evaluate(ConditionEvaluator<T> evaluator);

    /// <summary>The condition as one integer when it is a leaf (see <see cref="EdgeCode"/>), so the NFA step can
    /// evaluate the common edges without a virtual call per edge.</summary>
    public virtual int Code => EdgeCode.Complex;

    public abstract string Describe(string[] baseNames);

    public static EdgeCondition<T> Base(int index) => new BaseCondition(index);

    public static EdgeCondition<T> Not(EdgeCondition<T> condition) => condition switch
    {
        NotCondition not => not.Inner,
        _ => new NotCondition(condition),
    };

    public static EdgeCondition<T> And(EdgeCondition<T> left, EdgeCondition<T> right)
    {
        if (left is TrueCondition)
        {
            return right;
        }
        return right is TrueCondition ? left : new AndCondition(left, right);
    }

    private sealed class TrueCondition : EdgeCondition<T>
    {
        public override bool Evaluate(ConditionEvaluator<T> evaluator) => true;

        public override int Code => EdgeCode.True;

        public override string Describe(string[] baseNames) => "true";
    }

    private sealed class BaseCondition(int index) : EdgeCondition<T>
    {
        public override bool Evaluate(ConditionEvaluator<T> evaluator) => evaluator.Base(index);

        public override int Code => index;

        public override string Describe(string[] baseNames) => baseNames[index];
    }

    private sealed class NotCondition(EdgeCondition<T> inner) : EdgeCondition<T>
    {
        public EdgeCondition<T> Inner { get; } = inner;

        public override bool Evaluate(ConditionEvaluator<T> evaluator) => !Inner.Evaluate(evaluator);

        public override int Code => Inner.Code >= 0 ? EdgeCode.Not(Inner.Code) : EdgeCode.Complex;

        public override string Describe(string[] baseNames) => $"!({Inner.Describe(baseNames)})";
    }

    private sealed class AndCondition(EdgeCondition<T> left, EdgeCondition<T> right) : EdgeCondition<T>
    {
        public override bool Evaluate(ConditionEvaluator<T> evaluator) => left.Evaluate(evaluator) && right.Evaluate(evaluator);

        public override string Describe(string[] baseNames) => $"{left.Describe(baseNames)} && {right.Describe(baseNames)}";
    }
}

/// <summary>
/// Edge conditions as integers: a base condition's index (≥ 0), <see cref="True"/>, the negation of base condition
/// i as <c>Not(i)</c> (≤ -3), or <see cref="Complex"/> for anything else (evaluated through the tree).
/// </summary>
internal static class EdgeCode
{
    public const int True = -1;
    public const int Complex = -2;

    public static int Not(int baseIndex) => -3 - baseIndex;

    public static int NegatedBase(int code) => -3 - code;
}
