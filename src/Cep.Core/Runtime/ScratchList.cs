using System.Runtime.CompilerServices;

namespace Cep.Runtime;

/// <summary>
/// The operator's per-event scratch lists of runs and matches: a list that hands out its new slot by reference, so
/// a struct is filled in place (see <see cref="Run{T}.Set"/>), and that clears only the slots it used. A
/// <see cref="List{T}"/> did neither: its Add copies a value built elsewhere, and its Clear of a struct with
/// references goes through the untyped <see cref="Array.Clear(Array, int, int)"/> — ~4 % of W1 engine-only samples
/// for the one or two items such a list holds.
/// </summary>
internal sealed class ScratchList<T>
{
    private T[] _items = new T[4];
    private int _count;

    public int Count => _count;

    /// <summary>The item at <paramref name="index"/> (below <see cref="Count"/>), by reference.</summary>
    public ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)_count)
            {
                ThrowIndex(index);
            }
            return ref _items[index];
        }
    }

    /// <summary>Adds an item and returns it by reference to be filled in: <c>default</c>, valid until the next Add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref T Add()
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }
        return ref _items[_count++];
    }

    public void Add(in T item) => Add() = item;

    /// <summary>The items, valid until the next Add.</summary>
    public ReadOnlySpan<T> AsSpan() => _items.AsSpan(0, _count);

    /// <summary>Empties the list, dropping the references its items held.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Clear()
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            for (var i = 0; i < _count; i++)
            {
                _items[i] = default!;
            }
        }
        _count = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowIndex(int index) => throw new ArgumentOutOfRangeException(nameof(index), index, $"The list holds {_count} items.");
}
