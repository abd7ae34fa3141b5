using FsCheck;
using FsCheck.Fluent;

namespace Cep.State.Tests;

public sealed class CheckpointStorePropertyTests
{
    /// <summary>One step of a random history: put (state non-null) or delete a key, or commit a checkpoint.</summary>
    public sealed record Op(bool Commit, byte Key, byte[]? State);

    private static readonly Gen<Op> OpGen = Gen.Frequency(
        (1, Gen.Constant(new Op(true, 0, null))),
        (2, Gen.Choose(0, 15).Select(k => new Op(false, (byte)k, null))),
        (6, Gen.Choose(0, 15).SelectMany(
            k => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)),
            (k, state) => new Op(false, (byte)k, state))));

    [Fact]
    public void Checkpoints_RandomPutsAndDeletes_ReopenedStoreHoldsExactlyTheCommittedKeys()
    {
        Prop.ForAll(Arb.From(Gen.ListOf(OpGen)), ops =>
        {
            using var dir = new TempDir();
            var path = dir.File("state.db");
            var committed = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var pending = new Dictionary<string, string?>();
            using (var store = CheckpointStore.Open(path, new StoreOptions { Sync = StateSync.Normal }))
            {
                var setup = store.BeginCheckpoint();
                setup.SetRule("r", "fp", "s", []);
                setup.Commit(0);
                var batch = store.BeginCheckpoint();
                foreach (var op in ops.Append(new Op(true, 0, null)))
                {
                    if (op.Commit)
                    {
                        batch.Commit(0);
                        foreach (var (key, state) in pending)
                        {
                            if (state is null)
                            {
                                committed.Remove(key);
                            }
                            else
                            {
                                committed[key] = state;
                            }
                        }

                        pending.Clear();
                        batch = store.BeginCheckpoint();
                    }
                    else if (op.State is null)
                    {
                        batch.DeleteKey("r", [op.Key]);
                        pending[Convert.ToHexString([op.Key])] = null;
                    }
                    else
                    {
                        batch.PutKey("r", [op.Key], op.State);
                        pending[Convert.ToHexString([op.Key])] = string.Join(",", op.State);
                    }
                }

                // The last batch is left uncommitted on purpose: it must not show up.
                batch.PutKey("r", [200], [1]);
            }

            using var reopened = CheckpointStore.Open(path);
            var actual = new List<(string, string)>();
            reopened.ReadKeys(reopened.Load()!.Rules["r"], (k, s) => actual.Add((Convert.ToHexString(k.Span), string.Join(",", s.ToArray()))));
            return actual.Order().SequenceEqual(committed.Select(kv => (kv.Key, kv.Value)));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Restore_CopyIntoNewStore_GivesEqualBytes()
    {
        var entry = Gen.Choose(0, 255).SelectMany(
            k => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)),
            (k, s) => (Key: (byte)k, State: s));
        Prop.ForAll(Arb.From(Gen.ListOf(entry)), entries =>
        {
            using var dir = new TempDir();
            var first = Snapshot(dir.File("a.db"), store =>
            {
                var batch = store.BeginCheckpoint();
                batch.SetRule("r", "fp", "s", [1, 2]);
                foreach (var (key, state) in entries)
                {
                    batch.PutKey("r", [key], state);
                }

                batch.SetInput("in", "file", 10);
                batch.SetOutput("out", 20);
                batch.Commit(7);
            });

            // Restore a into b (load every blob, write it again), then snapshot b: same bytes.
            using var source = CheckpointStore.Open(dir.File("a.db"));
            var saved = source.Load()!;
            var second = Snapshot(dir.File("b.db"), target =>
            {
                var batch = target.BeginCheckpoint();
                foreach (var rule in saved.Rules.Values)
                {
                    batch.SetRule(rule.Name, rule.Fingerprint, rule.Structure, rule.Global.Span);
                    source.ReadKeys(rule, (k, s) => batch.PutKey(rule.Name, k.Span, s.Span));
                }

                foreach (var input in saved.Inputs.Values)
                {
                    batch.SetInput(input.Name, input.Source, input.Offset);
                }

                foreach (var (path, length) in saved.Outputs)
                {
                    batch.SetOutput(path, length);
                }

                batch.Commit(saved.SavedAtMs);
            });
            return first == second;
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>A canonical dump of everything a store holds, blobs as hex.</summary>
    private static string Snapshot(string path, Action<CheckpointStore> write)
    {
        using var store = CheckpointStore.Open(path, new StoreOptions { Sync = StateSync.Normal });
        write(store);
        var saved = store.Load()!;
        var text = new System.Text.StringBuilder();
        text.Append($"{saved.CheckpointId}@{saved.SavedAtMs}\n");
        foreach (var rule in saved.Rules.Values.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            text.Append($"rule {rule.Name} {rule.Fingerprint} {rule.Structure} {Convert.ToHexString(rule.Global.Span)} {rule.KeyCount}\n");
            var keys = new List<string>();
            store.ReadKeys(rule, (k, s) => keys.Add($"  {Convert.ToHexString(k.Span)}={Convert.ToHexString(s.Span)}\n"));
            foreach (var key in keys.Order(StringComparer.Ordinal))
            {
                text.Append(key);
            }
        }

        foreach (var input in saved.Inputs.Values.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            text.Append($"input {input}\n");
        }

        foreach (var (output, length) in saved.Outputs.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            text.Append($"output {output} {length}\n");
        }

        return text.ToString();
    }
}
