namespace Cep.Nfa;

/// <summary>
/// What a condition can see besides the event under test: the events the partial match has already
/// taken (Flink's iterative-condition context), and the time of the event under test. One instance is
/// reused for every evaluation of an operator, so evaluating a condition allocates nothing.
/// Steps are addressed by index (<see cref="CompiledPattern.StepIndex"/>); events come newest first
/// when enumerated.
/// </summary>
public sealed class MatchContext<T>
{
    private readonly string[] _stepNames;

    /// <summary>A context over a pattern's steps; hosts that evaluate expressions over a finished match (emit)
    /// create one and <see cref="Reset"/> it per match.</summary>
    public MatchContext(IReadOnlyList<string> stepNames)
    {
        ArgumentNullException.ThrowIfNull(stepNames);
        _stepNames = [.. stepNames];
    }

    /// <summary>The newest event of the partial match, or null when it has taken none.</summary>
    public SharedBufferNode<T>? Head { get; internal set; }

    /// <summary>Time of the event under test (for emit: the time the match was decided).</summary>
    public long Timestamp { get; internal set; }

    /// <summary>Names of the pattern's steps, by index.</summary>
    public IReadOnlyList<string> StepNames => _stepNames;

    /// <summary>Sets the context by hand, for evaluating a condition outside a running operator.</summary>
    public void Reset(SharedBufferNode<T>? head, long timestamp)
    {
        Head = head;
        Timestamp = timestamp;
    }

    /// <summary>Number of events <paramref name="step"/> has taken.</summary>
    public int Count(int step)
    {
        var n = 0;
        for (var node = Head; node is not null; node = node.Previous)
        {
            if (node.Step == step)
            {
                n++;
            }
        }
        return n;
    }

    /// <summary>The last event <paramref name="step"/> took, or null.</summary>
    public SharedBufferNode<T>? Last(int step)
    {
        for (var node = Head; node is not null; node = node.Previous)
        {
            if (node.Step == step)
            {
                return node;
            }
        }
        return null;
    }

    /// <summary>The first event <paramref name="step"/> took, or null.</summary>
    public SharedBufferNode<T>? First(int step)
    {
        SharedBufferNode<T>? first = null;
        for (var node = Head; node is not null; node = node.Previous)
        {
            if (node.Step == step)
            {
                first = node;
            }
        }
        return first;
    }

    /// <summary>The <paramref name="index"/>-th event (from the first, 0-based) that <paramref name="step"/> took, or null.</summary>
    public SharedBufferNode<T>? At(int step, int index)
    {
        if (index < 0)
        {
            return null;
        }
        var count = Count(step);
        var fromNewest = count - 1 - index;
        if (fromNewest < 0)
        {
            return null;
        }
        for (var node = Head; node is not null; node = node.Previous)
        {
            if (node.Step == step && fromNewest-- == 0)
            {
                return node;
            }
        }
        return null;
    }

    /// <summary>The events <paramref name="step"/> took, newest first, without allocating.</summary>
    public StepEvents<T> Events(int step) => new(Head, step);

    /// <summary>Events of a step by name, oldest first. Allocates: for the fluent API's convenience.</summary>
    public IReadOnlyList<T> EventsOf(string stepName)
    {
        var step = Array.IndexOf(_stepNames, stepName);
        if (step < 0)
        {
            throw new ArgumentException($"The pattern has no step '{stepName}'.", nameof(stepName));
        }
        var list = new List<T>();
        foreach (var node in Events(step))
        {
            list.Add(node.Event);
        }
        list.Reverse();
        return list;
    }
}

/// <summary>Allocation-free enumeration of one step's events, newest first.</summary>
public readonly struct StepEvents<T>
{
    private readonly SharedBufferNode<T>? _head;
    private readonly int _step;

    internal StepEvents(SharedBufferNode<T>? head, int step)
    {
        _head = head;
        _step = step;
    }

    public Enumerator GetEnumerator() => new(_head, _step);

    public struct Enumerator
    {
        private SharedBufferNode<T>? _next;
        private readonly int _step;

        internal Enumerator(SharedBufferNode<T>? head, int step)
        {
            _next = head;
            _step = step;
            Current = null!;
        }

        public SharedBufferNode<T> Current { get; private set; }

        public bool MoveNext()
        {
            while (_next is not null)
            {
                var node = _next;
                _next = node.Previous;
                if (node.Step == _step)
                {
                    Current = node;
                    return true;
                }
            }
            return false;
        }
    }
}
