using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cep.Runtime;

/// <summary>Appends to a list by handing out the new slot, for structs filled in place (see <see cref="Run{T}.Set"/>).</summary>
internal static class Slots
{
    /// <summary>Grows <paramref name="list"/> by one and returns a reference to its new last item, valid until the
    /// list changes again. The slot holds <c>default</c> for a type with references (a list clears what it drops);
    /// the caller sets every field anyway.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T Add<T>(List<T> list)
    {
        var count = list.Count;
        CollectionsMarshal.SetCount(list, count + 1);
        return ref CollectionsMarshal.AsSpan(list)[count];
    }
}
