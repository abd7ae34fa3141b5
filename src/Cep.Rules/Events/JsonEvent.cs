using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Cep.Rules.Compilation;

namespace Cep.Rules.Events;

/// <summary>
/// One input event: its exact bytes (written to outputs as read) and the values of the registered field
/// paths, parsed once when the event was read. Immutable.
/// </summary>
/// <remarks>
/// A line of up to <see cref="MaxInlineBytes"/> bytes is held inside the event object (see <see cref="Create"/>),
/// longer ones in an array of their own: an event the engine keeps is then one object, not two, for the garbage
/// collector to trace and copy, and writing it into a record reads one object instead of following a pointer.
/// The first <see cref="InlineSlots"/> values live in the event object itself, the rest in an array: a rule
/// typically reads a type, a time and a key, so an event the engine keeps is one object fewer for the garbage
/// collector to trace and copy than with every value in an array.
/// A plain-ASCII string in a field that only keys read stays undecoded (see <see cref="FieldTable"/>): the key
/// is cut from the raw bytes, so such an event holds one string less. <see cref="Get"/> decodes it on demand.
/// </remarks>
public abstract class JsonEvent
{
    internal const int InlineSlots = 3;

    /// <summary>The longest line held inside the event object.</summary>
    internal const int MaxInlineBytes = 252;

    private readonly JsonValue _v0;
    private readonly JsonValue _v1;
    private readonly JsonValue _v2;
    private readonly JsonValue[]? _more;

    /// <summary>The bytes are the subclass's: inline (<see cref="InlineJsonEvent{TBuffer}"/>) or in an array
    /// (<see cref="ArrayJsonEvent"/>), so the common, inline event carries no array field.</summary>
    private protected JsonEvent(string stream, long line, ReadOnlySpan<JsonValue> values)
    {
        Stream = stream;
        Line = line;
        switch (values.Length)
        {
            case > InlineSlots:
                _more = values[InlineSlots..].ToArray();
                goto case 3;
            case 3:
                _v2 = values[2];
                goto case 2;
            case 2:
                _v1 = values[1];
                goto case 1;
            case 1:
                _v0 = values[0];
                break;
            default:
                break;
        }
    }

    /// <summary>The name of the input the event came from.</summary>
    public string Stream { get; }

    /// <summary>1-based line number in its source; 0 when it has none.</summary>
    public long Line { get; }

    /// <summary>The JSON object's exact UTF-8 bytes, without surrounding whitespace or line ending.</summary>
    public EventBytes Raw => new(RawSpan);

    /// <summary>An event holding a copy of <paramref name="raw"/>, inside the event object when it is short enough.</summary>
    /// <param name="values">The slot values; copied, so the caller may reuse the storage.</param>
    /// <remarks>The buffer sizes are 4 more than a multiple of 8: after the base fields (a multiple of 8) and the
    /// 4-byte length, the object then ends where the allocator's 8-byte rounding would end it anyway.</remarks>
    internal static JsonEvent Create(string stream, long line, ReadOnlySpan<byte> raw, ReadOnlySpan<JsonValue> values) => raw.Length switch
    {
        <= 20 => new InlineJsonEvent<InlineBytes20>(stream, line, raw, values),
        <= 28 => new InlineJsonEvent<InlineBytes28>(stream, line, raw, values),
        <= 36 => new InlineJsonEvent<InlineBytes36>(stream, line, raw, values),
        <= 44 => new InlineJsonEvent<InlineBytes44>(stream, line, raw, values),
        <= 52 => new InlineJsonEvent<InlineBytes52>(stream, line, raw, values),
        <= 60 => new InlineJsonEvent<InlineBytes60>(stream, line, raw, values),
        <= 68 => new InlineJsonEvent<InlineBytes68>(stream, line, raw, values),
        <= 76 => new InlineJsonEvent<InlineBytes76>(stream, line, raw, values),
        <= 92 => new InlineJsonEvent<InlineBytes92>(stream, line, raw, values),
        <= 108 => new InlineJsonEvent<InlineBytes108>(stream, line, raw, values),
        <= 124 => new InlineJsonEvent<InlineBytes124>(stream, line, raw, values),
        <= 156 => new InlineJsonEvent<InlineBytes156>(stream, line, raw, values),
        <= 188 => new InlineJsonEvent<InlineBytes188>(stream, line, raw, values),
        <= 220 => new InlineJsonEvent<InlineBytes220>(stream, line, raw, values),
        <= MaxInlineBytes => new InlineJsonEvent<InlineBytes252>(stream, line, raw, values),
        _ => new ArrayJsonEvent(stream, line, raw.ToArray(), values),
    };

    /// <summary>The raw bytes, wherever they are held.</summary>
    internal ReadOnlySpan<byte> RawSpan => RawBytes();

    private protected abstract ReadOnlySpan<byte> RawBytes();

    /// <summary>The value at a registered path; missing when the path is absent or goes through a non-object.</summary>
    public JsonValue Get(int slot)
    {
        var value = Slot(slot);
        return value.IsUndecoded ? Decode(value) : value;
    }

    /// <summary>Decodes a string left undecoded (key-only fields). Apart from <see cref="Get"/> so that the common
    /// path stays small enough for the JIT to inline into compiled conditions (with this branch inline, a
    /// single-comparison condition took 14 ns instead of 3).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private JsonValue Decode(JsonValue value) =>
        JsonValue.From(Encoding.ASCII.GetString(RawSpan.Slice(value.UndecodedOffset, value.UndecodedLength)));

    /// <summary>
    /// The canonical JSON text of the value at <paramref name="slot"/> (as <see cref="KeySelectors.Canonical"/>):
    /// for an undecoded plain-ASCII string that is exactly its quoted token in the raw bytes.
    /// </summary>
    internal string CanonicalText(int slot)
    {
        if (Slot(slot) is { IsUndecoded: true } value)
        {
            return Encoding.ASCII.GetString(RawSpan.Slice(value.UndecodedOffset - 1, value.UndecodedLength + 2));
        }
        return KeySelectors.Canonical(Get(slot));
    }

    /// <summary>
    /// True when the value at <paramref name="slot"/> is a number whose canonical JSON text is an integer (integral,
    /// within ±2^53, as <see cref="JsonValue.ToJson"/> prints it): the runner keeps such keys as numbers.
    /// </summary>
    internal bool TryGetInteger(int slot, out long value)
    {
        var v = Slot(slot);
        var number = v.Number;
        if (v.Kind == JsonKind.Number && Math.Abs(number) <= 9007199254740992d && Math.Floor(number) == number)
        {
            value = (long)number;
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>The stored value of a slot (an undecoded string as it is); missing for an unknown slot.</summary>
    private JsonValue Slot(int slot) => slot switch
    {
        0 => _v0,
        1 => _v1,
        2 => _v2,
        _ => _more is { } more && (uint)(slot - InlineSlots) < (uint)more.Length ? more[slot - InlineSlots] : default,
    };

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

/// <summary>An event whose bytes are held in the object itself, in a buffer of <typeparamref name="TBuffer"/>'s size.</summary>
internal sealed class InlineJsonEvent<TBuffer> : JsonEvent
    where TBuffer : struct
{
    private readonly int _length;
    private TBuffer _bytes;

    public InlineJsonEvent(string stream, long line, ReadOnlySpan<byte> raw, ReadOnlySpan<JsonValue> values)
        : base(stream, line, values)
    {
        _length = raw.Length;
        raw.CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.As<TBuffer, byte>(ref _bytes), Unsafe.SizeOf<TBuffer>()));
    }

    private protected override ReadOnlySpan<byte> RawBytes() =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<TBuffer, byte>(ref Unsafe.AsRef(in _bytes)), _length);
}

/// <summary>An event whose line is too long to hold inline: its bytes are in an array of their own.</summary>
internal sealed class ArrayJsonEvent(string stream, long line, byte[] raw, ReadOnlySpan<JsonValue> values)
    : JsonEvent(stream, line, values)
{
    private readonly byte[] _raw = raw;

    private protected override ReadOnlySpan<byte> RawBytes() => _raw;
}

[InlineArray(20)]
internal struct InlineBytes20
{
    private byte _first;
}

[InlineArray(28)]
internal struct InlineBytes28
{
    private byte _first;
}

[InlineArray(36)]
internal struct InlineBytes36
{
    private byte _first;
}

[InlineArray(44)]
internal struct InlineBytes44
{
    private byte _first;
}

[InlineArray(52)]
internal struct InlineBytes52
{
    private byte _first;
}

[InlineArray(60)]
internal struct InlineBytes60
{
    private byte _first;
}

[InlineArray(68)]
internal struct InlineBytes68
{
    private byte _first;
}

[InlineArray(76)]
internal struct InlineBytes76
{
    private byte _first;
}

[InlineArray(92)]
internal struct InlineBytes92
{
    private byte _first;
}

[InlineArray(108)]
internal struct InlineBytes108
{
    private byte _first;
}

[InlineArray(124)]
internal struct InlineBytes124
{
    private byte _first;
}

[InlineArray(156)]
internal struct InlineBytes156
{
    private byte _first;
}

[InlineArray(188)]
internal struct InlineBytes188
{
    private byte _first;
}

[InlineArray(220)]
internal struct InlineBytes220
{
    private byte _first;
}

[InlineArray(252)]
internal struct InlineBytes252
{
    private byte _first;
}
