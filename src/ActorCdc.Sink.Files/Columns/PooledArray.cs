using System.Buffers;
using System.Runtime.CompilerServices;

namespace ActorCdc.Sink.Files.Columns;

/// <summary>Growth and return of arrays rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
internal static class PooledArray
{
    public static T[] Grow<T>(T[] array, int used)
    {
        var bigger = ArrayPool<T>.Shared.Rent(Math.Max(16, array.Length * 2));
        Array.Copy(array, bigger, used);
        Return(array, used);
        return bigger;
    }

    public static void Return<T>(T[] array, int used)
    {
        if (array.Length == 0) return;
        // Arrays holding strings must not keep them alive inside the pool.
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>()) Array.Clear(array, 0, used);
        ArrayPool<T>.Shared.Return(array);
    }
}
