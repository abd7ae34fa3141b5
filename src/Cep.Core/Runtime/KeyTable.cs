using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Cep.Runtime;

/// <summary>
/// The operator's key → state table: chained hashing like <see cref="Dictionary{TKey, TValue}"/>, with its entries
/// in fixed chunks instead of one array sized like the buckets. A dictionary's entry array has as many entries as
/// buckets (a prime, roughly doubling), so a table of 100 000 keys pays for ~175 000 entries of 72 bytes; here the
/// entries grow a chunk of 4 096 at a time and only the bucket array (4 bytes a bucket, grown by half again) has slack:
/// a key costs its entry plus ~5 bytes instead of ~1.75 entries. Removed entries are reused last-freed-first, so
/// a key added right after another was removed (with W1's churn nearly every new order) writes an entry still in
/// cache. Buckets are the hash modulo a prime, as in the dictionary: sequential keys (order numbers) land in
/// sequential buckets, and keys that step by a power of two still spread. (Open addressing was tried: linear
/// probing needs a mixing hash, which loses that locality, and was measurably slower on W1.) An entry's number is
/// the key's handle until the key is removed; a reference into the table is valid until the next add or remove
/// (entries of the first chunk move while it grows), as with a dictionary.
/// </summary>
internal sealed class KeyTable<TKey, TValue>
    where TKey : notnull
{
    // 4 096 entries: a chunk of any realistic entry (~72 bytes) is past the large-object threshold, so the
    // collector never copies it (with 1 024-entry chunks a million keys meant 72 MB promoted through gen0 and
    // gen1). The first chunk starts small and doubles, so a table of a few keys stays small.
    private const int ChunkBits = 12;
    private const int ChunkSize = 1 << ChunkBits;
    private const int FirstChunkStart = 16;

    // Bucket heads and links are entry numbers plus one (0: none). An entry in use has its hash with the top bit
    // set; a free entry has hash 0 and links the free list through Next.
    private int[] _buckets;
    private ulong _fastModMultiplier;
    private Entry[][] _chunks;
    private int _entriesUsed;
    private int _freeHead;
    private readonly IEqualityComparer<TKey>? _comparer;
    private int _count;

    public KeyTable(IEqualityComparer<TKey>? comparer = null)
    {
        // For value types the default comparer is devirtualized when called through EqualityComparer<TKey>.Default.
        _comparer = comparer is null || (typeof(TKey).IsValueType && ReferenceEquals(comparer, EqualityComparer<TKey>.Default)) ? null : comparer;
        if (_comparer is null && !typeof(TKey).IsValueType)
        {
            _comparer = EqualityComparer<TKey>.Default;
        }
        _buckets = [];
        _chunks = [];
    }

    public int Count => _count;

    /// <summary>Buckets of the index (a prime, or 0 before the first key).</summary>
    public int Capacity => _buckets.Length;

    /// <summary>The state of <paramref name="key"/>, or a null reference when the table lacks it.</summary>
    public ref TValue GetValueRefOrNullRef(TKey key) => ref Find(key, out _, out _);

    /// <summary>The handle of <paramref name="key"/>, or 0 when the table lacks it.</summary>
    public int HandleOf(TKey key)
    {
        Find(key, out var handle, out _);
        return handle;
    }

    /// <summary>
    /// The state and handle of <paramref name="key"/>, or a null reference and handle 0 when the table lacks it;
    /// <paramref name="hash"/> then adds it with <see cref="AddNew"/> without hashing and searching again (a caller
    /// that may not keep the key at all looks first).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TValue Find(TKey key, out int handle, out uint hash)
    {
        hash = Hash(key);
        if (_count > 0)
        {
            for (var number = _buckets[Bucket(hash)]; number != 0;)
            {
                ref var entry = ref EntryAt(number);
                if (entry.Hash == hash && KeyEquals(entry.Key, key))
                {
                    handle = number;
                    return ref entry.Value;
                }
                number = entry.Next;
            }
        }
        handle = 0;
        return ref Unsafe.NullRef<TValue>();
    }

    /// <summary>Adds <paramref name="key"/>, which <see cref="Find"/> just did not find (nothing was added or
    /// removed since), with <paramref name="value"/>; returns its state and handle.</summary>
    public ref TValue AddNew(TKey key, uint hash, scoped in TValue value, out int handle)
    {
        ref TValue added = ref AddNew(key, hash, out handle);
        added = value;
        return ref added;
    }

    /// <summary>Adds <paramref name="key"/> as <see cref="AddNew(TKey, uint, in TValue, out int)"/> does, with the
    /// state <c>default</c>, for a caller that fills it in place.</summary>
    public ref TValue AddNew(TKey key, uint hash, out int handle)
    {
        if (_count >= _buckets.Length)
        {
            // By half again (the dictionary doubles): chains stay under one entry per bucket on average, and
            // the bucket array's slack — paid by every key — is smaller.
            Resize(_buckets.Length == 0 ? 17 : _buckets.Length + (_buckets.Length / 2));
        }
        ref var bucket = ref _buckets[Bucket(hash)];
        var added = NewEntry();
        handle = added;
        // A new or freed entry is all default (RemoveAt clears it), but for the free list's link.
        ref var entry = ref EntryAt(added);
        entry.Hash = hash;
        entry.Key = key;
        entry.Next = bucket;
        bucket = added;
        _count++;
        return ref entry.Value;
    }

    /// <summary>The state of <paramref name="key"/>, added as <c>default</c> when the table lacks it.</summary>
    public ref TValue GetValueRefOrAddDefault(TKey key, out bool exists) => ref GetValueRefOrAddDefault(key, out exists, out _);

    /// <summary>The state of <paramref name="key"/>, added as <c>default</c> when the table lacks it, and the
    /// key's handle: a number that stays the key's until it is removed (<see cref="ValueAt"/>, <see cref="KeyAt"/>).</summary>
    public ref TValue GetValueRefOrAddDefault(TKey key, out bool exists, out int handle)
    {
        ref TValue found = ref Find(key, out handle, out var hash);
        exists = handle != 0;
        if (exists)
        {
            return ref found;
        }
        return ref AddNew(key, hash, out handle);
    }

    /// <summary>
    /// Asks the processor to bring <paramref name="key"/>'s entry into cache without waiting for it. The operator
    /// calls it when an event enters the reorder buffer: the event is dispatched only once the watermark passes
    /// it (in order, one event later), and by then the entry — a cache miss for nearly every event of a large key
    /// set — is usually there. Reads the key's bucket (a small array, mostly cached) and prefetches the first
    /// entry of its chain; does nothing where the processor has no prefetch instruction.
    /// </summary>
    public unsafe void Prefetch(TKey key)
    {
        if (!Sse.IsSupported || _count == 0)
        {
            return;
        }
        var number = _buckets[Bucket(Hash(key))];
        if (number != 0)
        {
            // An entry (~72 bytes) usually straddles two cache lines: ask for its first and its last byte.
            ref var entry = ref EntryAt(number);
            Sse.Prefetch0(Unsafe.AsPointer(ref entry));
            Sse.Prefetch0((byte*)Unsafe.AsPointer(ref entry) + (Unsafe.SizeOf<Entry>() - 1));
        }
    }

    /// <summary>Asks the processor for the entry at <paramref name="handle"/> ahead of its use (the next timer to fire:
    /// a timed-out key's entry is otherwise a cache miss when its deadline comes). Any handle is safe.</summary>
    public unsafe void PrefetchHandle(int handle)
    {
        if (!Sse.IsSupported || handle <= 0 || handle > _entriesUsed)
        {
            return;
        }
        ref var entry = ref EntryAt(handle);
        Sse.Prefetch0(Unsafe.AsPointer(ref entry));
        Sse.Prefetch0((byte*)Unsafe.AsPointer(ref entry) + (Unsafe.SizeOf<Entry>() - 1));
    }

    /// <summary>Whether <paramref name="handle"/> belongs to a key now. A handle outlives its key in queues that
    /// hold it (timers); after the key's removal it is free or another key's.</summary>
    public bool IsLive(int handle) => handle > 0 && handle <= _entriesUsed && EntryAt(handle).Hash != 0;

    /// <summary>The state of the key that holds <paramref name="handle"/> (see <see cref="IsLive"/>).</summary>
    public ref TValue ValueAt(int handle) => ref EntryAt(handle).Value;

    /// <summary>The key that holds <paramref name="handle"/> (see <see cref="IsLive"/>).</summary>
    public TKey KeyAt(int handle) => EntryAt(handle).Key;

    public bool TryGetValue(TKey key, out TValue value)
    {
        ref var found = ref GetValueRefOrNullRef(key);
        if (Unsafe.IsNullRef(ref found))
        {
            value = default!;
            return false;
        }
        value = found;
        return true;
    }

    public bool ContainsKey(TKey key) => !Unsafe.IsNullRef(ref GetValueRefOrNullRef(key));

    public bool Remove(TKey key)
    {
        if (_count == 0)
        {
            return false;
        }
        var hash = Hash(key);
        ref var link = ref _buckets[Bucket(hash)];
        while (link != 0)
        {
            var number = link;
            ref var entry = ref EntryAt(number);
            if (entry.Hash == hash && KeyEquals(entry.Key, key))
            {
                link = entry.Next;
                entry = default;
                entry.Next = _freeHead;
                _freeHead = number;
                _count--;
                return true;
            }
            link = ref entry.Next;
        }
        return false;
    }

    /// <summary>Removes the key that holds <paramref name="handle"/> (see <see cref="IsLive"/>): unlinks its entry
    /// by number, without hashing or comparing the key again.</summary>
    public void RemoveAt(int handle)
    {
        ref var entry = ref EntryAt(handle);
        ref var link = ref _buckets[Bucket(entry.Hash)];
        while (link != handle)
        {
            if (link == 0)
            {
                throw new ArgumentException($"Handle {handle} holds no key.", nameof(handle));
            }
            link = ref EntryAt(link).Next;
        }
        link = entry.Next;
        entry = default;
        entry.Next = _freeHead;
        _freeHead = handle;
        _count--;
    }

    /// <summary>Makes room for <paramref name="capacity"/> keys without growing the index again.</summary>
    public void EnsureCapacity(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        if (capacity > _buckets.Length)
        {
            Resize(capacity);
        }
    }

    /// <summary>Forgets every key and gives the memory back.</summary>
    public void Clear()
    {
        _buckets = [];
        _chunks = [];
        _entriesUsed = 0;
        _freeHead = 0;
        _count = 0;
    }

    /// <summary>Walks the keys. The table must not change while an enumeration runs.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>The keys, copied (for callers that remove keys while walking them).</summary>
    public TKey[] CopyKeys()
    {
        var keys = new TKey[_count];
        var n = 0;
        for (var e = GetEnumerator(); e.MoveNext();)
        {
            keys[n++] = e.CurrentKey;
        }
        return keys;
    }

    public IEnumerable<TKey> Keys => CopyKeys();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Entry EntryAt(int number)
    {
        var index = number - 1;
        return ref _chunks[index >> ChunkBits][index & (ChunkSize - 1)];
    }

    private int NewEntry()
    {
        if (_freeHead != 0)
        {
            // Last freed, first reused: that entry was touched moments ago.
            var free = _freeHead;
            _freeHead = EntryAt(free).Next;
            return free;
        }
        var index = _entriesUsed++;
        var chunk = index >> ChunkBits;
        if (chunk == _chunks.Length)
        {
            Array.Resize(ref _chunks, Math.Max(4, _chunks.Length * 2));
        }
        if (chunk == 0)
        {
            // The first chunk grows by doubling; entry numbers stay (references move, as on any add).
            if (_chunks[0] is null)
            {
                _chunks[0] = new Entry[FirstChunkStart];
            }
            else if (index == _chunks[0].Length)
            {
                Array.Resize(ref _chunks[0], _chunks[0].Length * 2);
            }
        }
        else
        {
            _chunks[chunk] ??= new Entry[ChunkSize];
        }
        return index + 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Hash(TKey key)
    {
        var hash = typeof(TKey).IsValueType && _comparer is null
            ? EqualityComparer<TKey>.Default.GetHashCode(key)
            : _comparer!.GetHashCode(key);
        return (uint)hash | 0x8000_0000u;
    }

    /// <summary>The hash modulo the (prime) bucket count, by Lemire's multiply-shift instead of a division.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Bucket(uint hash) =>
        (int)(((((_fastModMultiplier * hash) >> 32) + 1) * (uint)_buckets.Length) >> 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool KeyEquals(TKey stored, TKey key) =>
        typeof(TKey).IsValueType && _comparer is null
            ? EqualityComparer<TKey>.Default.Equals(stored, key)
            : _comparer!.Equals(stored, key);

    private void Resize(int atLeast)
    {
        var size = NextPrime(atLeast);
        _buckets = new int[size];
        _fastModMultiplier = (ulong.MaxValue / (uint)size) + 1;
        for (var index = 0; index < _entriesUsed; index++)
        {
            ref var entry = ref EntryAt(index + 1);
            if (entry.Hash != 0)
            {
                ref var bucket = ref _buckets[Bucket(entry.Hash)];
                entry.Next = bucket;
                bucket = index + 1;
            }
        }
    }

    private static int NextPrime(int atLeast)
    {
        for (var candidate = atLeast | 1; ; candidate += 2)
        {
            var prime = true;
            for (var divisor = 3; (long)divisor * divisor <= candidate; divisor += 2)
            {
                if (candidate % divisor == 0)
                {
                    prime = false;
                    break;
                }
            }
            if (prime)
            {
                return candidate;
            }
        }
    }

    private struct Entry
    {
        public TKey Key;
        public TValue Value;
        public uint Hash;
        public int Next;
    }

    /// <summary>Enumerates keys and references to their states, in entry order.</summary>
    public ref struct Enumerator
    {
        private readonly KeyTable<TKey, TValue> _table;
        private int _number;

        internal Enumerator(KeyTable<TKey, TValue> table)
        {
            _table = table;
            _number = 0;
        }

        public bool MoveNext()
        {
            while (++_number <= _table._entriesUsed)
            {
                if (_table.EntryAt(_number).Hash != 0)
                {
                    return true;
                }
            }
            return false;
        }

        public readonly TKey CurrentKey => _table.EntryAt(_number).Key;

        public readonly ref TValue CurrentValue => ref _table.EntryAt(_number).Value;
    }
}
