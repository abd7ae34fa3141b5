using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cep.Nfa;
using Cep.Runtime;
using Cep.State;

namespace Cep.Benchmarks.State;

/// <summary>
/// <c>Cep.Benchmarks state [PENDING]</c>: checkpoint and restore of many pending partial matches through the real
/// store (WAL, synchronous=FULL), the file size per partial match, and the longest event-loop pause of an
/// interval checkpoint while events keep flowing. Figures go to docs/performance.md.
/// </summary>
internal static class CheckpointBench
{
    private sealed record Order(string Key, bool Pay, long Ts, byte[] Raw);

    private sealed class Codec : ISnapshotCodec<Order, string>
    {
        public void WriteEvent(SnapshotWriter writer, Order @event)
        {
            writer.WriteString(@event.Key);
            writer.WriteBool(@event.Pay);
            writer.WriteVarInt(@event.Ts);
            writer.WriteBytes(@event.Raw);
        }

        public Order ReadEvent(SnapshotReader reader) =>
            new(reader.ReadString()!, reader.ReadBool(), reader.ReadVarInt(), reader.ReadBytes().ToArray());

        public void WriteKey(SnapshotWriter writer, string key) => writer.WriteString(key);

        public string ReadKey(SnapshotReader reader) => reader.ReadString()!;
    }

    private sealed class CountingSink : IPatternSink<Order, string>
    {
        public long Records { get; private set; }

        public void OnMatch(in PatternResult<Order, string> match) => Records++;

        public void OnTimeout(in PatternResult<Order, string> timeout) => Records++;

        public void OnLate(int input, Order @event, long timestamp) => Records++;

        public void OnConditionError(ConditionError<Order> error) => Records++;
    }

    public static int Run(string[] args)
    {
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

    private static int Measure(int pending, string path)
    {
        var pattern = PatternCompiler.Compile(new PatternSpec<Order>(
            [
                new StepSpec<Order>("create", Contiguity.Begin) { Condition = (e, _) => !e.Pay, ConditionReadsContext = false },
                new StepSpec<Order>("pay", Contiguity.Relaxed) { Condition = (e, _) => e.Pay, ConditionReadsContext = false },
            ],
            withinMs: 24L * 3600 * 1000));
        var codec = new Codec();
        var op = NewOperator(pattern);

        // One open order per key, each holding a ~70-byte JSON event as the runner does.
        var feed = Stopwatch.StartNew();
        for (var i = 0; i < pending; i++)
        {
            op.OnEvent(0, Key(i), Create(i), i, 0);
        }

        feed.Stop();
        Console.WriteLine($"pending partial matches: {pending:N0}, one per key (fed in {feed.Elapsed.TotalMilliseconds:N0} ms)");

        long fileBytes;
        using (var store = CheckpointStore.Open(path))
        {
            var (copy, commit, keys) = Checkpoint(store, op, codec);
            Console.WriteLine($"full checkpoint of {keys:N0} keys: copy {copy.TotalMilliseconds:N0} ms + commit {commit.TotalMilliseconds:N0} ms = {(copy + commit).TotalMilliseconds:N0} ms");
        }

        fileBytes = new FileInfo(path).Length;
        Console.WriteLine($"state file: {fileBytes / 1024.0 / 1024.0:N1} MiB, {(double)fileBytes / pending:N1} bytes per partial match");

        using (var store = CheckpointStore.Open(path))
        {
            var read = Stopwatch.StartNew();
            var rows = 0;
            store.ReadKeys(store.Load()!.Rules["r"], (_, _) => rows++);
            Console.WriteLine($"store alone: reading and checking {rows:N0} key rows {read.Elapsed.TotalMilliseconds:N0} ms");
        }

        var restore = Stopwatch.StartNew();
        var restored = NewOperator(pattern);
        TimeSpan opened, loaded;
        var restoredKeys = 0;
        using (var store = CheckpointStore.Open(path))
        {
            opened = restore.Elapsed;
            var saved = store.Load()!;
            loaded = restore.Elapsed;
            var rule = saved.Rules["r"];
            restored.ReadGlobal(new SnapshotReader(rule.Global), codec);
            store.ReadKeys(rule, (key, state) =>
            {
                restored.ReadKey(Encoding.UTF8.GetString(key.Span), new SnapshotReader(state), codec);
                restoredKeys++;
            });
        }

        restore.Stop();
        Console.WriteLine(
            $"restore: {restore.Elapsed.TotalMilliseconds:N0} ms (open with quick_check {opened.TotalMilliseconds:N0} ms, "
            + $"load {(loaded - opened).TotalMilliseconds:N0} ms, read and rebuild {restoredKeys:N0} keys {(restore.Elapsed - loaded).TotalMilliseconds:N0} ms)");

        // Steady state: events keep coming (pays close orders, creates open new ones); checkpoints every 100 000
        // events copy only the changed keys, and the commit runs on another thread as in the runner.
        using (var store = CheckpointStore.Open(path))
        {
            var longest = TimeSpan.Zero;
            var changedTotal = 0L;
            var checkpoints = 0;
            Task? inFlight = null;
            var random = new Random(7);
            var events = 1_000_000;
            var loop = Stopwatch.StartNew();
            for (var i = 0; i < events; i++)
            {
                var n = random.Next(pending);
                var e = i % 2 == 0 ? Pay(n, pending + i) : Create(pending + i);
                restored.OnEvent(0, e.Key, e, pending + i, 0);
                if (i % 100_000 == 99_999)
                {
                    inFlight?.Wait();
                    var pause = Stopwatch.StartNew();
                    var (batch, keys) = Copy(store, restored, codec);
                    pause.Stop();
                    longest = pause.Elapsed > longest ? pause.Elapsed : longest;
                    changedTotal += keys;
                    checkpoints++;
                    inFlight = Task.Run(() => batch.Commit(0));
                }
            }

            inFlight?.Wait();
            loop.Stop();
            Console.WriteLine(
                $"steady state: {events:N0} events in {loop.Elapsed.TotalMilliseconds:N0} ms with {checkpoints} checkpoints "
                + $"({changedTotal / checkpoints:N0} changed keys each); longest event-loop pause {longest.TotalMilliseconds:N1} ms");
        }

        return 0;
    }

    private static KeyedPatternOperator<Order, string> NewOperator(CompiledPattern<Order> pattern) =>
        new(pattern, new OperatorOptions { TimeMode = TimeMode.EventTime }, new CountingSink(), StringComparer.Ordinal, trackChanges: true);

    private static (TimeSpan Copy, TimeSpan Commit, int Keys) Checkpoint(CheckpointStore store, KeyedPatternOperator<Order, string> op, Codec codec)
    {
        var copy = Stopwatch.StartNew();
        var (batch, keys) = Copy(store, op, codec);
        copy.Stop();
        var commit = Stopwatch.StartNew();
        batch.Commit(0);
        commit.Stop();
        return (copy.Elapsed, commit.Elapsed, keys);
    }

    private static (CheckpointBatch Batch, int Keys) Copy(CheckpointStore store, KeyedPatternOperator<Order, string> op, Codec codec)
    {
        var batch = store.BeginCheckpoint();
        var writer = new SnapshotWriter();
        op.WriteGlobal(writer, codec);
        batch.SetRule("r", "fp", "create: Begin\npay: Relaxed", writer.WrittenSpan);
        var keys = 0;
        foreach (var key in op.ChangedKeys)
        {
            writer.Clear();
            var keyBytes = Encoding.UTF8.GetBytes(key);
            if (op.WriteKey(key, writer, codec))
            {
                batch.PutKey("r", keyBytes, writer.WrittenSpan);
            }
            else
            {
                batch.DeleteKey("r", keyBytes);
            }

            keys++;
        }

        op.ClearChanged();
        return (batch, keys);
    }

    private static string Key(int i) => "\"o" + i.ToString(CultureInfo.InvariantCulture) + "\"";

    private static Order Create(int i) =>
        new(Key(i), false, i, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"create\",\"orderId\":\"o{i}\",\"customer\":\"c{i % 97}\",\"amount\":{i % 500},\"ts\":{i}}}")));

    private static Order Pay(int i, long ts) =>
        new(Key(i), true, ts, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"pay\",\"orderId\":\"o{i}\",\"ts\":{ts}}}")));
}
