using Cep.Nfa;

namespace Cep.Runtime;

/// <summary>A partial match in progress: the state it is in and the newest event it took.</summary>
internal struct Run<T>
{
    public int State;
    public SharedBufferNode<T>? Head;
    public long StartTimestamp;

    /// <summary>Arrival sequence of the first event; -1 for the start run.</summary>
    public long StartSequence;
    public long PreviousTimestamp;

    public Run(int state, SharedBufferNode<T>? head, long startTimestamp, long startSequence, long previousTimestamp)
    {
        State = state;
        Head = head;
        StartTimestamp = startTimestamp;
        StartSequence = startSequence;
        PreviousTimestamp = previousTimestamp;
    }
}

/// <summary>A completed match waiting behind an earlier partial match (skip strategies emit in start order).</summary>
internal struct CompletedMatch<T>
{
    public SharedBufferNode<T> Head;
    public long StartTimestamp;
    public long StartSequence;
    public long Time;

    public CompletedMatch(SharedBufferNode<T> head, long startTimestamp, long startSequence, long time)
    {
        Head = head;
        StartTimestamp = startTimestamp;
        StartSequence = startSequence;
        Time = time;
    }
}

/// <summary>
/// The mutable per-key state: open runs ordered by their first event, completed matches waiting to be
/// emitted, and the deadline of the key's timer. Runs are kept in a plain array to avoid a list object per key.
/// </summary>
internal sealed class KeyRuns<T>
{
    private static readonly Run<T>[] NoRuns = [];

    public Run<T>[] Runs = NoRuns;
    public int Count;
    public List<CompletedMatch<T>>? Waiting;

    /// <summary>Deadline of the timer registered for this key; long.MaxValue when none.</summary>
    public long TimerAt = long.MaxValue;

    public bool IsEmpty => Count == 0 && (Waiting is null || Waiting.Count == 0);

    public void SetRuns(List<Run<T>> runs)
    {
        if (Runs.Length < runs.Count || Runs.Length > 4 * Math.Max(4, runs.Count))
        {
            // Grow to fit, or shrink an array left large by a burst of branching.
            Runs = runs.Count == 0 ? NoRuns : new Run<T>[runs.Count];
        }
        else if (runs.Count < Count)
        {
            Array.Clear(Runs, runs.Count, Count - runs.Count);
        }
        runs.CopyTo(Runs);
        Count = runs.Count;
    }

    public void Truncate(int count)
    {
        if (count < Count)
        {
            Array.Clear(Runs, count, Count - count);
        }
        Count = count;
    }
}

/// <summary>Counters of one operator.</summary>
public sealed class OperatorStats
{
    public long Events { get; internal set; }

    public long Matches { get; internal set; }

    public long Timeouts { get; internal set; }

    public long Late { get; internal set; }

    public long ConditionErrors { get; internal set; }

    public long PendingRuns { get; internal set; }

    public long Keys { get; internal set; }
}
