using System.Globalization;
using System.Text;
using Cep.Nfa;
using Cep.Rules.Events;
using Cep.Runner.Checkpointing;
using Cep.Runner.Engine;
using Cep.Runtime;
using Cep.State;

namespace Cep.Runner.Tests.Checkpointing;

/// <summary>
/// The commit task's serialization of captured keys stores exactly what
/// <c>WriteKey</c> wrote at the cut, through the runner's codec, even though the operator moved on meanwhile.
/// </summary>
public sealed class CheckpointSerializeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cep-serialize-" + Guid.NewGuid().ToString("N")[..8]);

    public CheckpointSerializeTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Serialize_CapturedKeys_StoresWriteKeyBytesAtTheCut()
    {
        var fields = new FieldTable();
        var type = fields.Slot("type");
        var pattern = PatternCompiler.Compile(new PatternSpec<JsonEvent>(
            [
                new StepSpec<JsonEvent>("create", Contiguity.Begin) { Condition = (e, _) => e.Get(type).Text == "create", ConditionReadsContext = false },
                new StepSpec<JsonEvent>("item", Contiguity.NonDeterministic) { Condition = (e, _) => e.Get(type).Text == "item", ConditionReadsContext = false, MinTimes = 1, MaxTimes = int.MaxValue },
                new StepSpec<JsonEvent>("pay", Contiguity.Relaxed) { Condition = (e, _) => e.Get(type).Text == "pay", ConditionReadsContext = false },
            ],
            withinMs: 1_000_000));
        var codec = new RunKeyCodec(fields);
        var op = new KeyedPatternOperator<JsonEvent, RunKey>(
            pattern, new OperatorOptions { TimeMode = TimeMode.ProcessingTime }, new NullSink(), trackChanges: true);
        var random = new Random(11);
        var ts = 0L;
        void Feed(int events)
        {
            for (var i = 0; i < events; i++)
            {
                // Half the keys are numbers (held as numbers), half strings (held as text): both serialize as their JSON text.
                var id = random.Next(300);
                var text = id % 2 == 0 ? id.ToString(CultureInfo.InvariantCulture) : $"\"o{id}\"";
                var key = RunKey.FromCanonical(text);
                var kind = random.Next(10) switch { < 3 => "create", < 8 => "item", _ => "pay" };
                var line = $"{{\"type\":\"{kind}\",\"orderId\":{text},\"n\":{i}}}";
                Assert.True(JsonEventParser.TryParse(Encoding.UTF8.GetBytes(line), "orders", ++ts, fields, out var evt, out _));
                op.OnEvent(0, key, evt, ts, ts);
            }
        }

        Feed(3000);
        var expected = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var writer = new SnapshotWriter();
        foreach (var key in op.ChangedKeys)
        {
            writer.Clear();
            if (op.WriteKey(key, writer, codec))
            {
                expected[key.ToString()] = Convert.ToHexString(writer.WrittenSpan);
            }
        }

        var capture = op.CaptureChanged();
        Feed(3000);

        var path = Path.Combine(_dir, "state.db");
        using (var store = CheckpointStore.Open(path, new StoreOptions { Sync = StateSync.Normal }))
        {
            var batch = store.BeginCheckpoint();
            batch.SetRule("r", "fp", "s", []);
            RunCheckpointer.Serialize(batch, [("r", capture, expected.Count)], codec);
            batch.Commit(0);
        }

        using var reopened = CheckpointStore.Open(path);
        var rule = reopened.Load()!.Rules["r"];
        var actual = new SortedDictionary<string, string>(StringComparer.Ordinal);
        reopened.ReadKeys(rule, (key, state) => actual.Add(Encoding.UTF8.GetString(key.Span), Convert.ToHexString(state.Span)));
        Assert.True(expected.Count > 50, $"only {expected.Count} keys hold state");
        Assert.Equal(expected.Count, rule.KeyCount);
        Assert.Equal(expected, actual);
        Assert.Contains(expected.Values, bytes => bytes.Length > 400);
    }

    private sealed class NullSink : IPatternSink<JsonEvent, RunKey>
    {
        public void OnMatch(in PatternResult<JsonEvent, RunKey> match)
        {
        }

        public void OnTimeout(in PatternResult<JsonEvent, RunKey> timeout)
        {
        }

        public void OnLate(int input, JsonEvent @event, long timestamp)
        {
        }

        public void OnConditionError(ConditionError<JsonEvent> error)
        {
        }
    }
}
