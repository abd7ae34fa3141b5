using System.Runtime.CompilerServices;

namespace Cep.Nfa;

/// <summary>
/// Evaluates base conditions for one event, memoising each result: a condition that does not read the match
/// context is evaluated at most once per event for all runs of a key; one that does, at most once per run.
/// A condition that throws is reported once and does not hold.
/// </summary>
internal sealed class ConditionEvaluator<T>
{
    private readonly Condition<T>[] _conditions;
    private readonly int[] _contextReaders;
    private readonly byte[] _memo;
    private readonly Action<int, T, long, Exception> _onError;
    private T _event = default!;

    public ConditionEvaluator(CompiledPattern<T> pattern, Action<int, T, long, Exception> onError)
    {
        _conditions = pattern.BaseConditions;
        _contextReaders = Enumerable.Range(0, _conditions.Length).Where(i => pattern.BaseReadsContext[i]).ToArray();
        _memo = new byte[_conditions.Length];
        _onError = onError;
        Context = new MatchContext<T>(pattern.StepNamesArray);
    }

    public MatchContext<T> Context { get; }

    public void BeginEvent(T @event, long timestamp)
    {
        _event = @event;
        Context.Timestamp = timestamp;
        // Typed: the untyped Array.Clear checks the array's type on every event.
        _memo.AsSpan().Clear();
    }

    public void BeginRun(SharedBufferNode<T>? head)
    {
        if (!ReferenceEquals(Context.Head, head))
        {
            Context.Head = head;
            foreach (var i in _contextReaders)
            {
                _memo[i] = 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Base(int index)
    {
        var known = _memo[index];
        return known != 0 ? known == 2 : Evaluate(index);
    }

    /// <summary>Evaluates and memoises base condition <paramref name="index"/>; apart from <see cref="Base"/>, whose
    /// memo check is then inlined into the NFA step (a method with a try block is not).</summary>
    private bool Evaluate(int index)
    {
        bool result;
        try
        {
            result = _conditions[index](_event, Context);
        }
#pragma warning disable CA1031 // User conditions may throw anything; the run goes on (STYLE 10).
        catch (Exception ex)
#pragma warning restore CA1031
        {
            result = false;
            _onError(index, _event, Context.Timestamp, ex);
        }
        _memo[index] = result ? (byte)2 : (byte)1;
        return result;
    }

    /// <summary>Forget the event so buffered events are not kept alive by the evaluator.</summary>
    public void EndEvent()
    {
        _event = default!;
        Context.Head = null;
    }
}
