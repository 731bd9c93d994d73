using System.Net;
using ActorCdc.Sink.StarRocks.Json;

namespace ActorCdc.Sink.StarRocks.Http;

/// <summary>
/// An HTTP body over a <see cref="SegmentedBuffer"/> it does not own, with a Content-Length; a fresh instance is made for
/// each hop of a redirected request, all sending the same bytes.
/// </summary>
internal sealed class BufferContent(SegmentedBuffer buffer) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        buffer.CopyToAsync(stream, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        buffer.CopyToAsync(stream, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = buffer.Length;
        return true;
    }
}
