using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cep.Runtime;

/// <summary>
/// Which keys an incremental checkpoint must write: one bit per key handle for "changed since the last
/// checkpoint", one for "in the store" (captured by a checkpoint or restored from one), and the keys that left the
/// table while in the store (their delete records). Marking an event's key is a bit set in a word next to its
/// neighbours' — no hashing — and a checkpoint walks the changed handles in table order, reaching the keys' entries
/// one chunk after another instead of by a lookup each. A key created and forgotten between two checkpoints leaves no
/// trace: the store never had it.
/// </summary>
internal sealed class ChangeTracker<TKey>
{
    private ulong[] _changed = new ulong[16];
    private ulong[] _stored = new ulong[16];
    private readonly List<TKey> _removed = [];
    private int _changedCount;

    /// <summary>Changed live keys plus removed stored keys: an upper bound of one checkpoint's records.</summary>
    public int Count => _changedCount + _removed.Count;

    /// <summary>Stored keys removed since the last checkpoint; a key re-added since is also changed.</summary>
    public List<TKey> Removed => _removed;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MarkChanged(int handle)
    {
        var word = handle >> 6;
        if ((uint)word >= (uint)_changed.Length)
        {
            Grow(word);
        }
        ref var bits = ref _changed[word];
        var bit = 1UL << handle;
        if ((bits & bit) == 0)
        {
            bits |= bit;
            _changedCount++;
        }
    }

    /// <summary>A key restored from the store: not changed, but its removal must reach the store.</summary>
    public void MarkStored(int handle)
    {
        var word = handle >> 6;
        if ((uint)word >= (uint)_stored.Length)
        {
            Grow(word);
        }
        _stored[word] |= 1UL << handle;
    }

    /// <summary>The key at <paramref name="handle"/> leaves the table (its handle may go to another key next).</summary>
    public void OnRemoved(int handle, TKey key)
    {
        var word = handle >> 6;
        if ((uint)word >= (uint)_changed.Length)
        {
            return;
        }
        var bit = 1UL << handle;
        if ((_changed[word] & bit) != 0)
        {
            _changed[word] &= ~bit;
            _changedCount--;
        }
        if ((_stored[word] & bit) != 0)
        {
            _stored[word] &= ~bit;
            _removed.Add(key);
        }
    }

    /// <summary>
    /// Calls <paramref name="visit"/> for every changed handle in ascending order, then counts them as stored and
    /// no longer changed, and forgets the removed keys (the caller has taken them from <see cref="Removed"/>).
    /// </summary>
    public void Drain<TVisitor>(ref TVisitor visit)
        where TVisitor : struct, IHandleVisitor
    {
        var words = Math.Min(_changed.Length, _stored.Length);
        for (var w = 0; w < words; w++)
        {
            var bits = _changed[w];
            if (bits == 0)
            {
                continue;
            }
            _stored[w] |= bits;
            _changed[w] = 0;
            while (bits != 0)
            {
                visit.Visit((w << 6) + BitOperations.TrailingZeroCount(bits));
                bits &= bits - 1;
            }
        }
        _changedCount = 0;
        _removed.Clear();
    }

    /// <summary>The changed handles in ascending order, without draining them.</summary>
    public List<int> ChangedHandles()
    {
        var handles = new List<int>(_changedCount);
        for (var w = 0; w < _changed.Length; w++)
        {
            for (var bits = _changed[w]; bits != 0; bits &= bits - 1)
            {
                handles.Add((w << 6) + BitOperations.TrailingZeroCount(bits));
            }
        }
        return handles;
    }

    public void Clear()
    {
        Array.Clear(_changed);
        Array.Clear(_stored);
        _removed.Clear();
        _changedCount = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int word)
    {
        var length = Math.Max(word + 1, _changed.Length + (_changed.Length / 2));
        Array.Resize(ref _changed, length);
        Array.Resize(ref _stored, length);
    }
}

/// <summary>What <see cref="ChangeTracker{TKey}.Drain"/> calls per changed handle (a struct: the call inlines).</summary>
internal interface IHandleVisitor
{
    void Visit(int handle);
}
