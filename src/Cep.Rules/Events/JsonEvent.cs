using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Cep.Rules.Compilation;

namespace Cep.Rules.Events;

/// <summary>
/// One input event: its exact bytes (written to outputs as read) and the values of the registered value slots,
/// parsed once when the event was read. Immutable.
/// </summary>
/// <remarks>
/// A line of up to <see cref="MaxInlineBytes"/> bytes is held inside the event object (see <see cref="Create"/>),
/// longer ones in an array of their own: an event the engine keeps is then one object, not two, for the garbage
/// collector to trace and copy, and writing it into a record reads one object instead of following a pointer.
/// Up to three values live in the event object itself, in a field of exactly their size (more go to an array).
/// Fields read only to dispatch the event — its key and its time — are not kept at all (see <see cref="FieldTable"/>):
/// the parser hands them to the caller beside the event. W1's event keeps its type only: 112 bytes instead of 144,
/// a quarter less allocated per run and held per pending match (W1 end to end 2-4 % less CPU, docs/performance.md).
/// </remarks>
public abstract class JsonEvent
{
    /// <summary>The longest line held inside the event object.</summary>
    internal const int MaxInlineBytes = 252;

    /// <summary>The values and bytes are the subclass's: inline (<see cref="InlineJsonEvent{TValues, TBuffer}"/>), so
    /// the common event is one object of the size its line and its value slots need, or in arrays (<see cref="ArrayJsonEvent"/>).</summary>
    private protected JsonEvent(string stream, long line)
    {
        Stream = stream;
        Line = line;
    }

    /// <summary>The name of the input the event came from.</summary>
    public string Stream { get; }

    /// <summary>1-based line number in its source; 0 when it has none.</summary>
    public long Line { get; }

    /// <summary>The JSON object's exact UTF-8 bytes, without surrounding whitespace or line ending.</summary>
    public EventBytes Raw => new(RawSpan);

    /// <summary>An event holding a copy of <paramref name="raw"/>, inside the event object when it is short enough.</summary>
    /// <param name="values">The value slots' values (<see cref="FieldTable.Slot"/>); copied, so the caller may reuse
    /// the storage. Up to three are held inside the event object, in a field of exactly their size.</param>
    internal static JsonEvent Create(string stream, long line, ReadOnlySpan<byte> raw, ReadOnlySpan<JsonValue> values) => values.Length switch
    {
        0 => Create<NoValues>(stream, line, raw, values),
        1 => Create<Values1>(stream, line, raw, values),
        2 => Create<Values2>(stream, line, raw, values),
        3 => Create<Values3>(stream, line, raw, values),
        _ => Create<ValuesArray>(stream, line, raw, values),
    };

    /// <remarks>The buffers (the line's length in 4 bytes, then the line) are multiples of 8: after the base fields and
    /// the values (multiples of 8 too), the object ends where the allocator's 8-byte rounding would end it anyway.
    /// Not inlined into <see cref="Create(string, long, ReadOnlySpan{byte}, ReadOnlySpan{JsonValue})"/>: a run uses
    /// one value count, and the five switches inline took ~6 ms of tier-1 compiling in every run.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static JsonEvent Create<TValues>(string stream, long line, ReadOnlySpan<byte> raw, ReadOnlySpan<JsonValue> values)
        where TValues : struct, IEventValues<TValues> => raw.Length switch
    {
        <= 20 => new InlineJsonEvent<TValues, InlineBytes24>(stream, line, raw, values),
        <= 28 => new InlineJsonEvent<TValues, InlineBytes32>(stream, line, raw, values),
        <= 36 => new InlineJsonEvent<TValues, InlineBytes40>(stream, line, raw, values),
        <= 44 => new InlineJsonEvent<TValues, InlineBytes48>(stream, line, raw, values),
        <= 52 => new InlineJsonEvent<TValues, InlineBytes56>(stream, line, raw, values),
        <= 60 => new InlineJsonEvent<TValues, InlineBytes64>(stream, line, raw, values),
        <= 68 => new InlineJsonEvent<TValues, InlineBytes72>(stream, line, raw, values),
        <= 76 => new InlineJsonEvent<TValues, InlineBytes80>(stream, line, raw, values),
        <= 92 => new InlineJsonEvent<TValues, InlineBytes96>(stream, line, raw, values),
        <= 108 => new InlineJsonEvent<TValues, InlineBytes112>(stream, line, raw, values),
        <= 124 => new InlineJsonEvent<TValues, InlineBytes128>(stream, line, raw, values),
        <= 156 => new InlineJsonEvent<TValues, InlineBytes160>(stream, line, raw, values),
        <= 188 => new InlineJsonEvent<TValues, InlineBytes192>(stream, line, raw, values),
        <= 220 => new InlineJsonEvent<TValues, InlineBytes224>(stream, line, raw, values),
        <= MaxInlineBytes => new InlineJsonEvent<TValues, InlineBytes256>(stream, line, raw, values),
        _ => new ArrayJsonEvent(stream, line, raw.ToArray(), values.ToArray()),
    };

    /// <summary>The raw bytes, wherever they are held.</summary>
    internal ReadOnlySpan<byte> RawSpan => RawBytes();

    private protected abstract ReadOnlySpan<byte> RawBytes();

    /// <summary>The value at a registered value slot (<see cref="FieldTable.Slot"/>); missing when the path is absent
    /// or goes through a non-object, and for a slot the event does not keep.</summary>
    public abstract JsonValue Get(int slot);

    /// <summary>
    /// The canonical JSON text (as <see cref="KeySelectors.Canonical"/>) of <paramref name="value"/>, a dispatch value
    /// the parser read from this event: for an undecoded plain-ASCII string that is exactly its quoted token in the
    /// event's raw bytes.
    /// </summary>
    internal string CanonicalText(JsonValue value) => value.IsUndecoded
        ? Encoding.ASCII.GetString(RawSpan.Slice(value.UndecodedOffset - 1, value.UndecodedLength + 2))
        : KeySelectors.Canonical(value);

    /// <summary>
    /// True when <paramref name="value"/> is a number whose canonical JSON text is an integer (integral, within
    /// ±2^53, as <see cref="JsonValue.ToJson"/> prints it): the runner keeps such keys as numbers.
    /// </summary>
    internal static bool TryGetInteger(JsonValue value, out long integer)
    {
        var number = value.Number;
        if (value.Kind == JsonKind.Number && Math.Abs(number) <= 9007199254740992d && Math.Floor(number) == number)
        {
            integer = (long)number;
            return true;
        }
        integer = 0;
        return false;
    }

    public override string ToString() => Encoding.UTF8.GetString(RawSpan);
}

/// <summary>An event's raw bytes (<see cref="JsonEvent.Raw"/>): valid as long as the event, which never changes them.</summary>
public readonly ref struct EventBytes
{
    internal EventBytes(ReadOnlySpan<byte> span) => Span = span;

    public ReadOnlySpan<byte> Span { get; }

    public int Length => Span.Length;

    public bool IsEmpty => Span.IsEmpty;

    public byte[] ToArray() => Span.ToArray();
}

/// <summary>An event whose values and bytes are held in the object itself, in fields of <typeparamref name="TValues"/>'s
/// and <typeparamref name="TBuffer"/>'s sizes.</summary>
internal sealed class InlineJsonEvent<TValues, TBuffer> : JsonEvent
    where TValues : struct, IEventValues<TValues>
    where TBuffer : struct
{
    // Filled in place (not readonly): a struct of two or three values assigned whole went through the runtime's
    // struct-copy helper and made the parse of such a line twice as slow (~340 ns instead of ~160).
#pragma warning disable CS0649 // assigned by Fill, through a reference to the field
    private TValues _values;
#pragma warning restore CS0649

    // The line's length (4 bytes), then the line. The length in a field of its own was laid out before the values,
    // with 4 bytes of padding: W1's event took 120 bytes instead of 112.
    private TBuffer _bytes;

    public InlineJsonEvent(string stream, long line, ReadOnlySpan<byte> raw, ReadOnlySpan<JsonValue> values)
        : base(stream, line)
    {
        _values.Fill(values);
        var buffer = MemoryMarshal.CreateSpan(ref Unsafe.As<TBuffer, byte>(ref _bytes), Unsafe.SizeOf<TBuffer>());
        Unsafe.WriteUnaligned(ref buffer[0], raw.Length);
        raw.CopyTo(buffer[sizeof(int)..]);
    }

    public override JsonValue Get(int slot) => _values.Get(slot);

    private protected override ReadOnlySpan<byte> RawBytes()
    {
        ref var first = ref Unsafe.As<TBuffer, byte>(ref Unsafe.AsRef(in _bytes));
        return MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref first, sizeof(int)), Unsafe.ReadUnaligned<int>(ref first));
    }
}

/// <summary>An event whose line is too long to hold inline: its bytes and values are in arrays of their own.</summary>
internal sealed class ArrayJsonEvent(string stream, long line, byte[] raw, JsonValue[] values)
    : JsonEvent(stream, line)
{
    private readonly byte[] _raw = raw;
    private readonly JsonValue[] _values = values;

    public override JsonValue Get(int slot) => (uint)slot < (uint)_values.Length ? _values[slot] : default;

    private protected override ReadOnlySpan<byte> RawBytes() => _raw;
}

/// <summary>An event's value slots, held in the event object: a struct per count, so the object has exactly their size.</summary>
internal interface IEventValues<TSelf>
    where TSelf : struct, IEventValues<TSelf>
{
    /// <summary>Takes <paramref name="values"/> (exactly the struct's count), in place in the event object, one at a time.</summary>
    void Fill(ReadOnlySpan<JsonValue> values);

    JsonValue Get(int slot);
}

/// <summary>What <see cref="Values1"/> to <see cref="Values3"/> do with their elements.</summary>
internal static class InlineValues
{
    /// <summary>One value at a time, into the event object's field: the struct assigned whole went through the
    /// runtime's struct-copy helper, which made the parse of a line with two or three values twice as slow.</summary>
    public static void Fill(Span<JsonValue> held, ReadOnlySpan<JsonValue> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            held[i] = values[i];
        }
    }

    public static JsonValue Get(ReadOnlySpan<JsonValue> held, int slot) => (uint)slot < (uint)held.Length ? held[slot] : default;
}

internal struct NoValues : IEventValues<NoValues>
{
    public void Fill(ReadOnlySpan<JsonValue> values)
    {
    }

    public readonly JsonValue Get(int slot) => default;
}

[InlineArray(1)]
internal struct Values1 : IEventValues<Values1>
{
    private JsonValue _first;

    public void Fill(ReadOnlySpan<JsonValue> values) => InlineValues.Fill(this, values);

    public readonly JsonValue Get(int slot) => InlineValues.Get(this, slot);
}

[InlineArray(2)]
internal struct Values2 : IEventValues<Values2>
{
    private JsonValue _first;

    public void Fill(ReadOnlySpan<JsonValue> values) => InlineValues.Fill(this, values);

    public readonly JsonValue Get(int slot) => InlineValues.Get(this, slot);
}

[InlineArray(3)]
internal struct Values3 : IEventValues<Values3>
{
    private JsonValue _first;

    public void Fill(ReadOnlySpan<JsonValue> values) => InlineValues.Fill(this, values);

    public readonly JsonValue Get(int slot) => InlineValues.Get(this, slot);
}

/// <summary>More than three values: in an array of their own, one object more.</summary>
internal struct ValuesArray : IEventValues<ValuesArray>
{
    private JsonValue[] _values;

    public void Fill(ReadOnlySpan<JsonValue> values) => _values = values.ToArray();

    public readonly JsonValue Get(int slot) => (uint)slot < (uint)_values.Length ? _values[slot] : default;
}

[InlineArray(24)]
internal struct InlineBytes24
{
    private byte _first;
}

[InlineArray(32)]
internal struct InlineBytes32
{
    private byte _first;
}

[InlineArray(40)]
internal struct InlineBytes40
{
    private byte _first;
}

[InlineArray(48)]
internal struct InlineBytes48
{
    private byte _first;
}

[InlineArray(56)]
internal struct InlineBytes56
{
    private byte _first;
}

[InlineArray(64)]
internal struct InlineBytes64
{
    private byte _first;
}

[InlineArray(72)]
internal struct InlineBytes72
{
    private byte _first;
}

[InlineArray(80)]
internal struct InlineBytes80
{
    private byte _first;
}

[InlineArray(96)]
internal struct InlineBytes96
{
    private byte _first;
}

[InlineArray(112)]
internal struct InlineBytes112
{
    private byte _first;
}

[InlineArray(128)]
internal struct InlineBytes128
{
    private byte _first;
}

[InlineArray(160)]
internal struct InlineBytes160
{
    private byte _first;
}

[InlineArray(192)]
internal struct InlineBytes192
{
    private byte _first;
}

[InlineArray(224)]
internal struct InlineBytes224
{
    private byte _first;
}

[InlineArray(256)]
internal struct InlineBytes256
{
    private byte _first;
}
