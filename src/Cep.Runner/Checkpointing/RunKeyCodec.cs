using Cep.Rules.Events;
using Cep.Runner.Engine;
using Cep.State;

namespace Cep.Runner.Checkpointing;

/// <summary>
/// The runner's snapshot codec: events through <see cref="JsonEventCodec"/>, keys as their canonical JSON text —
/// the same bytes whether the key is held as a number or as text, so saved state does not depend on the form.
/// </summary>
internal sealed class RunKeyCodec : ISnapshotCodec<JsonEvent, RunKey>
{
    private readonly JsonEventCodec _events;

    public RunKeyCodec(FieldTable fields)
    {
        _events = new JsonEventCodec(fields);
    }

    public void WriteEvent(SnapshotWriter writer, JsonEvent @event) => _events.WriteEvent(writer, @event);

    public JsonEvent ReadEvent(SnapshotReader reader) => _events.ReadEvent(reader);

    public void WriteKey(SnapshotWriter writer, RunKey key) => _events.WriteKey(writer, key.ToString());

    public RunKey ReadKey(SnapshotReader reader) => RunKey.FromCanonical(_events.ReadKey(reader));
}
