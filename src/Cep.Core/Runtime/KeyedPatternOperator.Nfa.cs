using System.Diagnostics;
using System.Runtime.CompilerServices;
using Cep.Nfa;

namespace Cep.Runtime;

/// <summary>The NFA step for one key: Flink CEP's computation-state semantics over the shared buffer.</summary>
public sealed partial class KeyedPatternOperator<T, TKey>
{
    // Dispatch, the key lookup, AddBranch, Deadline and the timer peek are inlined on purpose: tiered PGO finds
    // these inlinings by itself, code compiled without it (ReadyToRun, TieredPGO off, full opts at once) did not.
    // W1 engine-only with DOTNET_TieredCompilation=0: 2.9 -> 3.55 M events per CPU-s; with PGO unchanged.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Dispatch(TKey key, T @event, long timestamp, long sequence)
    {
        ref var state = ref _keys.Find(key, out var handle, out var hash);
        if (handle == 0)
        {
            DispatchToNewKey(key, hash, @event, timestamp, sequence);
            return;
        }
        // Before the pattern sees an event at t, every run whose window ends at or before t closes. The key's
        // timer is never later than its earliest deadline, so nothing can close before it.
        if (state.Count > 0 && timestamp >= state.TimerAt)
        {
            CloseExpired(key, ref state, timestamp);
        }
        Process(key, ref state, @event, timestamp, sequence);
        RegisterTimer(handle, ref state);
        MarkChanged(handle);
        if (state.IsEmpty)
        {
            Release(handle, ref state);
        }
    }

    /// <summary>
    /// An event for a key that holds nothing: only the implicit start run sees it. The key enters the table only if
    /// a partial match remains — an event that starts nothing (most events, for a selective first step) or that
    /// completes a match at once costs no entry, no timer and no removal.
    /// </summary>
    private void DispatchToNewKey(TKey key, uint hash, T @event, long timestamp, long sequence)
    {
        var fresh = new KeyRuns<T>();
        Process(key, ref fresh, @event, timestamp, sequence);
        if (fresh.IsEmpty)
        {
            return;
        }
        ref var state = ref _keys.AddNew(key, hash, out var handle);
        state.Become(in fresh);
        RegisterTimer(handle, ref state);
        MarkChanged(handle);
    }

    /// <summary>Forgets an empty key. <paramref name="state"/> is invalid afterwards.</summary>
    private void Release(int handle, ref KeyRuns<T> state)
    {
        if (state.TimerAt != long.MaxValue)
        {
            // Its timer would only find the key gone: drop the entry now, while cancelling is a bit flip.
            _timers.Cancel(state.TimerSlot);
        }
        _changes?.OnRemoved(handle, _keys.KeyAt(handle));
        _keys.RemoveAt(handle);
    }

    private void Process(TKey key, ref KeyRuns<T> state, T @event, long timestamp, long sequence)
    {
        _nextRuns.Clear();
        _potential.Clear();
        _evaluator.BeginEvent(@event, timestamp);
        var anyOrder = _pattern.AnyOrder;
        var takenByOpenRun = false;
        for (var i = 0; i < state.Count; i++)
        {
            ref var run = ref state[i];
            if (Run<T>.CanInline && run.IsInline && !_pattern.KeepsInline[run.State])
            {
                Materialize(ref run);
            }
            takenByOpenRun |= ComputeNextStates(in run, isStart: false, @event, timestamp, sequence);
            if (_branch.Count > 0)
            {
                Classify(timestamp);
            }
        }
        // The start run is implicit: every event may begin a new partial match. With order: any, only when
        // no partial match is open for the key.
        if (!anyOrder || (state.Count == 0 && !takenByOpenRun))
        {
            ComputeNextStates(in _startRun, isStart: true, @event, timestamp, sequence);
            if (_branch.Count > 0)
            {
                Classify(timestamp);
            }
        }
        _evaluator.EndEvent();
        state.SetRuns(_nextRuns.AsSpan());
        _nextRuns.Clear();
        if (_potential.Count > 0 || state.Waiting is { Count: > 0 })
        {
            HandleMatches(key, ref state, _potential, @event, sequence);
        }
        _potential.Clear();
    }

    /// <summary>The key saw another event: its run's inline event becomes a node the successors can link to. Not
    /// inlined: the new run is a temporary that <see cref="Process"/> would otherwise zero on every call.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Materialize(ref Run<T> run) => run = run.Materialized();

    /// <summary>A successor run of the event, in <paramref name="state"/> with <paramref name="head"/>. Without stop
    /// states it is sorted at once (completed matches become potential matches); otherwise it waits in
    /// <see cref="_branch"/> for <see cref="Classify"/>, because a branch that reached a stop state kills its
    /// siblings. Built in place in its list (<see cref="Run{T}.Set"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddBranch(int state, SharedBufferNode<T>? head, long startTimestamp, long startSequence, long timestamp)
    {
        if (_pattern.HasStopStates)
        {
            _branch.Add().Set(state, head, startTimestamp, startSequence);
        }
        else if (_pattern.Kinds[state] == NfaStateKind.Final)
        {
            _potential.Add().Set(head!, startTimestamp, startSequence, timestamp);
        }
        else
        {
            _nextRuns.Add().Set(state, head, startTimestamp, startSequence);
        }
    }

    /// <summary>Sorts the branches of one run: completed ones become potential matches; if any branch reached a
    /// stop state the remaining ones die with it (a negated step matched).
    /// Only patterns with stop states have branches; not inlined, so that its temporaries stay out of
    /// <see cref="Process"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Classify(long timestamp)
    {
        var kinds = _pattern.Kinds;
        var stopped = false;
        foreach (var run in _branch.AsSpan())
        {
            stopped |= kinds[run.State] == NfaStateKind.Stop;
        }
        foreach (var run in _branch.AsSpan())
        {
            var kind = kinds[run.State];
            if (kind == NfaStateKind.Final)
            {
                _potential.Add().Set(in run, timestamp);
            }
            else if (kind != NfaStateKind.Stop && !stopped)
            {
                _nextRuns.Add(run);
            }
        }
        _branch.Clear();
    }

    /// <summary>Whether edge <paramref name="e"/>'s condition holds for the current event and run. Leaf
    /// conditions (nearly all edges) are read from <see cref="CompiledPattern{T}.EdgeCode"/> without a virtual
    /// call.</summary>
    private bool Holds(int e)
    {
        var code = _pattern.EdgeCode[e];
        if (code >= 0)
        {
            return _evaluator.Base(code);
        }
        return code switch
        {
            EdgeCode.True => true,
            EdgeCode.Complex => _pattern.EdgeCondition[e].Evaluate(_evaluator),
            _ => !_evaluator.Base(EdgeCode.NegatedBase(code)),
        };
    }

    /// <summary>Collects the Take and Ignore edges of the run's state whose conditions hold and turns each into a
    /// successor run (see <see cref="AddBranch"/>); states with Proceed edges, and conjunctions, take the general
    /// path. Returns whether the event was taken.</summary>
    /// <remarks>
    /// This runs for every open run and the start run of every event, so it holds no struct temporaries: the
    /// runtime zeroes a method's temporaries that hold references on every call, and with the successor runs and
    /// matches built here (inlined) the frame was ~1 KB, zeroed twice per W1 event. Successors are built in
    /// <see cref="Take"/> and <see cref="AddIgnored"/>, which run only for an edge that holds.
    /// </remarks>
    private bool ComputeNextStates(in Run<T> run, bool isStart, T @event, long timestamp, long sequence)
    {
        var pattern = _pattern;
        if (pattern.HasProceed[run.State] || pattern.AnyOrder)
        {
            return ComputeNextStatesWithProceed(in run, isStart, @event, timestamp, sequence);
        }
        // A run still holding its event inline is in a state whose conditions do not read the match (KeepsInline).
        _evaluator.BeginRun(run.IsInline ? null : run.Head);
        var edgeStart = pattern.EdgeStart;
        var actions = pattern.EdgeAction;
        var taken = false;
        // The common shape (take or ignore): no epsilon moves to explore, and each edge that holds becomes a branch
        // in edge order, which is the order the general path produces.
        for (var e = edgeStart[run.State]; e < edgeStart[run.State + 1]; e++)
        {
            if (actions[e] == NfaAction.Ignore)
            {
                if (!isStart && Holds(e))
                {
                    AddIgnored(in run, e, timestamp);
                }
            }
            else if (Holds(e))
            {
                taken = true;
                Take(in run, isStart, e, @event, timestamp, sequence);
            }
        }
        return taken;
    }

    /// <summary>The run ignores the event along Ignore edge <paramref name="e"/>: it stays, in the edge's target.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddIgnored(in Run<T> run, int e, long timestamp)
    {
        var state = _pattern.EdgeTarget[e];
        if (_pattern.HasStopStates)
        {
            _branch.Add().SetTo(in run, state);
        }
        else if (_pattern.Kinds[state] == NfaStateKind.Final)
        {
            _potential.Add().Set(in run, timestamp);
        }
        else
        {
            _nextRuns.Add().SetTo(in run, state);
        }
    }

    /// <summary><see cref="ComputeNextStates"/> for a state with Proceed edges to follow first, or a conjunction.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool ComputeNextStatesWithProceed(in Run<T> run, bool isStart, T @event, long timestamp, long sequence)
    {
        var pattern = _pattern;
        var edgeStart = pattern.EdgeStart;
        var actions = pattern.EdgeAction;
        _evaluator.BeginRun(run.IsInline ? null : run.Head);
        var taken = false;
        _edges.Clear();
        _stack.Push(run.State);
        // The start run never ignores; without Proceed edges its Ignore conditions are not even evaluated.
        var skipIgnore = isStart && !pattern.HasProceed[run.State];
        while (_stack.Count > 0)
        {
            var s = _stack.Pop();
            for (var e = edgeStart[s]; e < edgeStart[s + 1]; e++)
            {
                if ((skipIgnore && actions[e] == NfaAction.Ignore) || !Holds(e))
                {
                    continue;
                }
                if (actions[e] == NfaAction.Proceed)
                {
                    _stack.Push(pattern.EdgeTarget[e]);
                }
                else
                {
                    _edges.Add(e);
                }
            }
        }
        if (pattern.AnyOrder)
        {
            // A conjunction never branches: the first step that can take the event takes it.
            foreach (var edge in _edges)
            {
                if (actions[edge] == NfaAction.Take)
                {
                    _edges.Clear();
                    _edges.Add(edge);
                    break;
                }
            }
        }
        foreach (var e in _edges)
        {
            if (actions[e] == NfaAction.Ignore)
            {
                if (!isStart)
                {
                    AddIgnored(in run, e, timestamp);
                }
                continue;
            }
            taken = true;
            Take(in run, isStart, e, @event, timestamp, sequence);
        }
        return taken;
    }

    /// <summary>The run takes the event along Take edge <paramref name="e"/>: a new shared-buffer node, and a
    /// completed match too when everything after the target is optional. Not inlined (see
    /// <see cref="ComputeNextStates"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Take(in Run<T> run, bool isStart, int e, T @event, long timestamp, long sequence)
    {
        var pattern = _pattern;
        var target = pattern.EdgeTarget[e];
        if (Run<T>.CanInline && run.IsInline && !isStart)
        {
            TakeIntoPair(in run, e, timestamp);
            return;
        }
        var final = pattern.MayProceedToFinal[target] ? FindFinalAfterProceed(target) : -1;
        if (Run<T>.CanInline && isStart && final < 0 && pattern.Kinds[target] != NfaStateKind.Final)
        {
            // A partial match's first event stays inline until the key sees another event (see Run).
            (pattern.HasStopStates ? _branch : _nextRuns).Add().SetInline(target, @event, timestamp, sequence, pattern.EdgeStep[e]);
            return;
        }
        var node = new SharedBufferNode<T>(@event, timestamp, sequence, pattern.EdgeStep[e], run.Head);
        var startTimestamp = isStart ? timestamp : run.StartTimestamp;
        var startSequence = isStart ? sequence : run.StartSequence;
        AddBranch(target, node, startTimestamp, startSequence, timestamp);
        if (final >= 0)
        {
            AddBranch(final, node, startTimestamp, startSequence, timestamp);
        }
    }

    /// <summary>A run that kept its only event inline (<see cref="CompiledPattern{T}.KeepsInline"/>) takes the event
    /// straight into the final state: a match of two events without nodes.</summary>
    private void TakeIntoPair(in Run<T> run, int e, long timestamp)
    {
        Debug.Assert(_pattern.Kinds[_pattern.EdgeTarget[e]] == NfaStateKind.Final && !_pattern.HasStopStates, "only KeepsInline states take from an inline run");
        _potential.Add().SetPair(in run, _pattern.EdgeStep[e], timestamp);
    }

    /// <summary>Whether the state can reach the final state through Proceed edges on the same event (a step that
    /// just took an event may complete the match at once when everything after it is optional).</summary>
    private int FindFinalAfterProceed(int state)
    {
        var pattern = _pattern;
        var edgeStart = pattern.EdgeStart;
        _stack.Push(state);
        var found = -1;
        while (_stack.Count > 0 && found < 0)
        {
            var s = _stack.Pop();
            for (var e = edgeStart[s]; e < edgeStart[s + 1]; e++)
            {
                if (pattern.EdgeAction[e] == NfaAction.Proceed && Holds(e))
                {
                    var target = pattern.EdgeTarget[e];
                    if (pattern.Kinds[target] == NfaStateKind.Final)
                    {
                        found = target;
                        break;
                    }
                    _stack.Push(target);
                }
            }
        }
        _stack.Clear();
        return found;
    }

    /// <summary>Closes the runs whose window has ended by <paramref name="time"/>: timeouts, or matches for a
    /// trailing notFollowedBy. Deadlines are taken in time order and waiting matches are emitted between them, so
    /// what closes does not depend on how far the watermark jumped at once.</summary>
    private void CloseExpired(TKey key, ref KeyRuns<T> state, long time)
    {
        var kinds = _pattern.Kinds;
        while (state.Count > 0)
        {
            var next = long.MaxValue;
            for (var i = 0; i < state.Count; i++)
            {
                next = Math.Min(next, Deadline(state[i]));
            }
            if (next > time)
            {
                return;
            }
            var kept = 0;
            _expiredPending.Clear();
            for (var i = 0; i < state.Count; i++)
            {
                var run = state[i];
                if (Deadline(run) != next)
                {
                    state[kept++] = run;
                    continue;
                }
                if (Run<T>.CanInline && run.IsInline && kinds[run.State] != NfaStateKind.Pending)
                {
                    Stats.Timeouts++;
                    var only = new MatchedEvent<T>(run.InlineEvent, run.StartTimestamp, run.StartSequence, run.InlineStep);
                    _sink.OnTimeout(new PatternResult<T, TKey>(key, next, in only, default!, 0, -1, _pattern.StepNamesArray));
                    continue;
                }
                run = run.Materialized();
                if (kinds[run.State] == NfaStateKind.Pending)
                {
                    _expiredPending.Add().Set(in run, next);
                }
                else
                {
                    Stats.Timeouts++;
                    _sink.OnTimeout(new PatternResult<T, TKey>(key, next, run.Head!, _pattern.StepNamesArray));
                }
            }
            state.Truncate(kept);
            if (_expiredPending.Count > 0 || state.Waiting is { Count: > 0 })
            {
                HandleMatches(key, ref state, _expiredPending, default!, 0);
            }
            _expiredPending.Clear();
        }
    }

    /// <summary>When the run's window closes: the earlier of first event + within and previous event + the
    /// step's within; long.MaxValue without windows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Deadline(in Run<T> run)
    {
        var deadline = long.MaxValue;
        if (_pattern.WindowMs > 0)
        {
            deadline = run.StartTimestamp + _pattern.WindowMs;
        }
        var stepWindow = _pattern.StepWindowMs[run.State];
        if (stepWindow > 0)
        {
            deadline = Math.Min(deadline, run.PreviousTimestamp + stepWindow);
        }
        return deadline;
    }

    /// <summary>
    /// Emits completed matches. Without a skip strategy they go out at once. With one, they are emitted in the
    /// order of their first event: a completed match waits while a partial match that started earlier is open,
    /// and each emitted match prunes the partial and waiting matches its strategy discards. <paramref name="event"/>
    /// and <paramref name="sequence"/> are the event being processed: the last event of matches without nodes
    /// (<see cref="CompletedMatch{T}.IsPair"/>; none when windows close or matches waited).
    /// </summary>
    private void HandleMatches(TKey key, ref KeyRuns<T> state, ScratchList<CompletedMatch<T>> completed, T @event, long sequence)
    {
        if (_pattern.AfterMatch.Kind == SkipKind.NoSkip)
        {
            // By reference: a copy of each match (a list enumerator's) was read back from the stack while the
            // stores that wrote it were still in flight (see Run.Set).
            for (var i = 0; i < completed.Count; i++)
            {
                Emit(key, in completed[i], @event, sequence);
            }
            return;
        }
        HoldInStartOrder(key, ref state, completed);
    }

    /// <summary><see cref="HandleMatches"/> with a skip strategy: completed matches wait in the order of their first
    /// event. Not inlined: its temporaries would otherwise be zeroed for every match of a pattern without one.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void HoldInStartOrder(TKey key, ref KeyRuns<T> state, ScratchList<CompletedMatch<T>> completed)
    {
        if (completed.Count > 0)
        {
            var waiting = state.Waiting ??= [];
            foreach (var match in completed.AsSpan())
            {
                Debug.Assert(!match.IsPair, "only patterns without a skip strategy complete matches without nodes");
                var at = waiting.Count;
                while (at > 0 && Compare(waiting[at - 1].StartTimestamp, waiting[at - 1].StartSequence, match.StartTimestamp, match.StartSequence) > 0)
                {
                    at--;
                }
                waiting.Insert(at, match);
            }
        }
        EmitWaiting(key, ref state);
    }

    private void EmitWaiting(TKey key, ref KeyRuns<T> state)
    {
        var waiting = state.Waiting;
        if (waiting is null)
        {
            return;
        }
        while (waiting.Count > 0)
        {
            var earliest = waiting[0];
            if (state.Count > 0 && Compare(earliest.StartTimestamp, earliest.StartSequence, state[0].StartTimestamp, state[0].StartSequence) > 0)
            {
                break;
            }
            waiting.RemoveAt(0);
            Prune(ref state, earliest);
            Emit(key, earliest, default!, 0);
        }
        if (waiting.Count == 0)
        {
            state.Waiting = null;
        }
    }

    private void Emit(TKey key, in CompletedMatch<T> match, T @event, long sequence)
    {
        Stats.Matches++;
        if (match.Head is { } head)
        {
            _sink.OnMatch(new PatternResult<T, TKey>(key, match.Time, head, _pattern.StepNamesArray));
        }
        else
        {
            _sink.OnMatch(new PatternResult<T, TKey>(key, match.Time, match.PairFirst, @event, sequence, match.PairLastStep, _pattern.StepNamesArray));
        }
    }

    private void Prune(ref KeyRuns<T> state, in CompletedMatch<T> match)
    {
        long pruneTimestamp, pruneSequence;
        bool inclusive;
        var skip = _pattern.AfterMatch;
        switch (skip.Kind)
        {
            case SkipKind.SkipPastLastEvent:
                (pruneTimestamp, pruneSequence, inclusive) = (match.Head!.Timestamp, match.Head.Sequence, true);
                break;
            case SkipKind.SkipToNext:
                (pruneTimestamp, pruneSequence, inclusive) = (match.StartTimestamp, match.StartSequence, true);
                break;
            case SkipKind.SkipToFirst:
            case SkipKind.SkipToLast:
                var step = _pattern.StepIndex(skip.Step!);
                SharedBufferNode<T>? target = null;
                for (var node = match.Head; node is not null; node = node.Previous)
                {
                    if (node.Step == step)
                    {
                        target = node;
                        if (skip.Kind == SkipKind.SkipToLast)
                        {
                            break;
                        }
                    }
                }
                if (target is null)
                {
                    return;
                }
                (pruneTimestamp, pruneSequence, inclusive) = (target.Timestamp, target.Sequence, false);
                break;
            default:
                return;
        }
        var kept = 0;
        for (var i = 0; i < state.Count; i++)
        {
            var c = Compare(state[i].StartTimestamp, state[i].StartSequence, pruneTimestamp, pruneSequence);
            if (c < 0 || (inclusive && c == 0))
            {
                continue;
            }
            state[kept++] = state[i];
        }
        state.Truncate(kept);
        state.Waiting?.RemoveAll(w =>
        {
            var c = Compare(w.StartTimestamp, w.StartSequence, pruneTimestamp, pruneSequence);
            return c < 0 || (inclusive && c == 0);
        });
    }

    private static int Compare(long timestampA, long sequenceA, long timestampB, long sequenceB)
    {
        var c = timestampA.CompareTo(timestampB);
        return c != 0 ? c : sequenceA.CompareTo(sequenceB);
    }
}
