namespace Cep.Nfa;

/// <summary>What a state is for.</summary>
public enum NfaStateKind
{
    /// <summary>The state every partial match starts from; it never holds events.</summary>
    Start,
    Normal,

    /// <summary>Reaching it completes a match.</summary>
    Final,

    /// <summary>Reaching it kills the partial match (a negated step matched).</summary>
    Stop,

    /// <summary>A trailing <c>notFollowedBy</c>: the match completes when the window closes.</summary>
    Pending,
}

/// <summary>What an edge does with the event: consume it, skip it, or move on without consuming it.</summary>
public enum NfaAction : byte
{
    Take,
    Ignore,
    Proceed,
}

/// <summary>A state of the compiled automaton, for <c>cep explain</c>.</summary>
public sealed record NfaStateInfo(int Id, string Name, string Step, NfaStateKind Kind, IReadOnlyList<NfaTransitionInfo> Transitions, long? WindowMs);

/// <summary>An edge of the compiled automaton, for <c>cep explain</c>.</summary>
public sealed record NfaTransitionInfo(NfaAction Action, int Target, string Condition);

/// <summary>
/// The immutable plan: integer states and flat per-state edge arrays, shared by every key (STYLE 6–7).
/// Per-key runs live in <see cref="Runtime.KeyedPatternOperator{T, TKey}"/>.
/// </summary>
public sealed class CompiledPattern<T>
{
    private readonly string _fingerprintText;
    private string? _fingerprint;

    internal CompiledPattern(
        PatternSpec<T> spec,
        NfaStateKind[] kinds,
        int[] stateStep,
        int[] edgeStart,
        NfaAction[] edgeAction,
        int[] edgeTarget,
        int[] edgeStep,
        EdgeCondition<T>[] edgeCondition,
        Condition<T>[] baseConditions,
        bool[] baseReadsContext,
        string[] baseNames,
        int[] baseSteps,
        int startState,
        IReadOnlyList<NfaStateInfo> states,
        string fingerprintText)
    {
        Spec = spec;
        Kinds = kinds;
        StateStep = stateStep;
        EdgeStart = edgeStart;
        EdgeAction = edgeAction;
        EdgeTarget = edgeTarget;
        EdgeStep = edgeStep;
        EdgeCondition = edgeCondition;
        BaseConditions = baseConditions;
        BaseReadsContext = baseReadsContext;
        BaseNames = baseNames;
        BaseSteps = baseSteps;
        StartState = startState;
        States = states;
        _fingerprintText = fingerprintText;
        StepNamesArray = spec.Steps.Select(s => s.Name).ToArray();
        WindowMs = spec.WithinMs is > 0 ? spec.WithinMs.Value : 0;
        StepWindowMs = new long[stateStep.Length];
        var anyStepWindow = false;
        for (var s = 0; s < stateStep.Length; s++)
        {
            var step = stateStep[s];
            if (step >= 0 && spec.Steps[step].WithinMs is > 0 and var w)
            {
                StepWindowMs[s] = w;
                anyStepWindow = true;
            }
        }
        HasWindows = WindowMs > 0 || anyStepWindow;
        HasProceed = new bool[kinds.Length];
        MayProceedToFinal = new bool[kinds.Length];
        for (var s = 0; s < kinds.Length; s++)
        {
            for (var e = edgeStart[s]; e < edgeStart[s + 1]; e++)
            {
                HasProceed[s] |= edgeAction[e] == NfaAction.Proceed;
            }
        }
        // A state may complete a match on the event it just took only if Proceed edges lead to the final state.
        bool changed;
        do
        {
            changed = false;
            for (var s = 0; s < kinds.Length; s++)
            {
                if (MayProceedToFinal[s])
                {
                    continue;
                }
                for (var e = edgeStart[s]; e < edgeStart[s + 1]; e++)
                {
                    var t = edgeTarget[e];
                    if (edgeAction[e] == NfaAction.Proceed && (kinds[t] == NfaStateKind.Final || MayProceedToFinal[t]))
                    {
                        MayProceedToFinal[s] = true;
                        changed = true;
                        break;
                    }
                }
            }
        }
        while (changed);
        HasStopStates = Array.IndexOf(kinds, NfaStateKind.Stop) >= 0;
        EdgeCode = Array.ConvertAll(edgeCondition, c => c.Code);
        KeepsInline = new bool[kinds.Length];
        if (!HasStopStates && spec.AfterMatch.Kind == SkipKind.NoSkip && !spec.AnyOrder)
        {
            for (var s = 0; s < kinds.Length; s++)
            {
                KeepsInline[s] = kinds[s] is not (NfaStateKind.Final or NfaStateKind.Stop) && !HasProceed[s] && NeedsNoNode(s);
            }
        }
    }

    /// <summary>
    /// Whether a run in state s that holds its only event inline (see <c>Run</c>) may keep it there through the next
    /// event: every edge of s either ignores the event (the run stays what it is) or takes it straight into the final
    /// state (the match is emitted at once, no skip strategy holds it back), and no condition reads the match so far.
    /// Such a run then never needs a node: a W1 order's match or timeout costs no allocation.
    /// </summary>
    internal bool[] KeepsInline { get; }

    private bool NeedsNoNode(int state)
    {
        for (var e = EdgeStart[state]; e < EdgeStart[state + 1]; e++)
        {
            var code = EdgeCode[e];
            var readsContext = code switch
            {
                >= 0 => BaseReadsContext[code],
                Nfa.EdgeCode.True => false,
                Nfa.EdgeCode.Complex => true,
                _ => BaseReadsContext[Nfa.EdgeCode.NegatedBase(code)],
            };
            var keeps = EdgeAction[e] switch
            {
                NfaAction.Ignore => true,
                NfaAction.Take => Kinds[EdgeTarget[e]] == NfaStateKind.Final,
                _ => false,
            };
            if (readsContext || !keeps)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Each edge's condition as an integer (<see cref="Nfa.EdgeCode"/>).</summary>
    internal int[] EdgeCode { get; }

    /// <summary>Whether a state has Proceed edges (if not, its decision graph is its own edges).</summary>
    internal bool[] HasProceed { get; }

    /// <summary>Whether Proceed edges from a state can reach the final state.</summary>
    internal bool[] MayProceedToFinal { get; }

    internal bool HasStopStates { get; }

    /// <summary>The pattern this was compiled from.</summary>
    public PatternSpec<T> Spec { get; }

    public IReadOnlyList<string> StepNames => StepNamesArray;

    public long? WithinMs => Spec.WithinMs;

    public AfterMatchSkip AfterMatch => Spec.AfterMatch;

    public bool AnyOrder => Spec.AnyOrder;

    /// <summary>The states with their edges, for explaining the automaton.</summary>
    public IReadOnlyList<NfaStateInfo> States { get; }

    /// <summary>A hash of the structure (steps, contiguity, quantifiers, windows, skip) — not of the conditions.
    /// Saved state can be restored into a pattern with the same fingerprint.</summary>
    /// <remarks>Hashed on first use: only runs that keep state read it, and the hash function's first call loads
    /// the platform's cryptography library (OpenSSL on Linux), ~10 % of a short run's start-up.</remarks>
    public string Fingerprint => _fingerprint ??= PatternCompiler.Fingerprint(_fingerprintText);

    public int StepIndex(string name) => Array.IndexOf(StepNamesArray, name);

    internal string[] StepNamesArray { get; }

    internal NfaStateKind[] Kinds { get; }

    internal int[] StateStep { get; }

    /// <summary>Edges of state s are [EdgeStart[s], EdgeStart[s + 1]).</summary>
    internal int[] EdgeStart { get; }

    internal NfaAction[] EdgeAction { get; }

    internal int[] EdgeTarget { get; }

    /// <summary>The step a Take edge stores its event under.</summary>
    internal int[] EdgeStep { get; }

    internal EdgeCondition<T>[] EdgeCondition { get; }

    internal Condition<T>[] BaseConditions { get; }

    internal bool[] BaseReadsContext { get; }

    internal string[] BaseNames { get; }

    /// <summary>The step each base condition belongs to, for error reports.</summary>
    internal int[] BaseSteps { get; }

    internal int StartState { get; }

    /// <summary>Whole-pattern window in ms, 0 for none.</summary>
    internal long WindowMs { get; }

    /// <summary>Per-state window (of the state's step) in ms, 0 for none.</summary>
    internal long[] StepWindowMs { get; }

    internal bool HasWindows { get; }
}
