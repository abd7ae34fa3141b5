using System.Diagnostics;
using System.Text;
using Cep.Rules;
using Cep.Rules.Events;
using Cep.Runtime;
using Cep.Runner.Engine;
using Cep.Runner.Inputs;
using Cep.State;

namespace Cep.Runner.Checkpointing;

/// <summary>
/// <c>cep run --state</c>: restores a run from the state file and checkpoints it. A checkpoint is taken between
/// two lines (<see cref="RunEngine.BetweenEvents"/>), when nothing is half-processed: the event thread writes the
/// rule globals, captures the changed keys (shallow copies, see <see cref="KeyedPatternOperator{T, TKey}.CaptureChanged"/>)
/// and notes file offsets and output lengths after flushing them to the OS; a background task serializes the
/// captured keys into a <see cref="CheckpointBatch"/>, fsyncs the outputs and commits, so the loop never waits for
/// serialization or the disk. One commit is in flight at a time; a failed one stops the run (exit 1) with the last good
/// checkpoint intact, because the changes it carried are no longer tracked.
/// </summary>
internal sealed class RunCheckpointer : IDisposable
{
    private readonly CheckpointStore _store;
    private readonly StateSettings _settings;
    private readonly TextWriter _error;
    private readonly SavedState? _saved;
    private readonly RuleChangePlan? _plan;
    private readonly Dictionary<string, (string Fingerprint, string Structure)> _identity = new(StringComparer.Ordinal);
    private readonly SnapshotWriter _writer = new();
    private readonly Func<long> _wallMs;
    private readonly List<string> _pendingDrops = [];
    private RunKeyCodec? _codec;
    private SqliteLineStream? _sqlite;
    private Task? _inFlight;
    private long _dueTick;
    private bool _compactionFailing;

    private RunCheckpointer(CheckpointStore store, StateSettings settings, TextWriter error, SavedState? saved, RuleChangePlan? plan, Func<long> wallMs)
    {
        _store = store;
        _settings = settings;
        _error = error;
        _saved = saved;
        _plan = plan;
        _wallMs = wallMs;
        if (plan is not null)
        {
            _pendingDrops.AddRange(plan.ToDrop);
        }

        _dueTick = Environment.TickCount64 + settings.IntervalMs;
    }

    /// <summary>Whether the run resumes from a saved checkpoint.</summary>
    public bool Resuming => _saved is not null;

    /// <summary>Checkpoints committed by this run (final included).</summary>
    public int Checkpoints { get; private set; }

    /// <summary>Longest time the event loop stopped for one interval checkpoint: capturing state, flushing outputs
    /// to the OS, handing the commit to the background task (the final checkpoint's wait is not counted).</summary>
    public TimeSpan LongestPause { get; private set; }

    public CheckpointStore Store => _store;

    /// <summary>
    /// Opens the state file and decides, per rule, what to restore. Throws <see cref="StateException"/>:
    /// <see cref="StateErrorKind.Mismatch"/> when the rules changed in a way the state cannot follow (exit 2),
    /// any other kind for a damaged, newer or locked file (exit 1).
    /// </summary>
    public static RunCheckpointer Open(StateSettings settings, IReadOnlyList<CompiledRule> rules, TextWriter error, Func<long>? wallMs = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(rules);
        var store = CheckpointStore.Open(settings.Path, new StoreOptions { Sync = settings.Sync });
        try
        {
            var saved = store.Load();
            var current = rules.Select(r => new CurrentRule(r.Name, r.Compiled.Fingerprint, RuleStructure.Describe(r.Compiled))).ToList();
            RuleChangePlan? plan = null;
            if (saved is not null)
            {
                plan = RuleChangePolicy.Decide(saved.Rules, current, settings.ResetRules ?? [], settings.DropRemovedRules);
                if (plan.Refused)
                {
                    throw new StateException(
                        StateErrorKind.Mismatch,
                        $"the saved state in {store.Path} does not fit the rules:\n  " + string.Join("\n  ", plan.Refusals));
                }

                foreach (var note in plan.Notes)
                {
                    error.WriteLine($"state: {note}");
                }
            }
            else if (settings.ResetRules is { Count: > 0 } || settings.DropRemovedRules)
            {
                error.WriteLine($"state: {store.Path} holds no checkpoint yet; --reset-state and --drop-removed-rules have nothing to do");
            }

            var checkpointer = new RunCheckpointer(store, settings, error, saved, plan, wallMs ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            foreach (var rule in current)
            {
                checkpointer._identity[rule.Name] = (rule.Fingerprint, rule.Structure);
            }

            return checkpointer;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Name under which a file input's offset is saved: its stream and full path.</summary>
    public static string InputName(InputSpec spec) => $"{spec.Stream}={Path.GetFullPath(spec.Path ?? spec.Source)}";

    /// <summary>Where to start reading a file input: its saved offset, or 0.</summary>
    public long StartOffset(InputSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (_saved is null || !spec.IsFile || !_saved.Inputs.TryGetValue(InputName(spec), out var input))
        {
            if (_saved is not null && spec.IsFile)
            {
                _error.WriteLine($"state: input '{spec.Source}' is new: read from its start");
            }

            return 0;
        }

        var length = new FileInfo(spec.Path ?? spec.Source).Length;
        if (length < input.Offset)
        {
            throw new StateException(
                StateErrorKind.Mismatch,
                $"input '{spec.Source}' has {length} bytes but the state file says {input.Offset} were already read; "
                + "it was replaced or truncated, so the run cannot resume where it stopped");
        }

        if (input.Ended && length > input.Offset)
        {
            throw new StateException(
                StateErrorKind.Mismatch,
                $"input '{spec.Source}' was read to its end by the saved run (its watermark moved to the end of time, "
                + $"every window closed), and {length - input.Offset} bytes were added since; they cannot be processed against "
                + "that state. Use a new --state file, or keep the file unchanged to resume");
        }

        return input.Offset;
    }

    /// <summary>
    /// The committed length of an output file to keep on resume (null on a fresh run: create or empty it).
    /// Throws when the file is shorter than what was committed.
    /// </summary>
    public long? CommittedLength(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (_saved is null)
        {
            return null;
        }

        var full = Path.GetFullPath(path);
        if (!_saved.Outputs.TryGetValue(full, out var length))
        {
            _error.WriteLine($"state: output '{path}' is new: it is written from empty");
            return 0;
        }

        var info = new FileInfo(full);
        var actual = info.Exists ? info.Length : 0;
        if (actual < length)
        {
            throw new StateException(
                StateErrorKind.Mismatch,
                $"output file {full} has {actual} bytes but the state file says {length} were committed; "
                + "it was changed or removed outside Cep, so the run cannot resume exactly-once");
        }

        return length;
    }

    /// <summary>Routes a sqlite output through checkpoints; on resume forgets rows of a checkpoint never committed.</summary>
    public void UseSqliteOutput(SqliteLineStream stream)
    {
        _sqlite = stream;
        if (_saved is not null)
        {
            stream.Output.Restore(_saved.CheckpointId);
        }
    }

    /// <summary>
    /// Restores every rule whose state the policy keeps, then lets the processing clock catch up: timers that
    /// came due while the runner was down fire now, in time order. Call before <see cref="RunEngine.Start"/>.
    /// </summary>
    public void Restore(RunEngine engine, FieldTable fields)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _codec = new RunKeyCodec(fields);
        if (_saved is null || _plan is null)
        {
            return;
        }

        var restored = 0L;
        foreach (var runtime in engine.Rules)
        {
            var name = runtime.Rule.Name;
            if (_plan.Decisions.GetValueOrDefault(name) != RuleRestore.Restore || !_saved.Rules.TryGetValue(name, out var rule))
            {
                continue;
            }

            var op = runtime.Operator;
            try
            {
                op.ReadGlobal(new SnapshotReader(rule.Global), _codec);
                // Keys come newest chunk first, each once. The store reads and checks chunks on one thread and decodes
                // keys on others (parsing their events), each decoding thread with its own reader, scratch and codec
                // (the field table is shared: parsing only reads it, and its string caches tolerate races); this
                // thread installs the decoded keys into the operator.
                op.EnsureKeyCapacity((int)Math.Min(rule.KeyCount, 1 << 26));
                _store.ReadKeys<(RunKey Key, DecodedKey<JsonEvent> State)>(
                    rule,
                    () =>
                    {
                        var reader = new SnapshotReader(ReadOnlyMemory<byte>.Empty);
                        var scratch = new SnapshotScratch<JsonEvent>();
                        var codec = new RunKeyCodec(fields);
                        return (key, state) =>
                        {
                            reader.Reset(state);
                            return (RunKey.FromCanonicalUtf8(key), op.DecodeKey(reader, codec, scratch));
                        };
                    },
                    RestoreDecoders,
                    item => op.InstallKey(item.Key, item.State));
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentOutOfRangeException or IndexOutOfRangeException or EndOfStreamException)
            {
                throw new StateException(
                    StateErrorKind.Mismatch,
                    $"the saved state of rule '{name}' cannot be restored: {e.Message} "
                    + $"(run with the inputs it had when saved, or pass --reset-state {name})",
                    e);
            }

            op.ClearChanged();
            restored += rule.KeyCount;
        }

        _error.WriteLine($"state: resumed from checkpoint #{_saved.CheckpointId} of {_store.Path} ({restored} key(s) restored)");
        engine.AdvanceClockAll();
    }

    /// <summary>Threads that decode keys during a restore: one per core, up to four (decoding is mostly parsing
    /// events; beyond four the installing thread is the bottleneck).</summary>
    private static int RestoreDecoders => Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Hooks interval checkpoints into the engine's loop.</summary>
    public void Attach(RunEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var between = engine.BetweenEvents;
        engine.BetweenEvents = e =>
        {
            between?.Invoke(e);
            if (Environment.TickCount64 >= _dueTick)
            {
                Checkpoint(e, final: false);
            }
        };
        var idle = engine.Idle;
        engine.Idle = e =>
        {
            idle?.Invoke(e);
            if (Environment.TickCount64 >= _dueTick)
            {
                Checkpoint(e, final: false);
            }
        };
    }

    /// <summary>
    /// Takes a checkpoint. An interval checkpoint is committed in the background (and skipped for a moment if the
    /// previous one is still being written); the final one is committed before this returns. Throws
    /// <see cref="RunFailedException"/> when writing a checkpoint failed.
    /// </summary>
    public void Checkpoint(RunEngine engine, bool final)
    {
        ArgumentNullException.ThrowIfNull(engine);

        // Everything from here to the hand-off is time the loop does not process events.
        var pause = Stopwatch.StartNew();
        if (_inFlight is { } previous)
        {
            if (!previous.IsCompleted && !final)
            {
                _dueTick = Environment.TickCount64 + 50;
                return;
            }

            Observe(previous);
        }

        var codec = _codec ?? throw new InvalidOperationException("Restore must run before checkpoints");
        var batch = _store.BeginCheckpoint();
        foreach (var name in _pendingDrops)
        {
            batch.DropRule(name);
        }

        // The loop only captures: rule globals are small and written now; changed keys are shallow copies of
        // their runs (nodes and events are immutable), serialized by the commit task.
        var captures = new List<(string Rule, KeyStateCapture<JsonEvent, RunKey> Keys, long KeyCount)>();
        foreach (var runtime in engine.Rules)
        {
            var name = runtime.Rule.Name;
            var op = runtime.Operator;
            var (fingerprint, structure) = _identity[name];
            _writer.Clear();
            op.WriteGlobal(_writer, codec);
            batch.SetRule(name, fingerprint, structure, _writer.WrittenSpan);
            captures.Add((name, op.CaptureChanged(), op.KeyCount));
        }

        foreach (var file in engine.Files)
        {
            batch.SetInput(InputName(file.Spec), file.Spec.Stream, file.Offset, file.Ended);
        }

        var sync = new List<string>();
        var outputs = engine.Outputs.All.ToList();
        if (engine.DeadLetters.File is { } deadLetters)
        {
            outputs.Add(deadLetters);
        }

        foreach (var output in outputs)
        {
            output.Flush();
            if (IsFile(output.Name))
            {
                var full = Path.GetFullPath(output.Name);
                batch.SetOutput(full, output.Length);
                sync.Add(full);
            }
        }

        try
        {
            _sqlite?.Output.PrepareCheckpoint(batch, _store.LastCheckpointId + 1);
        }
        catch (StateException e)
        {
            throw new RunFailedException(e.Message, e);
        }

        var savedAt = _wallMs();
        var commit = () =>
        {
            Serialize(batch, captures, codec);
            foreach (var path in sync)
            {
                FlushToDisk(path);
            }

            batch.Commit(savedAt);
        };
        _pendingDrops.Clear();
        if (final)
        {
            _inFlight = null;
            try
            {
                commit();
            }
            catch (Exception e) when (e is StateException or IOException or UnauthorizedAccessException)
            {
                throw new RunFailedException(Describe(e), e);
            }

            Checkpoints++;
            NoteCompaction();
        }
        else
        {
            _inFlight = Task.Run(commit);
            pause.Stop();
            if (pause.Elapsed > LongestPause)
            {
                LongestPause = pause.Elapsed;
            }
        }

        _dueTick = Environment.TickCount64 + _settings.IntervalMs;
    }

    /// <summary>
    /// Hands the captured keys to the batch, to be serialized while it commits (on a thread of their own, each
    /// filled chunk stored while the next fills), with a writer and scratch of their own. Key bytes are the key's
    /// UTF-8 text. (Serializing one rule in parallel parts was measured on the 2-vCPU development machine: no faster
    /// — following nodes to events is bound by memory latency — and it takes the loop's CPU.)
    /// </summary>
    internal static void Serialize(
        CheckpointBatch batch,
        List<(string Rule, KeyStateCapture<JsonEvent, RunKey> Keys, long KeyCount)> captures,
        RunKeyCodec codec)
    {
        foreach (var (rule, keys, keyCount) in captures)
        {
            batch.StreamKeys(rule, chunks => SerializeKeys(keys, chunks, codec));
            batch.SetKeyCount(rule, keyCount);
        }
    }

    private static void SerializeKeys(KeyStateCapture<JsonEvent, RunKey> keys, KeyChunkWriter chunks, RunKeyCodec codec)
    {
        var writer = new SnapshotWriter();
        var scratch = new SnapshotScratch<JsonEvent>();
        var keyBuffer = new byte[256];
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys.KeyAt(i);
            var length = key.MaxUtf8Length;
            if (keyBuffer.Length < length)
            {
                keyBuffer = new byte[Math.Max(length, keyBuffer.Length * 2)];
            }

            var keyBytes = keyBuffer.AsSpan(0, key.WriteUtf8(keyBuffer));
            writer.Clear();
            if (keys.Write(i, writer, codec, scratch))
            {
                chunks.Append(keyBytes, writer.WrittenSpan);
            }
            else
            {
                chunks.AppendDeleted(keyBytes);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            _inFlight?.Wait();
        }
        catch (AggregateException)
        {
            // Already reported (or the run is failing anyway); the last good checkpoint stays on disk.
        }

        _store.Dispose();
    }

    /// <summary>fsync an output by path; any descriptor of the file flushes all its dirty pages.</summary>
    internal static void FlushToDisk(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        RandomAccess.FlushToDisk(handle);
    }

    private static bool IsFile(string name) =>
        name != "stdout" && !name.StartsWith("sqlite:", StringComparison.Ordinal);

    private void Observe(Task previous)
    {
        _inFlight = null;
        try
        {
            previous.GetAwaiter().GetResult();
            Checkpoints++;
        }
        catch (Exception e) when (e is StateException or IOException or UnauthorizedAccessException)
        {
            throw new RunFailedException(Describe(e), e);
        }

        NoteCompaction();
    }

    /// <summary>
    /// A failed compaction does not stop the run (the checkpoint it followed is committed and the log stays
    /// correct), but the file keeps growing until one succeeds: say so once, and once more when it recovers.
    /// </summary>
    private void NoteCompaction()
    {
        var failure = _store.LastCompactionError;
        if (failure is not null && !_compactionFailing)
        {
            _error.WriteLine($"state: compacting {_store.Path} failed ({failure.Message}); the file grows until a later compaction succeeds");
        }
        else if (failure is null && _compactionFailing)
        {
            _error.WriteLine($"state: compacting {_store.Path} succeeded again");
        }

        _compactionFailing = failure is not null;
    }

    private string Describe(Exception e) => e is StateException
        ? e.Message
        : $"checkpoint could not be written: an output could not be synced to disk ({e.Message}); "
          + (_store.LastCheckpointId == 0 ? "no earlier checkpoint exists" : $"the last good checkpoint (#{_store.LastCheckpointId}) in {_store.Path} is intact");
}
