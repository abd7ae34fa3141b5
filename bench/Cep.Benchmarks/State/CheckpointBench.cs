using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text;
using Cep.Nfa;
using Cep.Rules.Events;
using Cep.Runtime;
using Cep.State;

namespace Cep.Benchmarks.State;

/// <summary>
/// <c>Cep.Benchmarks state [PENDING]</c>: checkpoint and restore of many pending partial matches through the real
/// store (WAL, synchronous=FULL) and the runner's code path: events are parsed JSON (<see cref="JsonEvent"/>), the
/// codec is the runner's (stream, line, raw bytes and parsed field values: event format 2), keys are canonical JSON text; a
/// checkpoint captures changed keys on the loop and commits them on another thread, serialized alongside by a third
/// (<see cref="CheckpointBatch.StreamKeys"/>); restore reads
/// the chunk log into a bulk restore. Reports the full checkpoint, the file size per partial match, the restore
/// and the longest event-loop pause of interval checkpoints while events keep flowing.
/// </summary>
internal static class CheckpointBench
{
    /// <summary>The runner's codec, with the time spent reading saved events (restore) counted for the breakdown
    /// when <see cref="Instrument"/> is set (two clock reads per event are themselves ~5 % of a restore).</summary>
    private sealed class Codec(FieldTable fields) : ISnapshotCodec<JsonEvent, string>
    {
        private readonly JsonEventCodec _inner = new(fields);

        public long ParseTicks;

        public bool Instrument;

        public void WriteEvent(SnapshotWriter writer, JsonEvent @event) => _inner.WriteEvent(writer, @event);

        public JsonEvent ReadEvent(SnapshotReader reader)
        {
            if (!Instrument)
            {
                return _inner.ReadEvent(reader);
            }
            var t0 = Stopwatch.GetTimestamp();
            var evt = _inner.ReadEvent(reader);
            ParseTicks += Stopwatch.GetTimestamp() - t0;
            return evt;
        }

        /// <summary>A codec for another decoding thread (the stream names it maps are its own).</summary>
        public Codec ForAnotherThread() => new(fields) { Instrument = Instrument };

        public void WriteKey(SnapshotWriter writer, string key) => _inner.WriteKey(writer, key);

        public string ReadKey(SnapshotReader reader) => _inner.ReadKey(reader);
    }

    private sealed class CountingSink : IPatternSink<JsonEvent, string>
    {
        public long Records { get; private set; }

        public void OnMatch(in PatternResult<JsonEvent, string> match) => Records++;

        public void OnTimeout(in PatternResult<JsonEvent, string> timeout) => Records++;

        public void OnLate(int input, JsonEvent @event, long timestamp) => Records++;

        public void OnConditionError(ConditionError<JsonEvent> error) => Records++;
    }

    public static int Run(string[] args)
    {
        // For profiling and repeated cold runs: "--write PATH" saves a full checkpoint of PENDING keys and stops;
        // "--restore PATH" restores that file once, cold, in this fresh process (as a runner would) and stops.
        if (args.Length >= 2 && args[0] == "--restore")
        {
            return RestoreOnly(args[1]);
        }
        if (args.Length >= 3 && args[1] == "--write")
        {
            return WriteOnly(int.Parse(args[0], CultureInfo.InvariantCulture), args[2]);
        }
        var pending = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var dir = Path.Combine(Path.GetTempPath(), "cep-state-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            return Measure(pending, Path.Combine(dir, "state.db"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int WriteOnly(int pending, string path)
    {
        var (fields, pattern) = Workload();
        var codec = new Codec(fields);
        var op = NewOperator(pattern);
        for (var i = 0; i < pending; i++)
        {
            op.OnEvent(0, Key(i), Create(i, fields), i, 0);
        }

        using var store = CheckpointStore.Open(path);
        FullCheckpoint(store, op, codec);
        return 0;
    }

    /// <summary>A full checkpoint as the runner takes one: capture on the loop, then commit on another thread with
    /// the keys serialized alongside; prints the times and the collections of the background part.</summary>
    private static void FullCheckpoint(CheckpointStore store, KeyedPatternOperator<JsonEvent, string> op, Codec codec)
    {
        var capture = Stopwatch.StartNew();
        var (batch, keys) = Capture(store, op, codec);
        capture.Stop();
        var gc = (Gen0: GC.CollectionCount(0), Gen1: GC.CollectionCount(1), Gen2: GC.CollectionCount(2), Pause: GC.GetTotalPauseDuration());
        var background = Stopwatch.StartNew();
        var (serialize, commit) = Task.Run(() => SerializeAndCommit(batch, keys, codec)).GetAwaiter().GetResult();
        background.Stop();
        Console.WriteLine($"  GC in the background part: {GC.CollectionCount(0) - gc.Gen0}/{GC.CollectionCount(1) - gc.Gen1}/{GC.CollectionCount(2) - gc.Gen2}, {(GC.GetTotalPauseDuration() - gc.Pause).TotalMilliseconds:N0} ms paused");
        Console.WriteLine(
            $"full checkpoint of {keys.Count:N0} keys: capture on the loop {capture.Elapsed.TotalMilliseconds:N0} ms + in the background "
            + $"{background.Elapsed.TotalMilliseconds:N0} ms (commit {commit.TotalMilliseconds:N0}, with the keys serialized alongside in {serialize.TotalMilliseconds:N0}) "
            + $"= {(capture.Elapsed + background.Elapsed).TotalMilliseconds:N0} ms");
    }

    private static int RestoreOnly(string path)
    {
        var (fields, pattern) = Workload();
        var restored = Restore(path, pattern, new Codec(fields), instrument: false);
        return restored.KeyCount > 0 ? 0 : 1;
    }

    private static (FieldTable Fields, CompiledPattern<JsonEvent> Pattern) Workload()
    {
        var fields = new FieldTable();
        var type = fields.Slot("type");
        var pattern = PatternCompiler.Compile(new PatternSpec<JsonEvent>(
            [
                new StepSpec<JsonEvent>("create", Contiguity.Begin) { Condition = (e, _) => e.Get(type).Text == "create", ConditionReadsContext = false },
                new StepSpec<JsonEvent>("pay", Contiguity.Relaxed) { Condition = (e, _) => e.Get(type).Text == "pay", ConditionReadsContext = false },
            ],
            withinMs: 24L * 3600 * 1000));
        return (fields, pattern);
    }

    private static int Measure(int pending, string path)
    {
        var (fields, pattern) = Workload();
        var codec = new Codec(fields);
        KeyedPatternOperator<JsonEvent, string>? op = NewOperator(pattern);

        // One open order per key, each holding a ~70-byte JSON event as the runner does.
        var feed = Stopwatch.StartNew();
        for (var i = 0; i < pending; i++)
        {
            op.OnEvent(0, Key(i), Create(i, fields), i, 0);
        }

        feed.Stop();
        Console.WriteLine($"pending partial matches: {pending:N0}, one per key (fed in {feed.Elapsed.TotalMilliseconds:N0} ms)");

        using (var store = CheckpointStore.Open(path))
        {
            FullCheckpoint(store, op, codec);
        }

        var fileBytes = new FileInfo(path).Length;
        Console.WriteLine($"state file: {fileBytes / 1024.0 / 1024.0:N1} MiB, {(double)fileBytes / pending:N1} bytes per partial match");

        using (var store = CheckpointStore.Open(path))
        {
            var read = Stopwatch.StartNew();
            var rows = 0;
            store.ReadKeys(store.Load()!.Rules["r"], (_, _) => rows++);
            Console.WriteLine($"store alone: reading and checking {rows:N0} keys from the chunk log {read.Elapsed.TotalMilliseconds:N0} ms");
        }

        // The runner restores in a fresh process: drop the operator that wrote the file so the collector does not
        // walk it during the restore.
        op = null;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        // First as the runner does it, in code that has not run yet (the runner restores in a fresh process): the
        // figure. Then once more with clock reads around parsing and installing, for the breakdown; that operator
        // (the same state) is the one the steady state goes on with.
        _ = Restore(path, pattern, codec, instrument: false);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var restored = Restore(path, pattern, codec, instrument: true);

        // Steady state: events keep coming (pays close orders, creates open new ones); a checkpoint is due every
        // 100 000 events and taken as soon as the previous commit is done (the runner never waits for one).
        using (var store = CheckpointStore.Open(path))
        {
            var longest = TimeSpan.Zero;
            var changedTotal = 0L;
            var checkpoints = 0;
            Task? inFlight = null;
            var due = false;
            var random = new Random(7);
            var events = 1_000_000;
            var loop = Stopwatch.StartNew();
            for (var i = 0; i < events; i++)
            {
                var n = random.Next(pending);
                var (key, e) = i % 2 == 0 ? (Key(n), Pay(n, pending + i, fields)) : (Key(pending + i), Create(pending + i, fields));
                restored.OnEvent(0, key, e, pending + i, 0);
                due |= i % 100_000 == 99_999;
                if (due && inFlight is not { IsCompleted: false })
                {
                    var pause = Stopwatch.StartNew();
                    inFlight?.GetAwaiter().GetResult();
                    var (batch, keys) = Capture(store, restored, codec);
                    inFlight = Task.Run(() => SerializeAndCommit(batch, keys, codec));
                    pause.Stop();
                    longest = pause.Elapsed > longest ? pause.Elapsed : longest;
                    changedTotal += keys.Count;
                    checkpoints++;
                    due = false;
                }
            }

            inFlight?.GetAwaiter().GetResult();
            loop.Stop();
            var (records, generations, chunks) = store.LogStats();
            Console.WriteLine(
                $"steady state: {events:N0} events in {loop.Elapsed.TotalMilliseconds:N0} ms with {checkpoints} checkpoints "
                + $"({changedTotal / Math.Max(1, checkpoints):N0} changed keys each); longest event-loop pause {longest.TotalMilliseconds:N1} ms; "
                + $"log: {records:N0} records for {restored.KeyCount:N0} live keys in {chunks} chunks of {generations} generation(s); "
                + $"file {new FileInfo(path).Length / 1024.0 / 1024.0:N1} MiB");

            // What the commit task does once a log passes twice the live keys: one rewrite of the live records.
            var compact = Stopwatch.StartNew();
            store.CompactNow("r");
            compact.Stop();
            (records, generations, chunks) = store.LogStats();
            Console.WriteLine(
                $"compaction (in the background): {compact.Elapsed.TotalMilliseconds:N0} ms, now {records:N0} records in {chunks} chunks; "
                + $"file {new FileInfo(path).Length / 1024.0 / 1024.0:N1} MiB (freed pages are reused by the next checkpoints)");
        }

        return 0;
    }

    /// <summary>The runner's restore path (RunCheckpointer.Restore): the store's thread reads chunks and decodes keys
    /// (events parsed), this thread installs them.</summary>
    /// <summary>Decoding threads of a restore, as the runner chooses them.</summary>
    private static readonly int RestoreDecoders = int.TryParse(Environment.GetEnvironmentVariable("CEP_RESTORE_DECODERS"), out var d) ? d : Math.Clamp(Environment.ProcessorCount, 1, 4);

    private static KeyedPatternOperator<JsonEvent, string> Restore(string path, CompiledPattern<JsonEvent> pattern, Codec codec, bool instrument)
    {
        codec.Instrument = instrument;
        codec.ParseTicks = 0;
        var gcBefore = (Gen0: GC.CollectionCount(0), Gen1: GC.CollectionCount(1), Gen2: GC.CollectionCount(2), Pause: GC.GetTotalPauseDuration(), Allocated: GC.GetTotalAllocatedBytes());
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var restore = Stopwatch.StartNew();
        var restored = NewOperator(pattern);
        TimeSpan opened, loaded;
        var restoredKeys = 0;
        long installTicks = 0;
        var codecs = new System.Collections.Concurrent.ConcurrentBag<Codec>();
        using (var store = CheckpointStore.Open(path))
        {
            opened = restore.Elapsed;
            var saved = store.Load()!;
            loaded = restore.Elapsed;
            var rule = saved.Rules["r"];
            restored.ReadGlobal(new SnapshotReader(rule.Global), codec);
            restored.EnsureKeyCapacity((int)rule.KeyCount);
            store.ReadKeys<(string Key, DecodedKey<JsonEvent> State)>(
                rule,
                () =>
                {
                    var reader = new SnapshotReader(ReadOnlyMemory<byte>.Empty);
                    var scratch = new SnapshotScratch<JsonEvent>();
                    var own = codec.ForAnotherThread();
                    codecs.Add(own);
                    return (key, state) =>
                    {
                        reader.Reset(state);
                        return (Encoding.UTF8.GetString(key), restored.DecodeKey(reader, own, scratch));
                    };
                },
                RestoreDecoders,
                item =>
                {
                    var t0 = instrument ? Stopwatch.GetTimestamp() : 0;
                    restored.InstallKey(item.Key, item.State);
                    if (instrument)
                    {
                        installTicks += Stopwatch.GetTimestamp() - t0;
                    }
                    restoredKeys++;
                });
        }

        restore.Stop();
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        codec.ParseTicks = codecs.Sum(c => c.ParseTicks);
        Console.WriteLine(
            $"restore{(instrument ? " again, warm, with clock reads per key for the breakdown" : " (first, cold code)")}: {restore.Elapsed.TotalMilliseconds:N0} ms, CPU {cpu.TotalMilliseconds:N0} ms (open with quick_check {opened.TotalMilliseconds:N0} ms, "
            + $"load {(loaded - opened).TotalMilliseconds:N0} ms, read and rebuild {restoredKeys:N0} keys {(restore.Elapsed - loaded).TotalMilliseconds:N0} ms"
            + (instrument ? $" (parsing events {Stopwatch.GetElapsedTime(0, codec.ParseTicks).TotalMilliseconds:N0} ms, installing keys {Stopwatch.GetElapsedTime(0, installTicks).TotalMilliseconds:N0} ms)" : "")
            + "; "
            + $"GC: {GC.CollectionCount(0) - gcBefore.Gen0}/{GC.CollectionCount(1) - gcBefore.Gen1}/{GC.CollectionCount(2) - gcBefore.Gen2} collections (gen0/1/2), "
            + $"{(GC.GetTotalPauseDuration() - gcBefore.Pause).TotalMilliseconds:N0} ms paused, {(GC.GetTotalAllocatedBytes() - gcBefore.Allocated) / 1024.0 / 1024.0:N0} MiB allocated; "
            + $"{GCSettings.LatencyMode})");
        return restored;
    }

    private static KeyedPatternOperator<JsonEvent, string> NewOperator(CompiledPattern<JsonEvent> pattern) =>
        new(pattern, new OperatorOptions { TimeMode = TimeMode.EventTime }, new CountingSink(), StringComparer.Ordinal, trackChanges: true);

    /// <summary>What the runner does on the loop: the rule's global blob, and a capture of the changed keys.</summary>
    private static (CheckpointBatch Batch, KeyStateCapture<JsonEvent, string> Keys) Capture(CheckpointStore store, KeyedPatternOperator<JsonEvent, string> op, Codec codec)
    {
        var batch = store.BeginCheckpoint();
        var writer = new SnapshotWriter();
        op.WriteGlobal(writer, codec);
        batch.SetRule("r", "fp", "create: Begin\npay: Relaxed", writer.WrittenSpan);
        batch.SetKeyCount("r", op.KeyCount);
        return (batch, op.CaptureChanged());
    }

    /// <summary>What the runner's commit task does (RunCheckpointer.Serialize): commit, with the captured keys
    /// serialized on another thread as the commit stores them. Returns the serializing thread's own time and the
    /// whole commit's.</summary>
    private static (TimeSpan Serialize, TimeSpan Commit) SerializeAndCommit(CheckpointBatch batch, KeyStateCapture<JsonEvent, string> keys, Codec codec)
    {
        var serialize = TimeSpan.Zero;
        batch.StreamKeys("r", chunks =>
        {
            var own = Stopwatch.StartNew();
            SerializeKeys(keys, chunks, codec);
            serialize = own.Elapsed;
        });
        var commit = Stopwatch.StartNew();
        batch.Commit(0);
        return (serialize, commit.Elapsed);
    }

    private static void SerializeKeys(KeyStateCapture<JsonEvent, string> keys, KeyChunkWriter chunks, Codec codec)
    {
        var writer = new SnapshotWriter();
        var scratch = new SnapshotScratch<JsonEvent>();
        var keyBytes = new byte[256];
        for (var i = 0; i < keys.Count; i++)
        {
            var length = Encoding.UTF8.GetBytes(keys.KeyAt(i), keyBytes);
            writer.Clear();
            if (keys.Write(i, writer, codec, scratch))
            {
                chunks.Append(keyBytes.AsSpan(0, length), writer.WrittenSpan);
            }
            else
            {
                chunks.AppendDeleted(keyBytes.AsSpan(0, length));
            }
        }
    }

    private static string Key(int i) => "\"o" + i.ToString(CultureInfo.InvariantCulture) + "\"";

    private static JsonEvent Create(int i, FieldTable fields) =>
        Parse(string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"create\",\"orderId\":\"o{i}\",\"customer\":\"c{i % 97}\",\"amount\":{i % 500},\"ts\":{i}}}"), i, fields);

    private static JsonEvent Pay(int i, long ts, FieldTable fields) =>
        Parse(string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"pay\",\"orderId\":\"o{i}\",\"ts\":{ts}}}"), ts, fields);

    private static JsonEvent Parse(string line, long number, FieldTable fields) =>
        JsonEventParser.TryParse(Encoding.UTF8.GetBytes(line), "orders", number, fields, out var evt, out var error)
            ? evt
            : throw new InvalidOperationException(error);
}
