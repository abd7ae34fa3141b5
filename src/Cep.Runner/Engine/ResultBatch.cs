using Cep.Rules.Events;
using Cep.Runner.Outputs;
using Cep.Runtime;

namespace Cep.Runner.Engine;

/// <summary>
/// Match and timeout records of the raw path (<see cref="RuleSink.WriteRawResult"/>) waiting to be written, in the
/// order the rules' sinks accepted them; one per run, shared by every sink and attached to every output.
/// </summary>
/// <remarks>
/// Writing a record reads its events' bytes, and the first event of a match was usually held since long ago (W1: its
/// create arrived ~100 000 events earlier), so that read misses the caches and the TLB, and a record written at once
/// waits for its miss alone. Collected <see cref="Capacity"/> at a time, the records' events are first read in a loop
/// of independent loads (the first and last byte of each event), and the processor waits for those misses together:
/// ~9 % of a W1 run end to end (docs/performance.md). Nothing can tell the difference: every output writes the batch
/// before anything else reads or writes it (<see cref="IRecordBacklog"/>), so files, flushes and the lengths a
/// checkpoint stores are those of writing each record when it was accepted.
/// </remarks>
internal sealed class ResultBatch : IRecordBacklog
{
    /// <summary>Records collected before they are written (32 measured a little faster than 16 on W1).</summary>
    public const int Capacity = 32;

    private readonly Entry[] _entries = new Entry[Capacity];
    private int _count;
    private bool _writing;
    // Where the loads of Touch go, so the JIT cannot drop them.
    private int _touched;

    public void Add(RuleSink sink, RecordOutput output, byte[] prefix, in PatternResult<JsonEvent, RunKey> result)
    {
        ref var entry = ref _entries[_count];
        entry.Sink = sink;
        entry.Output = output;
        entry.Prefix = prefix;
        entry.Result = result;
        if (++_count == Capacity)
        {
            WriteBacklog();
        }
    }

    public void WriteBacklog()
    {
        // A record being written begins a raw record on its output, which asks for the backlog again.
        if (_count == 0 || _writing)
        {
            return;
        }
        _writing = true;
        try
        {
            Touch();
            for (var i = 0; i < _count; i++)
            {
                ref var entry = ref _entries[i];
                entry.Sink.WriteRawResult(entry.Output, entry.Prefix, entry.Result);
            }
        }
        finally
        {
            // Written or failed (an output's I/O error ends the run): never written twice, and the events are let go.
            Array.Clear(_entries, 0, _count);
            _count = 0;
            _writing = false;
        }
    }

    private void Touch()
    {
        var touched = 0;
        for (var i = 0; i < _count; i++)
        {
            ref readonly var result = ref _entries[i].Result;
            if (result.HasNodes)
            {
                for (var node = result.Head; node is not null; node = node.Previous)
                {
                    touched += Touch(node.Event);
                }
            }
            else
            {
                // One or two events: the last one is the event being processed when the record was accepted,
                // still in cache; the first is the one held since long ago.
                touched += Touch(result.Oldest.Event);
            }
        }
        _touched += touched;
    }

    private static int Touch(JsonEvent @event)
    {
        var raw = @event.Raw.Span;
        return raw.Length > 0 ? raw[0] + raw[^1] : 0;
    }

    private struct Entry
    {
        public RuleSink Sink;
        public RecordOutput Output;
        public byte[] Prefix;
        public PatternResult<JsonEvent, RunKey> Result;
    }
}
