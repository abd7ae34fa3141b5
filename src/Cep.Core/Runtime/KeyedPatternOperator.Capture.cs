using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cep.Nfa;
using Cep.State;

namespace Cep.Runtime;

/// <summary>
/// Checkpoints without serializing on the event thread. Shared-buffer nodes and the events they hold are immutable
/// once linked, so a key's state is captured as a shallow copy of its runs (state, head, first) and of its waiting
/// matches; the nodes stay shared. The operator may then go on changing the key: the capture keeps what the key
/// held at the cut, and <see cref="KeyStateCapture{T, TKey}.Write"/> serializes it later, on any thread, to the
/// exact bytes <see cref="WriteKey"/> would have written at the cut.
/// </summary>
public sealed partial class KeyedPatternOperator<T, TKey>
{
    private readonly SnapshotScratch<T> _scratch = new();
    private Run<T>[] _writeRuns = new Run<T>[4];

    /// <summary>
    /// Captures every key changed since the last capture (or <see cref="ClearChanged"/>) and clears the change
    /// set: the changed keys in table order (a copy of a few words each, nothing serialized, no lookups), then a
    /// delete record for each key the store holds that has left the table.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public KeyStateCapture<T, TKey> CaptureChanged()
    {
        var changes = _changes ?? throw new InvalidOperationException("The operator was created without trackChanges.");
        var capture = new KeyStateCapture<T, TKey>(changes.Count);
        foreach (var key in DeletedFromStore(changes))
        {
            capture.AddDeleted(key);
        }
        var visitor = new CaptureVisitor(_keys, capture);
        changes.Drain(ref visitor);
        return capture;
    }

    /// <summary>Keys the store holds that have left the table. A key that came back since is changed instead, and
    /// written with its state.</summary>
    private IEnumerable<TKey> DeletedFromStore(ChangeTracker<TKey> changes) => changes.Removed.Where(key => !_keys.ContainsKey(key));

    private readonly struct CaptureVisitor(KeyTable<TKey, KeyRuns<T>> keys, KeyStateCapture<T, TKey> capture) : IHandleVisitor
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Visit(int handle)
        {
            ref var state = ref keys.ValueAt(handle);
            if (state.IsEmpty)
            {
                // Keys are released as they empty; this only guards the store against an empty record.
                capture.AddDeleted(keys.KeyAt(handle));
            }
            else
            {
                capture.Add(keys.KeyAt(handle), state);
            }
        }
    }

    /// <summary>Sizes the key table for a restore of <paramref name="keys"/> more keys, so it is not rehashed
    /// twenty times on the way to a million.</summary>
    public void EnsureKeyCapacity(int keys)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keys);
        _keys.EnsureCapacity(_keys.Count + keys);
    }

    /// <summary>The live key's runs as a span (copied into scratch: the first run is stored inline).</summary>
    private ReadOnlySpan<Run<T>> RunsOf(in KeyRuns<T> state)
    {
        if (_writeRuns.Length < state.Count)
        {
            _writeRuns = new Run<T>[Math.Max(state.Count, _writeRuns.Length * 2)];
        }
        for (var i = 0; i < state.Count; i++)
        {
            _writeRuns[i] = state[i];
        }
        return _writeRuns.AsSpan(0, state.Count);
    }

    private static ReadOnlySpan<CompletedMatch<T>> WaitingOf(in KeyRuns<T> state) =>
        state.Waiting is { } waiting ? CollectionsMarshal.AsSpan(waiting) : default;
}

/// <summary>
/// Scratch for serializing key states (node numbering) and decoding them. Not thread-safe: each thread that serializes keys uses
/// its own; reusing one for every key means a checkpoint of a million keys allocates nothing per key.
/// </summary>
public sealed class SnapshotScratch<T>
{
    internal readonly List<SharedBufferNode<T>> Nodes = [];
    internal readonly Dictionary<SharedBufferNode<T>, int> Ids = new(ReferenceEqualityComparer.Instance);
    internal readonly Stack<SharedBufferNode<T>> Chain = new();
    internal readonly List<Run<T>> RestoreRuns = [];
    internal readonly List<Run<T>> Materialized = [];
    internal SharedBufferNode<T>[] RestoreNodes = new SharedBufferNode<T>[16];
}

/// <summary>One key's state decoded by <see cref="KeyedPatternOperator{T, TKey}.DecodeKey"/>, waiting to be
/// installed by <see cref="KeyedPatternOperator{T, TKey}.InstallKey"/>.</summary>
public readonly struct DecodedKey<T>
{
    internal DecodedKey(KeyRuns<T> state) => State = state;

    internal KeyRuns<T> State { get; }

    /// <summary>Whether the key holds nothing (installing it removes the key).</summary>
    public bool IsEmpty => State.IsEmpty;
}

/// <summary>
/// The changed keys of one operator at a cut, as shallow copies (see
/// <see cref="KeyedPatternOperator{T, TKey}.CaptureChanged"/>). Immutable once captured; <see cref="Write"/> may
/// run on another thread than the operator's, each thread with its own <see cref="SnapshotScratch{T}"/>.
/// </summary>
public sealed class KeyStateCapture<T, TKey>
{
    private TKey[] _keys;
    private int[] _runEnd;
    private int[] _waitingEnd;
    private Run<T>[] _runs;
    private CompletedMatch<T>[] _waiting = [];
    private int _count;
    private int _runCount;
    private int _waitingCount;

    internal KeyStateCapture(int capacity)
    {
        capacity = Math.Max(capacity, 1);
        _keys = new TKey[capacity];
        _runEnd = new int[capacity];
        _waitingEnd = new int[capacity];
        _runs = new Run<T>[capacity];
    }

    /// <summary>Number of captured keys (with state or deleted).</summary>
    public int Count => _count;

    /// <summary>Captured keys whose state emptied (to delete from the store).</summary>
    public int DeletedCount { get; private set; }

    public TKey KeyAt(int index)
    {
        CheckIndex(index);
        return _keys[index];
    }

    /// <summary>Whether the key held no state at the cut (so the store should forget it).</summary>
    public bool IsDeleted(int index)
    {
        CheckIndex(index);
        return RunStart(index) == _runEnd[index] && WaitingStart(index) == _waitingEnd[index];
    }

    /// <summary>
    /// Writes the captured state of key <paramref name="index"/>: the bytes
    /// <see cref="KeyedPatternOperator{T, TKey}.WriteKey"/> wrote at the cut. Returns false (writing nothing) for a
    /// deleted key. The codec's writing side must be safe to call from this thread.
    /// </summary>
    public bool Write(int index, SnapshotWriter writer, ISnapshotCodec<T, TKey> codec, SnapshotScratch<T> scratch)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(scratch);
        if (IsDeleted(index))
        {
            return false;
        }
        var runs = _runs.AsSpan(RunStart(index), _runEnd[index] - RunStart(index));
        var waiting = _waiting.AsSpan(WaitingStart(index), _waitingEnd[index] - WaitingStart(index));
        KeySnapshot.Write(runs, waiting, writer, codec, scratch);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Add(TKey key, in KeyRuns<T> state)
    {
        EnsureKey();
        var runs = state.Count;
        if (_runCount + runs > _runs.Length)
        {
            Array.Resize(ref _runs, Math.Max(_runCount + runs, _runs.Length * 2));
        }
        for (var i = 0; i < runs; i++)
        {
            _runs[_runCount++] = state[i];
        }
        if (state.Waiting is { Count: > 0 } waiting)
        {
            if (_waitingCount + waiting.Count > _waiting.Length)
            {
                Array.Resize(ref _waiting, Math.Max(_waitingCount + waiting.Count, Math.Max(16, _waiting.Length * 2)));
            }
            waiting.CopyTo(_waiting, _waitingCount);
            _waitingCount += waiting.Count;
        }
        Close(key);
    }

    internal void AddDeleted(TKey key)
    {
        EnsureKey();
        DeletedCount++;
        Close(key);
    }

    private void Close(TKey key)
    {
        _keys[_count] = key;
        _runEnd[_count] = _runCount;
        _waitingEnd[_count] = _waitingCount;
        _count++;
    }

    private void EnsureKey()
    {
        if (_count == _keys.Length)
        {
            var size = _keys.Length * 2;
            Array.Resize(ref _keys, size);
            Array.Resize(ref _runEnd, size);
            Array.Resize(ref _waitingEnd, size);
        }
    }

    private int RunStart(int index) => index == 0 ? 0 : _runEnd[index - 1];

    private int WaitingStart(int index) => index == 0 ? 0 : _waitingEnd[index - 1];

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The capture holds {_count} key(s).");
        }
    }
}

/// <summary>The one serializer of a key's state, shared by the live path and captures so their bytes agree.</summary>
internal static class KeySnapshot
{
    public const byte Format = 2;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write<T, TKey>(
        ReadOnlySpan<Run<T>> runs,
        ReadOnlySpan<CompletedMatch<T>> waiting,
        SnapshotWriter writer,
        ISnapshotCodec<T, TKey> codec,
        SnapshotScratch<T> scratch)
    {
        // Number the nodes so that a node's predecessor always comes before it. A key with one run (the common
        // case) is one chain, numbered by depth; otherwise shared prefixes are found through a scratch map.
        var ordered = scratch.Nodes;
        var ids = scratch.Ids;
        ordered.Clear();
        ids.Clear();
        if (Run<T>.CanInline && runs.Length == 1 && waiting.Length == 0 && runs[0].IsInline)
        {
            // The common key (one run, one event held inline): written as the one-node chain it stands for,
            // without making the node.
            var run = runs[0];
            writer.WriteByte(Format);
            writer.WriteVarUInt(1);
            writer.WriteVarUInt(0);
            writer.WriteVarUInt((ulong)run.InlineStep);
            writer.WriteVarInt(run.StartTimestamp);
            writer.WriteVarInt(run.StartSequence & SharedBufferNode<T>.SequenceMask); // as the node would hold it
            codec.WriteEvent(writer, run.InlineEvent);
            writer.WriteVarUInt(1);
            writer.WriteVarUInt((ulong)run.State);
            writer.WriteVarUInt(0);
            writer.WriteVarUInt(0);
            writer.WriteVarUInt(0);
            return;
        }
        if (HasInline(runs))
        {
            // Inline events are written as the nodes they stand for, so the bytes do not depend on whether a run
            // was materialized (the nodes made here are the writer's, not the operator's).
            var materialized = scratch.Materialized;
            materialized.Clear();
            foreach (var run in runs)
            {
                materialized.Add(run.Materialized());
            }
            runs = CollectionsMarshal.AsSpan(materialized);
        }
        var singleChain = runs.Length == 1 && waiting.Length == 0;
        if (singleChain)
        {
            for (var node = runs[0].Head; node is not null; node = node.Previous)
            {
                ordered.Add(node);
            }
            ordered.Reverse();
        }
        else
        {
            var chain = scratch.Chain;
            foreach (var run in runs)
            {
                Collect(run.Head, ordered, ids, chain);
            }
            foreach (var match in waiting)
            {
                Collect(match.Head, ordered, ids, chain);
            }
        }
        // In a single chain a node's id is its position: its predecessor is the one before it, the run's head is
        // the last, its first event the first.
        writer.WriteByte(Format);
        writer.WriteVarUInt((ulong)ordered.Count);
        for (var i = 0; i < ordered.Count; i++)
        {
            var node = ordered[i];
            writer.WriteVarUInt(node.Previous is null ? 0 : singleChain ? (ulong)i : (ulong)ids[node.Previous] + 1);
            writer.WriteVarUInt((ulong)node.Step);
            writer.WriteVarInt(node.Timestamp);
            writer.WriteVarInt(node.Sequence);
            codec.WriteEvent(writer, node.Event);
        }
        writer.WriteVarUInt((ulong)runs.Length);
        foreach (var run in runs)
        {
            writer.WriteVarUInt((ulong)run.State);
            writer.WriteVarUInt(singleChain ? (ulong)ordered.Count - 1 : (ulong)ids[run.Head!]);
            writer.WriteVarUInt(singleChain ? 0 : (ulong)ids[run.First]);
        }
        writer.WriteVarUInt((ulong)waiting.Length);
        foreach (var match in waiting)
        {
            writer.WriteVarUInt((ulong)ids[match.Head!]);
            writer.WriteVarUInt((ulong)ids[match.First]);
            writer.WriteVarInt(match.Time);
        }
        ordered.Clear();
        ids.Clear();
        scratch.Materialized.Clear();
    }

    private static bool HasInline<T>(ReadOnlySpan<Run<T>> runs)
    {
        if (!Run<T>.CanInline)
        {
            return false;
        }
        foreach (var run in runs)
        {
            if (run.IsInline)
            {
                return true;
            }
        }
        return false;
    }

    private static void Collect<T>(
        SharedBufferNode<T>? head,
        List<SharedBufferNode<T>> ordered,
        Dictionary<SharedBufferNode<T>, int> ids,
        Stack<SharedBufferNode<T>> chain)
    {
        for (var node = head; node is not null && !ids.ContainsKey(node); node = node.Previous)
        {
            chain.Push(node);
        }
        while (chain.Count > 0)
        {
            var node = chain.Pop();
            ids[node] = ordered.Count;
            ordered.Add(node);
        }
    }
}
