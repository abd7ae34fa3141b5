using System.Runtime.CompilerServices;
using System.Text;

namespace Cep.Rules.Events;

/// <summary>
/// The field paths rules read, each given a slot. Events fill only registered slots, so an event costs
/// work in proportion to the fields rules use, not to its size. Register every path (compile every rule)
/// before reading events: a path registered later reads as missing in events parsed before.
/// </summary>
/// <remarks>
/// Two kinds of slot. A <em>value</em> slot (<see cref="Slot"/>) is kept in the event: conditions and emitted fields
/// read it whenever they run, long after the event arrived. A <em>dispatch</em> slot (<see cref="KeySlot"/>,
/// <see cref="TimeSlot"/>) is read once, when the runner hands the event to its rules — the key and the time — and
/// is not kept: the parser leaves it in the caller's dispatch values (<see cref="JsonEventParser"/>). W1's event then
/// keeps one value (its type) instead of three, 32 of its 144 bytes; a path both kinds read has both slots.
/// </remarks>
public sealed class FieldTable
{
    private readonly Dictionary<string, int> _paths = new(StringComparer.Ordinal);
    private readonly List<PathEntry> _entries = [];
    private readonly Lock _lock = new();
    private int _valueCount;
    private int _dispatchCount;
    private PathNode? _root;

    /// <summary>Number of value slots (kept in events): 0 to Count - 1.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _valueCount;
            }
        }
    }

    /// <summary>Number of dispatch slots (read when an event is dispatched, not kept): 0 to DispatchCount - 1.</summary>
    public int DispatchCount
    {
        get
        {
            lock (_lock)
            {
                return _dispatchCount;
            }
        }
    }

    /// <summary>Registers a dotted path (<c>user.id</c>) as read from events and returns its value slot (<see cref="JsonEvent.Get"/>).</summary>
    public int Slot(string dottedPath)
    {
        lock (_lock)
        {
            var entry = Entry(dottedPath);
            if (entry.ValueSlot < 0)
            {
                entry.ValueSlot = _valueCount++;
                _root = null;
            }
            return entry.ValueSlot;
        }
    }

    /// <summary>
    /// Registers a path that a key selector reads, when the event is dispatched, through
    /// <see cref="JsonEvent.CanonicalText"/>; returns its dispatch slot. Unless another reader registers it, its
    /// plain-ASCII strings are left undecoded: the key is cut from the raw bytes and no string is made for the field.
    /// </summary>
    internal int KeySlot(string dottedPath) => DispatchSlot(dottedPath, time: false);

    /// <summary>The value of dispatch slot <paramref name="slot"/> in <paramref name="dispatch"/>; missing when the span
    /// is shorter (the event was parsed without dispatch values).</summary>
    internal static JsonValue DispatchValue(ReadOnlySpan<JsonValue> dispatch, int slot) =>
        (uint)slot < (uint)dispatch.Length ? dispatch[slot] : default;

    /// <summary>Registers a path that a timestamp selector reads when the event is dispatched; returns its dispatch slot.</summary>
    internal int TimeSlot(string dottedPath) => DispatchSlot(dottedPath, time: true);

    private int DispatchSlot(string dottedPath, bool time)
    {
        lock (_lock)
        {
            var entry = Entry(dottedPath);
            if (entry.DispatchSlot < 0)
            {
                entry.DispatchSlot = _dispatchCount++;
                _root = null;
            }
            if (time && !entry.TimeRead)
            {
                entry.TimeRead = true;
                _root = null;
            }
            return entry.DispatchSlot;
        }
    }

    private PathEntry Entry(string dottedPath)
    {
        ArgumentNullException.ThrowIfNull(dottedPath);
        if (_paths.TryGetValue(dottedPath, out var index))
        {
            return _entries[index];
        }
        foreach (var segment in dottedPath.Split('.'))
        {
            if (segment.Length == 0)
            {
                throw new ArgumentException($"'{dottedPath}' is not a field path: it has an empty segment.", nameof(dottedPath));
            }
        }
        var entry = new PathEntry(dottedPath);
        _paths.Add(dottedPath, _entries.Count);
        _entries.Add(entry);
        return entry;
    }

    /// <summary>The value slot of a registered path, or -1.</summary>
    public int Find(string dottedPath)
    {
        lock (_lock)
        {
            return _paths.TryGetValue(dottedPath, out var index) ? _entries[index].ValueSlot : -1;
        }
    }

    /// <summary>The dispatch slot of a registered path (read by a key or time selector), or -1.</summary>
    public int FindDispatch(string dottedPath)
    {
        lock (_lock)
        {
            return _paths.TryGetValue(dottedPath, out var index) ? _entries[index].DispatchSlot : -1;
        }
    }

    /// <summary>The path of a value slot.</summary>
    public string PathOf(int slot)
    {
        lock (_lock)
        {
            return _entries.Find(e => e.ValueSlot == slot)?.Path ?? throw new ArgumentOutOfRangeException(nameof(slot), slot, "no such value slot");
        }
    }

    /// <summary>The registered paths as a tree of UTF-8 names, rebuilt only after a registration.</summary>
    /// <remarks>Read per line (twice in the runner): the build is out of line, so the getter is a load and a test
    /// (with it inline, the tier-1 recompile of this getter took ~8 ms of every run).</remarks>
    internal PathNode Root => Volatile.Read(ref _root) ?? BuildRoot();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private PathNode BuildRoot()
    {
        lock (_lock)
        {
            _root ??= PathNode.Build(_entries, _valueCount, _dispatchCount);
            return _root;
        }
    }
}

/// <summary>A registered path and its slots (-1: none of that kind).</summary>
internal sealed class PathEntry(string path)
{
    public string Path { get; } = path;

    public int ValueSlot { get; set; } = -1;

    public int DispatchSlot { get; set; } = -1;

    /// <summary>A timestamp selector reads it: its strings must be decoded.</summary>
    public bool TimeRead { get; set; }
}

/// <summary>One level of the path tree: the names below it, the slot of the path ending here (-1 if none).</summary>
internal sealed class PathNode
{
    private PathNode(string name)
    {
        Name = name;
        Utf8Name = Encoding.UTF8.GetBytes(name);
        PlainName = !Utf8Name.AsSpan().ContainsAnyExceptInRange((byte)0x20, (byte)0x7E) && !Utf8Name.AsSpan().ContainsAny((byte)'"', (byte)'\\');
    }

    public string Name { get; }

    public byte[] Utf8Name { get; }

    /// <summary>The name is printable ASCII without quote or backslash: in JSON it is written as its own bytes.</summary>
    public bool PlainName { get; }

    /// <summary>
    /// Where the parser puts this path's value in its scratch of <see cref="SlotCount"/> values: the value slot when
    /// it has one, else <see cref="ValueCount"/> plus its dispatch slot; -1 for a node no path ends at.
    /// </summary>
    public int Slot { get; private set; } = -1;

    /// <summary>The value slot of the path ending here (kept in the event), or -1.</summary>
    public int ValueSlot { get; private set; } = -1;

    public PathNode[] Children { get; private set; } = [];

    /// <summary>Every slot strictly below this node: cleared when the node's value is replaced (last key wins).</summary>
    public int[] DescendantSlots { get; private set; } = [];

    /// <summary>On the root: the parser's scratch length, value slots first, then dispatch slots.</summary>
    public int SlotCount { get; private set; }

    /// <summary>On the root: how many of the scratch's values the event keeps (its value slots).</summary>
    public int ValueCount { get; private set; }

    /// <summary>
    /// On the root: scratch positions to copy once a line is read, (value slot, dispatch position) for each path
    /// read both ways, so the parser fills one place per path.
    /// </summary>
    public (int From, int To)[] Copies { get; private set; } = [];

    /// <summary>Only key selectors read this path's value, so its plain-ASCII strings may stay undecoded.</summary>
    public bool KeyOnly { get; private set; }

    /// <summary>Strings recently read at this path (field values such as event types repeat).</summary>
    public StringCache Strings { get; } = new();

    public static PathNode Build(IReadOnlyList<PathEntry> entries, int valueCount, int dispatchCount)
    {
        var root = new PathNode(string.Empty) { SlotCount = valueCount + dispatchCount, ValueCount = valueCount };
        var copies = new List<(int, int)>();
        foreach (var entry in entries)
        {
            var node = root;
            foreach (var segment in entry.Path.Split('.'))
            {
                var child = Array.Find(node.Children, c => c.Name == segment);
                if (child is null)
                {
                    child = new PathNode(segment);
                    node.Children = [.. node.Children, child];
                }
                node = child;
            }
            node.ValueSlot = entry.ValueSlot;
            node.Slot = entry.ValueSlot >= 0 ? entry.ValueSlot : valueCount + entry.DispatchSlot;
            node.KeyOnly = entry.ValueSlot < 0 && !entry.TimeRead;
            if (entry.ValueSlot >= 0 && entry.DispatchSlot >= 0)
            {
                copies.Add((entry.ValueSlot, valueCount + entry.DispatchSlot));
            }
        }
        root.Copies = [.. copies];
        root.CollectDescendants();
        return root;
    }

    private List<int> CollectDescendants()
    {
        var all = new List<int>();
        foreach (var child in Children)
        {
            if (child.Slot >= 0)
            {
                all.Add(child.Slot);
            }
            all.AddRange(child.CollectDescendants());
        }
        DescendantSlots = [.. all];
        return all;
    }
}
