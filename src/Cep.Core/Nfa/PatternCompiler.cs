using System.Security.Cryptography;
using System.Text;

namespace Cep.Nfa;

/// <summary>A pattern that cannot be compiled (the message says why).</summary>
public sealed class PatternException : Exception
{
    public PatternException()
    {
    }

    public PatternException(string message)
        : base(message)
    {
    }

    public PatternException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Compiles a <see cref="PatternSpec{T}"/> into a <see cref="CompiledPattern{T}"/>. The construction follows
/// Apache Flink CEP's NFA compiler (the SASE model): states are built backwards from the final state; each step
/// becomes states with Take, Ignore and Proceed edges; negated steps become stop states reached through Proceed
/// edges; a trailing <c>notFollowedBy</c> becomes a pending state that completes when the window closes.
/// </summary>
public static class PatternCompiler
{
    /// <summary>The most steps a pattern may have.</summary>
    public const int MaxSteps = ushort.MaxValue;

    public static CompiledPattern<T> Compile<T>(PatternSpec<T> spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        var graph = spec.AnyOrder ? new Graph<T>(spec).BuildAnyOrder() : new Graph<T>(spec).Build();
        return graph.Flatten();
    }

    private static void Validate<T>(PatternSpec<T> spec)
    {
        var steps = spec.Steps;
        if (steps.Count == 0)
        {
            throw new PatternException("A pattern needs at least one step.");
        }
        if (steps.Count > MaxSteps)
        {
            // A shared-buffer node keeps its step in 16 bits.
            throw new PatternException($"A pattern has at most {MaxSteps} steps; this one has {steps.Count}.");
        }
        if (steps[0].Contiguity != Contiguity.Begin)
        {
            throw new PatternException($"The first step '{steps[0].Name}' must be 'begin'.");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if (!names.Add(step.Name))
            {
                throw new PatternException($"Step name '{step.Name}' is used twice.");
            }
            if (i > 0 && step.Contiguity == Contiguity.Begin)
            {
                throw new PatternException($"Step '{step.Name}': only the first step can be 'begin'.");
            }
            if (step.MinTimes < 1 || step.MaxTimes < step.MinTimes)
            {
                throw new PatternException($"Step '{step.Name}': times must satisfy 1 <= min <= max (got {step.MinTimes}..{step.MaxTimes}).");
            }
            if (step.IsNegated)
            {
                if (step.IsRepeated || step.Optional || step.Greedy || step.Until is not null)
                {
                    throw new PatternException($"Step '{step.Name}': a negated step cannot be repeated, optional, greedy or have until.");
                }
                if (i > 0 && steps[i - 1].Optional)
                {
                    throw new PatternException($"Step '{step.Name}': a negated step cannot follow an optional step.");
                }
            }
            if (!step.IsRepeated && (step.Greedy || step.Until is not null || step.InnerContiguity != Contiguity.Relaxed))
            {
                throw new PatternException($"Step '{step.Name}': greedy, until, consecutive and allowCombinations apply to repeated steps only.");
            }
            if (step.Until is not null && !step.IsLooping)
            {
                throw new PatternException($"Step '{step.Name}': until applies to oneOrMore / timesOrMore steps only.");
            }
            if (step.WithinMs is <= 0)
            {
                throw new PatternException($"Step '{step.Name}': within must be positive.");
            }
        }
        if (steps[0].IsNegated)
        {
            throw new PatternException("A pattern cannot begin with a negated step.");
        }
        var last = steps[^1];
        if (last.Contiguity == Contiguity.NotFollowedBy && spec.WithinMs is null && last.WithinMs is null)
        {
            throw new PatternException($"Step '{last.Name}': notFollowedBy as the last step needs a within.");
        }
        if (steps.Count == 1 && last.Optional)
        {
            throw new PatternException($"Step '{last.Name}': a pattern of one step cannot be optional.");
        }
        if (spec.WithinMs is <= 0)
        {
            throw new PatternException("within must be positive.");
        }
        if (spec.AfterMatch.Kind is SkipKind.SkipToFirst or SkipKind.SkipToLast
            && (spec.AfterMatch.Step is null || !names.Contains(spec.AfterMatch.Step)))
        {
            throw new PatternException($"afterMatch skips to an unknown step '{spec.AfterMatch.Step}'.");
        }
        if (spec.AnyOrder)
        {
            foreach (var step in steps)
            {
                if (step.IsNegated || step.IsRepeated || step.Optional)
                {
                    throw new PatternException($"Step '{step.Name}': with order: any, steps cannot be repeated, optional or negated.");
                }
            }
            if (steps.Count > 16)
            {
                throw new PatternException("order: any supports at most 16 steps.");
            }
        }
    }

    private sealed class State<T>(int id, string name, int step, NfaStateKind kind)
    {
        public int Id { get; } = id;

        public string Name { get; } = name;

        public int Step { get; } = step;

        public NfaStateKind Kind { get; set; } = kind;

        public List<Edge<T>> Edges { get; } = [];

        public void Add(NfaAction action, State<T> target, EdgeCondition<T> condition, int step = -1) =>
            Edges.Add(new Edge<T>(action, this, target, condition, step < 0 ? Step : step));
    }

    private sealed class Edge<T>(NfaAction action, State<T> source, State<T> target, EdgeCondition<T> condition, int step)
    {
        public NfaAction Action { get; } = action;

        public State<T> Source { get; } = source;

        public State<T> Target { get; } = target;

        public EdgeCondition<T> Condition { get; set; } = condition;

        public int Step { get; } = step;
    }

    private sealed class Graph<T>
    {
        private readonly PatternSpec<T> _spec;
        private readonly IReadOnlyList<StepSpec<T>> _steps;
        private readonly List<State<T>> _states = [];
        private readonly Dictionary<string, State<T>> _stopStates = new(StringComparer.Ordinal);
        private readonly Dictionary<State<T>, State<T>> _originalStates = [];
        private readonly List<Condition<T>> _bases = [];
        private readonly List<bool> _baseReadsContext = [];
        private readonly List<string> _baseNames = [];
        private readonly List<int> _baseSteps = [];
        private readonly EdgeCondition<T>[] _take;
        private readonly EdgeCondition<T>?[] _until;
        private int _current;
        private int _following = -1;
        private State<T>? _start;

        public Graph(PatternSpec<T> spec)
        {
            _spec = spec;
            _steps = spec.Steps;
            _take = new EdgeCondition<T>[_steps.Count];
            _until = new EdgeCondition<T>?[_steps.Count];
            for (var i = 0; i < _steps.Count; i++)
            {
                var step = _steps[i];
                _take[i] = step.Condition is null
                    ? EdgeCondition<T>.True
                    : AddBase(step.Condition, step.ConditionReadsContext, step.ConditionText ?? $"{step.Name}.where", i);
                if (step.Until is not null)
                {
                    _until[i] = AddBase(step.Until, true, step.UntilText ?? $"{step.Name}.until", i);
                }
            }
        }

        private StepSpec<T> Step => _steps[_current];

        private EdgeCondition<T> AddBase(Condition<T> condition, bool readsContext, string name, int step)
        {
            _baseSteps.Add(step);
            _bases.Add(condition);
            _baseReadsContext.Add(readsContext);
            _baseNames.Add(name);
            return EdgeCondition<T>.Base(_bases.Count - 1);
        }

        private State<T> CreateState(string name, int step, NfaStateKind kind)
        {
            var state = new State<T>(_states.Count, name, step, kind);
            _states.Add(state);
            return state;
        }

        private State<T> CreateState(NfaStateKind kind) => CreateState(Step.Name, _current, kind);

        public Graph<T> Build()
        {
            _current = _steps.Count - 1;
            var sink = CreateState("$final", -1, NfaStateKind.Final);
            sink = CreateMiddleStates(sink);
            _start = ConvertStep(sink);
            _start.Kind = NfaStateKind.Start;
            return this;
        }

        /// <summary>
        /// order: any — one state per set of filled steps. Each state takes an event for any step not yet
        /// filled; the runtime takes the first such edge only, and never branches (one open match per key).
        /// </summary>
        public Graph<T> BuildAnyOrder()
        {
            var n = _steps.Count;
            var full = (1 << n) - 1;
            var bySet = new State<T>[full + 1];
            for (var set = 0; set <= full; set++)
            {
                var kind = set == 0 ? NfaStateKind.Start : set == full ? NfaStateKind.Final : NfaStateKind.Normal;
                var name = set == 0 ? "$start" : set == full ? "$final" : string.Join('+', Enumerable.Range(0, n).Where(i => (set & (1 << i)) != 0).Select(i => _steps[i].Name));
                bySet[set] = CreateState(name, -1, kind);
            }
            for (var set = 0; set < full; set++)
            {
                for (var i = 0; i < n; i++)
                {
                    if ((set & (1 << i)) == 0)
                    {
                        bySet[set].Add(NfaAction.Take, bySet[set | (1 << i)], _take[i], i);
                    }
                }
                if (set != 0)
                {
                    bySet[set].Add(NfaAction.Ignore, bySet[set], EdgeCondition<T>.True);
                }
            }
            _start = bySet[0];
            return this;
        }

        private State<T> CreateMiddleStates(State<T> sink)
        {
            var lastSink = sink;
            while (_current > 0)
            {
                var step = Step;
                if (step.Contiguity == Contiguity.NotFollowedBy)
                {
                    if (lastSink.Kind == NfaStateKind.Final)
                    {
                        // A trailing notFollowedBy waits for the window to close: a pending state that dies
                        // when the negated event comes and completes the match when time runs out.
                        var pending = CreateState(NfaStateKind.Pending);
                        var notCondition = _take[_current];
                        pending.Add(NfaAction.Proceed, CreateStopState(notCondition, _current), notCondition);
                        pending.Add(NfaAction.Ignore, pending, EdgeCondition<T>.Not(notCondition));
                        lastSink = pending;
                    }
                    // Otherwise the negation becomes stop edges on the following step's states (AddStopStates).
                }
                else if (step.Contiguity == Contiguity.NotNext)
                {
                    var notNext = CreateState(NfaStateKind.Normal);
                    var notCondition = _take[_current];
                    var stop = CreateStopState(notCondition, _current);
                    if (lastSink.Kind == NfaStateKind.Final)
                    {
                        // Ignoring (not proceeding) so that the event after the match is not taken into it.
                        notNext.Add(NfaAction.Ignore, lastSink, EdgeCondition<T>.Not(notCondition));
                    }
                    else
                    {
                        notNext.Add(NfaAction.Proceed, lastSink, EdgeCondition<T>.Not(notCondition));
                    }
                    notNext.Add(NfaAction.Proceed, stop, notCondition);
                    lastSink = notNext;
                }
                else
                {
                    lastSink = ConvertStep(lastSink);
                }
                _following = _current;
                _current--;
            }
            return lastSink;
        }

        private State<T> ConvertStep(State<T> sink)
        {
            State<T> last;
            if (Step.IsLooping)
            {
                var loopSink = CopyWithoutTransitiveNots(sink);
                var looping = CreateLooping(loopSink);
                last = CreateTimesState(looping, sink, Step.MinTimes, Step.MinTimes);
            }
            else if (Step.IsRepeated)
            {
                last = CreateTimesState(sink, sink, Step.MinTimes, Step.MaxTimes);
            }
            else
            {
                last = CreateSingletonState(sink, sink, _take[_current], IgnoreCondition(), Step.Optional);
            }
            AddStopStates(last);
            return last;
        }

        private State<T> CreateTimesState(State<T> sink, State<T> proceedState, int from, int to)
        {
            var lastSink = sink;
            var until = _until[_current];
            var innerIgnore = ExtendWithUntil(InnerIgnoreCondition(), until);
            var take = TakeWithUntil(_take[_current], until);
            if (Step.Greedy && from != to)
            {
                UpdateWithGreedyCondition(sink, take);
            }
            for (var i = from; i < to; i++)
            {
                lastSink = CreateSingletonState(lastSink, proceedState, take, innerIgnore, isOptional: true);
                AddStopStateToLooping(lastSink);
            }
            for (var i = 0; i < from - 1; i++)
            {
                lastSink = CreateSingletonState(lastSink, null, take, innerIgnore, isOptional: false);
                AddStopStateToLooping(lastSink);
            }
            return CreateSingletonState(lastSink, proceedState, take, IgnoreCondition(), Step.Optional);
        }

        private State<T> CreateSingletonState(State<T> sink, State<T>? proceedState, EdgeCondition<T> take, EdgeCondition<T>? ignore, bool isOptional)
        {
            var state = CreateState(NfaStateKind.Normal);
            var target = CopyWithoutTransitiveNots(sink);
            state.Add(NfaAction.Take, target, take);
            if (isOptional && proceedState is not null)
            {
                if (Step.Greedy)
                {
                    var until = _until[_current];
                    if (until is not null && _originalStates.TryGetValue(proceedState, out var original))
                    {
                        state.Add(NfaAction.Proceed, original, until);
                    }
                    state.Add(NfaAction.Proceed, proceedState, EdgeCondition<T>.Not(take));
                }
                else
                {
                    state.Add(NfaAction.Proceed, proceedState, EdgeCondition<T>.True);
                }
            }
            if (ignore is not null)
            {
                State<T> ignoreState;
                if (isOptional)
                {
                    // Once an optional step has skipped an event it can no longer be skipped as a whole.
                    ignoreState = CreateState(NfaStateKind.Normal);
                    ignoreState.Add(NfaAction.Take, target, take);
                    ignoreState.Add(NfaAction.Ignore, ignoreState, ignore);
                    AddStopStates(ignoreState);
                }
                else
                {
                    ignoreState = state;
                }
                state.Add(NfaAction.Ignore, ignoreState, ignore);
            }
            return state;
        }

        private State<T> CreateLooping(State<T> sink)
        {
            var until = _until[_current];
            var ignore = ExtendWithUntil(InnerIgnoreCondition(), until);
            var take = TakeWithUntil(_take[_current], until);
            var looping = CreateState(NfaStateKind.Normal);
            if (Step.Greedy)
            {
                if (until is not null)
                {
                    var copy = Copy(sink);
                    looping.Add(NfaAction.Proceed, copy, until);
                    _originalStates[sink] = copy;
                }
                looping.Add(NfaAction.Proceed, sink, EdgeCondition<T>.Not(take));
                UpdateWithGreedyCondition(sink, _take[_current]);
            }
            else
            {
                looping.Add(NfaAction.Proceed, sink, EdgeCondition<T>.True);
            }
            looping.Add(NfaAction.Take, looping, take);
            AddStopStateToLooping(looping);
            if (ignore is not null)
            {
                var ignoreState = CreateState(NfaStateKind.Normal);
                ignoreState.Add(NfaAction.Take, looping, take);
                ignoreState.Add(NfaAction.Ignore, ignoreState, ignore);
                looping.Add(NfaAction.Ignore, ignoreState, ignore);
                AddStopStateToLooping(ignoreState);
            }
            return looping;
        }

        private State<T> Copy(State<T> state)
        {
            var copy = CreateState(state.Name, state.Step, state.Kind);
            foreach (var edge in state.Edges)
            {
                copy.Edges.Add(new Edge<T>(edge.Action, copy, edge.Target == edge.Source ? copy : edge.Target, edge.Condition, edge.Step));
            }
            return copy;
        }

        private static void UpdateWithGreedyCondition(State<T> state, EdgeCondition<T> take)
        {
            foreach (var edge in state.Edges)
            {
                edge.Condition = EdgeCondition<T>.And(edge.Condition, EdgeCondition<T>.Not(take));
            }
        }

        private static EdgeCondition<T>? ExtendWithUntil(EdgeCondition<T>? condition, EdgeCondition<T>? until) =>
            until is not null && condition is not null ? EdgeCondition<T>.And(EdgeCondition<T>.Not(until), condition) : condition;

        private static EdgeCondition<T> TakeWithUntil(EdgeCondition<T> take, EdgeCondition<T>? until) =>
            until is null ? take : EdgeCondition<T>.And(EdgeCondition<T>.Not(until), take);

        private EdgeCondition<T>? IgnoreCondition() => Ignore(Step.Contiguity);

        private EdgeCondition<T>? InnerIgnoreCondition() => Ignore(Step.InnerContiguity);

        private EdgeCondition<T>? Ignore(Contiguity contiguity) => contiguity switch
        {
            Contiguity.Strict => null,
            Contiguity.NonDeterministic => EdgeCondition<T>.True,
            _ => EdgeCondition<T>.Not(_take[_current]),
        };

        private State<T> CreateStopState(EdgeCondition<T> notCondition, int step)
        {
            var name = _steps[step].Name;
            if (!_stopStates.TryGetValue(name, out var stop))
            {
                stop = CreateState(name, step, NfaStateKind.Stop);
                stop.Add(NfaAction.Take, stop, notCondition);
                _stopStates[name] = stop;
            }
            return stop;
        }

        /// <summary>The notFollowedBy steps that stand (possibly behind optional steps) before the current step.</summary>
        private List<int> CurrentNotConditions()
        {
            var result = new List<int>();
            var i = _current;
            while (i > 0 && (_steps[i - 1].Optional || _steps[i - 1].Contiguity == Contiguity.NotFollowedBy))
            {
                i--;
                if (_steps[i].Contiguity == Contiguity.NotFollowedBy)
                {
                    result.Add(i);
                }
            }
            return result;
        }

        private void AddStopStates(State<T> state)
        {
            foreach (var not in CurrentNotConditions())
            {
                state.Add(NfaAction.Proceed, CreateStopState(_take[not], not), _take[not]);
            }
        }

        private void AddStopStateToLooping(State<T> state)
        {
            if (_following >= 0 && _steps[_following].Contiguity == Contiguity.NotFollowedBy)
            {
                state.Add(NfaAction.Proceed, CreateStopState(_take[_following], _following), _take[_following]);
            }
        }

        /// <summary>
        /// Once an optional step takes an event, negations that stood before it no longer apply to what follows:
        /// copy the sink without their stop edges.
        /// </summary>
        private State<T> CopyWithoutTransitiveNots(State<T> sink)
        {
            var nots = CurrentNotConditions();
            if (nots.Count == 0 || !Step.Optional)
            {
                return sink;
            }
            var copy = CreateState(sink.Name, sink.Step, sink.Kind);
            foreach (var edge in sink.Edges)
            {
                if (edge.Action == NfaAction.Proceed)
                {
                    var target = edge.Target;
                    if (target.Kind == NfaStateKind.Stop)
                    {
                        if (nots.Contains(target.Step))
                        {
                            continue;
                        }
                    }
                    else
                    {
                        target = CopyWithoutTransitiveNots(target);
                    }
                    copy.Edges.Add(new Edge<T>(NfaAction.Proceed, copy, target, edge.Condition, edge.Step));
                }
                else
                {
                    copy.Edges.Add(new Edge<T>(edge.Action, copy, edge.Target == edge.Source ? copy : edge.Target, edge.Condition, edge.Step));
                }
            }
            return copy;
        }

        public CompiledPattern<T> Flatten()
        {
            // Keep only the states reachable from the start, numbered in discovery order (start = 0).
            var order = new List<State<T>>();
            var index = new Dictionary<State<T>, int>();
            var queue = new Queue<State<T>>();
            index[_start!] = 0;
            order.Add(_start!);
            queue.Enqueue(_start!);
            while (queue.Count > 0)
            {
                var state = queue.Dequeue();
                foreach (var edge in state.Edges)
                {
                    if (!index.ContainsKey(edge.Target))
                    {
                        index[edge.Target] = order.Count;
                        order.Add(edge.Target);
                        queue.Enqueue(edge.Target);
                    }
                }
            }
            var final = order.FindIndex(s => s.Kind == NfaStateKind.Final);
            if (final < 0)
            {
                var finalState = _states.First(s => s.Kind == NfaStateKind.Final);
                index[finalState] = order.Count;
                order.Add(finalState);
            }
            var n = order.Count;
            var kinds = new NfaStateKind[n];
            var stateStep = new int[n];
            var edgeStart = new int[n + 1];
            var actions = new List<NfaAction>();
            var targets = new List<int>();
            var steps = new List<int>();
            var conditions = new List<EdgeCondition<T>>();
            var infos = new List<NfaStateInfo>(n);
            var baseNames = _baseNames.ToArray();
            for (var s = 0; s < n; s++)
            {
                var state = order[s];
                kinds[s] = state.Kind;
                stateStep[s] = state.Step;
                edgeStart[s] = actions.Count;
                var transitions = new List<NfaTransitionInfo>(state.Edges.Count);
                // Proceed edges first: the decision graph explores epsilon moves before collecting takes and
                // ignores, and a stable order keeps the runs of a key in a reproducible order.
                foreach (var edge in state.Edges.OrderBy(e => e.Action == NfaAction.Proceed ? 0 : 1))
                {
                    actions.Add(edge.Action);
                    targets.Add(index[edge.Target]);
                    steps.Add(edge.Step);
                    conditions.Add(edge.Condition);
                    transitions.Add(new NfaTransitionInfo(edge.Action, index[edge.Target], edge.Condition.Describe(baseNames)));
                }
                long? window = state.Step >= 0 ? _steps[state.Step].WithinMs : null;
                infos.Add(new NfaStateInfo(s, state.Name, state.Step >= 0 ? _steps[state.Step].Name : state.Name, state.Kind, transitions, window));
            }
            edgeStart[n] = actions.Count;
            return new CompiledPattern<T>(
                _spec,
                kinds,
                stateStep,
                edgeStart,
                actions.ToArray(),
                targets.ToArray(),
                steps.ToArray(),
                conditions.ToArray(),
                _bases.ToArray(),
                _baseReadsContext.ToArray(),
                baseNames,
                _baseSteps.ToArray(),
                0,
                infos,
                FingerprintText(_spec));
        }
    }

    /// <summary>What state depends on — step names and shapes, windows, the skip strategy — as text; the
    /// fingerprint is its hash (<see cref="Fingerprint"/>).</summary>
    internal static string FingerprintText<T>(PatternSpec<T> spec)
    {
        var text = new StringBuilder();
        text.Append("v1;any=").Append(spec.AnyOrder).Append(";within=").Append(spec.WithinMs).Append(";skip=").Append(spec.AfterMatch);
        foreach (var s in spec.Steps)
        {
            text.Append('|').Append(s.Name).Append(',').Append(s.Contiguity).Append(',').Append(s.MinTimes).Append(',').Append(s.MaxTimes)
                .Append(",opt=").Append(s.Optional).Append(",greedy=").Append(s.Greedy).Append(",inner=").Append(s.InnerContiguity)
                .Append(",until=").Append(s.Until is not null).Append(",within=").Append(s.WithinMs);
        }
        return text.ToString();
    }

    internal static string Fingerprint(string fingerprintText)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(fingerprintText));
        return Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }
}
