using Cep.Nfa;
using Cep.Rules.Diagnostics;
using Cep.Rules.Events;

namespace Cep.Rules;

/// <summary>The key of an event as canonical JSON text, from the event and the dispatch values its parse gave.</summary>
public delegate string KeySelector(JsonEvent evt, ReadOnlySpan<JsonValue> dispatch);

/// <summary>The event time of an event in epoch ms, from the event and the dispatch values its parse gave; null when unusable.</summary>
public delegate long? TimestampSelector(JsonEvent evt, ReadOnlySpan<JsonValue> dispatch);

/// <summary>
/// A rule ready to run: its compiled pattern (immutable, shared by every key) and the functions the runner
/// needs per event (stream filter, key, timestamp). Built by <see cref="RuleLoader"/>.
/// </summary>
public sealed class CompiledRule
{
    internal CompiledRule(
        string name,
        string? description,
        SourceLocation location,
        PatternSpec<JsonEvent> pattern,
        CompiledPattern<JsonEvent> compiled,
        IReadOnlySet<string>? streams,
        KeySelector keyOf,
        bool isKeyed,
        TimestampSelector? timestampOf,
        string? timeField,
        long outOfOrdernessMs,
        long? idlenessMs,
        string? onTimeout,
        string? onLate,
        IReadOnlyList<EmitField> emit)
    {
        Name = name;
        Description = description;
        Location = location;
        Pattern = pattern;
        Compiled = compiled;
        Streams = streams;
        KeyOf = keyOf;
        IsKeyed = isKeyed;
        TimestampOf = timestampOf;
        TimeField = timeField;
        OutOfOrdernessMs = outOfOrdernessMs;
        IdlenessMs = idlenessMs;
        OnTimeout = onTimeout;
        OnLate = onLate;
        Emit = emit;
    }

    public string Name { get; }

    public string? Description { get; }

    /// <summary>Where the rule starts in its file.</summary>
    public SourceLocation Location { get; }

    /// <summary>The pattern as written (conditions compiled), before NFA compilation.</summary>
    public PatternSpec<JsonEvent> Pattern { get; }

    public CompiledPattern<JsonEvent> Compiled { get; }

    /// <summary>
    /// The streams the rule reads: its <c>from</c>, else the streams of a per-stream <c>key</c> map, else
    /// null for every stream. Events of other streams never reach the rule and do not hold its watermark back.
    /// </summary>
    public IReadOnlySet<string>? Streams { get; }

    /// <summary>
    /// The event's key as canonical JSON text: <c>"u1"</c> with quotes, <c>42</c>, <c>["a",1]</c> for a composite
    /// key, <c>null</c> when the rule is unkeyed or the key field is missing or null. Equal values give equal text.
    /// Reads the event's dispatch values as the parser gave them (<see cref="JsonEventParser"/>).
    /// </summary>
    public KeySelector KeyOf { get; }

    public bool IsKeyed { get; }

    /// <summary>Event time in epoch ms from the time field, null when it is missing or unusable; null itself for processing time.</summary>
    public TimestampSelector? TimestampOf { get; }

    /// <summary>The time field's path (for messages about unusable timestamps); null for processing time.</summary>
    public string? TimeField { get; }

    public bool IsEventTime => TimestampOf is not null;

    public long OutOfOrdernessMs { get; }

    public long? IdlenessMs { get; }

    /// <summary>Side output for partial matches that time out; null to drop them.</summary>
    public string? OnTimeout { get; }

    /// <summary>Side output for late events; null to drop (and count) them.</summary>
    public string? OnLate { get; }

    public IReadOnlyList<EmitField> Emit { get; }

    public override string ToString() => $"{Name} ({Location})";
}
