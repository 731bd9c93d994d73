using System.Buffers;

namespace ActorCdc.StarRocksDouble.Http;

/// <summary>A request body in a buffer rented from the array pool (tens of MiB per load would otherwise churn the large object heap).</summary>
internal sealed class RequestBody(byte[] buffer, int length) : IDisposable
{
    private byte[]? _buffer = buffer;

    public int Length { get; } = length;

    public ReadOnlyMemory<byte> Memory => (_buffer ?? throw new ObjectDisposedException(nameof(RequestBody))).AsMemory(0, Length);

    public static RequestBody Rent(int length) => new(ArrayPool<byte>.Shared.Rent(Math.Max(length, 1)), length);

    public static RequestBody Copy(byte[] bytes)
    {
        var body = Rent(bytes.Length);
        bytes.CopyTo(body._buffer!, 0);
        return body;
    }

    internal Memory<byte> Writable => _buffer!.AsMemory(0, Length);

    public void Dispose()
    {
        if (_buffer is { } b) ArrayPool<byte>.Shared.Return(b);
        _buffer = null;
    }
}
