using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cep.Nfa;
using Cep.State;

namespace Cep.Runtime;

/// <summary>
/// Snapshot and restore (STYLE 8). The global part holds watermarks, inputs, the reorder buffer and counters;
/// each key's part holds its runs, the waiting matches and the shared-buffer nodes they reach (each node once).
/// Timers are not stored: they are derived from the runs on restore. The bytes are deterministic, so
/// snapshot → restore → snapshot gives the same bytes.
/// </summary>
public sealed partial class KeyedPatternOperator<T, TKey>
{
    private const byte GlobalFormat = 1;
    private const byte KeyFormat = KeySnapshot.Format;

    /// <summary>Keys a checkpoint must write since the last <see cref="ClearChanged"/> or
    /// <see cref="CaptureChanged"/> (only with trackChanges): every key touched that still holds state, and every
    /// key that was checkpointed or restored and holds none now. A key created and emptied in between is not one.</summary>
    public IReadOnlyCollection<TKey> ChangedKeys
    {
        get
        {
            if (_changes is null)
            {
                return [];
            }
            var keys = DeletedFromStore(_changes).ToList();
            keys.AddRange(_changes.ChangedHandles().Select(_keys.KeyAt));
            return keys;
        }
    }

    /// <summary>Every key that holds state.</summary>
    public IEnumerable<TKey> Keys => _keys.Keys;

    /// <summary>Counts every changed key as checkpointed (the caller wrote them with <see cref="WriteKey"/>).</summary>
    public void ClearChanged()
    {
        var skip = default(SkipVisitor);
        _changes?.Drain(ref skip);
    }

    private readonly struct SkipVisitor : IHandleVisitor
    {
        public void Visit(int handle)
        {
        }
    }

    public void WriteGlobal(SnapshotWriter writer, ISnapshotCodec<T, TKey> codec)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(codec);
        writer.WriteByte(GlobalFormat);
        writer.WriteVarInt(_watermark);
        writer.WriteVarInt(_sequence);
        writer.WriteVarInt(_now);
        writer.WriteVarInt(_firstNow);
        writer.WriteBool(_ended);
        writer.WriteVarUInt((ulong)_inputWatermark.Length);
        for (var i = 0; i < _inputWatermark.Length; i++)
        {
            writer.WriteVarInt(_inputWatermark[i]);
            writer.WriteVarInt(_inputLastArrival[i]);
            writer.WriteBool(_inputEnded[i]);
        }
        var buffered = _reorder.UnorderedItems.Select(item => item.Element).OrderBy(e => e.Timestamp).ThenBy(e => e.Sequence).ToList();
        writer.WriteVarUInt((ulong)buffered.Count);
        foreach (var e in buffered)
        {
            codec.WriteKey(writer, e.Key);
            writer.WriteVarInt(e.Timestamp);
            writer.WriteVarInt(e.Sequence);
            codec.WriteEvent(writer, e.Event);
        }
        writer.WriteVarInt(Stats.Events);
        writer.WriteVarInt(Stats.Matches);
        writer.WriteVarInt(Stats.Timeouts);
        writer.WriteVarInt(Stats.Late);
        writer.WriteVarInt(Stats.ConditionErrors);
    }

    public void ReadGlobal(SnapshotReader reader, ISnapshotCodec<T, TKey> codec)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(codec);
        var format = reader.ReadByte();
        if (format != GlobalFormat)
        {
            throw new InvalidDataException($"Operator snapshot format {format} is not supported (expected {GlobalFormat}).");
        }
        _watermark = reader.ReadVarInt();
        _sequence = reader.ReadVarInt();
        _now = reader.ReadVarInt();
        _firstNow = reader.ReadVarInt();
        _ended = reader.ReadBool();
        var inputs = reader.ReadCount();
        if (inputs != _inputWatermark.Length)
        {
            throw new InvalidDataException($"The snapshot has {inputs} input(s); the operator reads {_inputWatermark.Length}.");
        }
        for (var i = 0; i < inputs; i++)
        {
            _inputWatermark[i] = reader.ReadVarInt();
            _inputLastArrival[i] = reader.ReadVarInt();
            _inputEnded[i] = reader.ReadBool();
        }
        _reorder.Clear();
        var count = reader.ReadCount();
        for (var i = 0; i < count; i++)
        {
            var key = codec.ReadKey(reader);
            var timestamp = reader.ReadVarInt();
            var sequence = reader.ReadVarInt();
            var @event = codec.ReadEvent(reader);
            _reorder.Enqueue(new BufferedEvent(key, @event, timestamp, sequence), (timestamp, sequence));
        }
        Stats.Events = reader.ReadVarInt();
        Stats.Matches = reader.ReadVarInt();
        Stats.Timeouts = reader.ReadVarInt();
        Stats.Late = reader.ReadVarInt();
        Stats.ConditionErrors = reader.ReadVarInt();
    }

    /// <summary>Writes one key's state; returns false (writing nothing) when the key holds none, so the store
    /// can delete it. Same bytes as a <see cref="CaptureChanged"/> capture of the key serialized later.</summary>
    public bool WriteKey(TKey key, SnapshotWriter writer, ISnapshotCodec<T, TKey> codec)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(codec);
        if (!_keys.TryGetValue(key, out var state) || state.IsEmpty)
        {
            return false;
        }
        KeySnapshot.Write(RunsOf(state), WaitingOf(state), writer, codec, _scratch);
        return true;
    }

    /// <summary>Restores one key's state written by <see cref="WriteKey"/>, replacing whatever the key held.</summary>
    public void ReadKey(TKey key, SnapshotReader reader, ISnapshotCodec<T, TKey> codec) =>
        InstallKey(key, DecodeKey(reader, codec, _scratch));

    /// <summary>
    /// Decodes one key's state written by <see cref="WriteKey"/> without touching the operator's keys, so a restore
    /// may decode on one thread (events are parsed here) while <see cref="InstallKey"/> runs on the operator's. It
    /// reads only the compiled pattern; <paramref name="scratch"/> and the codec's reading side must be used by one
    /// thread at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public DecodedKey<T> DecodeKey(SnapshotReader reader, ISnapshotCodec<T, TKey> codec, SnapshotScratch<T> scratch)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(scratch);
        var format = reader.ReadByte();
        if (format != KeyFormat)
        {
            throw new InvalidDataException($"Key snapshot format {format} is not supported (expected {KeyFormat}).");
        }
        var stateCount = _pattern.Kinds.Length;
        var stepCount = _pattern.StepNamesArray.Length;
        var nodeCount = reader.ReadCount();
        if (scratch.RestoreNodes.Length < nodeCount)
        {
            scratch.RestoreNodes = new SharedBufferNode<T>[Math.Max(nodeCount, scratch.RestoreNodes.Length * 2)];
        }
        // Scratch, reused for every key: nodes are looked up by number only while this key is read.
        var nodes = scratch.RestoreNodes;
        for (var i = 0; i < nodeCount; i++)
        {
            var previous = reader.ReadCount(i);
            var step = reader.ReadCount(stepCount - 1);
            var timestamp = reader.ReadVarInt();
            var sequence = reader.ReadVarInt();
            var @event = codec.ReadEvent(reader);
            nodes[i] = new SharedBufferNode<T>(@event, timestamp, sequence, step, previous == 0 ? null : nodes[previous - 1]);
        }
        var state = new KeyRuns<T>();
        var runCount = reader.ReadCount();
        var runs = scratch.RestoreRuns;
        runs.Clear();
        for (var i = 0; i < runCount; i++)
        {
            var s = reader.ReadCount(stateCount - 1);
            var head = nodes[reader.ReadCount(nodeCount - 1)];
            var first = nodes[reader.ReadCount(nodeCount - 1)];
            runs.Add(new Run<T>(s, head, first));
        }
        state.SetRuns(CollectionsMarshal.AsSpan(runs));
        runs.Clear();
        var waitingCount = reader.ReadCount();
        if (waitingCount > 0)
        {
            state.Waiting = new List<CompletedMatch<T>>(waitingCount);
            for (var i = 0; i < waitingCount; i++)
            {
                var head = nodes[reader.ReadCount(nodeCount - 1)];
                var first = nodes[reader.ReadCount(nodeCount - 1)];
                state.Waiting.Add(new CompletedMatch<T>(head, first, reader.ReadVarInt()));
            }
        }
        if (nodeCount == 1 && state.Count == 1 && state.Waiting is null)
        {
            state[0] = state[0].Inlined();
        }
        Array.Clear(nodes, 0, nodeCount);
        return new DecodedKey<T>(state);
    }

    /// <summary>Makes a decoded state the key's state (on the operator's thread), with its timer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void InstallKey(TKey key, DecodedKey<T> decoded)
    {
        var state = decoded.State;
        if (state.IsEmpty)
        {
            var existing = _keys.HandleOf(key);
            if (existing != 0)
            {
                ref var old = ref _keys.ValueAt(existing);
                Release(existing, ref old);
            }
            return;
        }
        ref var stored = ref _keys.GetValueRefOrAddDefault(key, out _, out var handle);
        stored = state;
        RegisterTimer(handle, ref stored);
        _changes?.MarkStored(handle);
    }

    /// <summary>Forgets every key, buffered event, timer and watermark: back to a fresh operator.</summary>
    public void Reset()
    {
        _keys.Clear();
        _reorder.Clear();
        _timers.Clear();
        _changes?.Clear();
        Array.Fill(_inputWatermark, long.MinValue);
        Array.Fill(_inputLastArrival, long.MinValue);
        Array.Fill(_inputEnded, false);
        _watermark = long.MinValue;
        _sequence = 0;
        _now = long.MinValue;
        _firstNow = long.MinValue;
        _ended = false;
    }
}
