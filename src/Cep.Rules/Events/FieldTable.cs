using System.Text;

namespace Cep.Rules.Events;

/// <summary>
/// The field paths rules read, each given a slot. Events fill only registered slots, so an event costs
/// work in proportion to the fields rules use, not to its size. Register every path (compile every rule)
/// before reading events: a path registered later reads as missing in events parsed before.
/// </summary>
public sealed class FieldTable
{
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly List<string> _paths = [];
    private readonly List<bool> _keyOnly = [];
    private readonly Lock _lock = new();
    private PathNode? _root;

    /// <summary>Number of registered paths; slots are 0 to Count - 1.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _paths.Count;
            }
        }
    }

    /// <summary>Registers a dotted path (<c>user.id</c>) if it is new and returns its slot.</summary>
    public int Slot(string dottedPath) => Register(dottedPath, keyOnly: false);

    /// <summary>
    /// Registers a path that a key selector reads through <see cref="JsonEvent.CanonicalText"/> only. Until some
    /// other reader registers it with <see cref="Slot"/>, its plain-ASCII strings are left undecoded in events:
    /// the key is cut from the raw bytes and no string is made for the field.
    /// </summary>
    internal int KeySlot(string dottedPath) => Register(dottedPath, keyOnly: true);

    private int Register(string dottedPath, bool keyOnly)
    {
        ArgumentNullException.ThrowIfNull(dottedPath);
        foreach (var segment in dottedPath.Split('.'))
        {
            if (segment.Length == 0)
            {
                throw new ArgumentException($"'{dottedPath}' is not a field path: it has an empty segment.", nameof(dottedPath));
            }
        }
        lock (_lock)
        {
            if (_slots.TryGetValue(dottedPath, out var slot))
            {
                if (!keyOnly && _keyOnly[slot])
                {
                    _keyOnly[slot] = false;
                    _root = null;
                }
                return slot;
            }
            slot = _paths.Count;
            _paths.Add(dottedPath);
            _keyOnly.Add(keyOnly);
            _slots.Add(dottedPath, slot);
            _root = null;
            return slot;
        }
    }

    /// <summary>The slot of a registered path, or -1.</summary>
    public int Find(string dottedPath)
    {
        lock (_lock)
        {
            return _slots.TryGetValue(dottedPath, out var slot) ? slot : -1;
        }
    }

    public string PathOf(int slot)
    {
        lock (_lock)
        {
            return _paths[slot];
        }
    }

    /// <summary>The registered paths as a tree of UTF-8 names, rebuilt only after a registration.</summary>
    internal PathNode Root
    {
        get
        {
            var root = Volatile.Read(ref _root);
            if (root is not null)
            {
                return root;
            }
            lock (_lock)
            {
                _root ??= PathNode.Build(_paths, _keyOnly);
                return _root;
            }
        }
    }
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

    public int Slot { get; private set; } = -1;

    public PathNode[] Children { get; private set; } = [];

    /// <summary>Every slot strictly below this node: cleared when the node's value is replaced (last key wins).</summary>
    public int[] DescendantSlots { get; private set; } = [];

    public int SlotCount { get; private set; }

    /// <summary>Only key selectors read this path's value, so its plain-ASCII strings may stay undecoded.</summary>
    public bool KeyOnly { get; private set; }

    /// <summary>Strings recently read at this path (field values such as event types repeat).</summary>
    public StringCache Strings { get; } = new();

    public static PathNode Build(IReadOnlyList<string> paths, IReadOnlyList<bool> keyOnly)
    {
        var root = new PathNode(string.Empty) { SlotCount = paths.Count };
        for (var slot = 0; slot < paths.Count; slot++)
        {
            var node = root;
            foreach (var segment in paths[slot].Split('.'))
            {
                var child = Array.Find(node.Children, c => c.Name == segment);
                if (child is null)
                {
                    child = new PathNode(segment);
                    node.Children = [.. node.Children, child];
                }
                node = child;
            }
            node.Slot = slot;
            node.KeyOnly = keyOnly[slot];
        }
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
