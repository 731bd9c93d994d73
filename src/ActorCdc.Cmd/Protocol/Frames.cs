using System.Text.Json.Serialization.Metadata;

namespace ActorCdc.Cmd.Protocol;

/// <summary>The source-generated type information of both directions, for <see cref="FrameReader{T}"/> and <see cref="FrameWriter{T}"/>.</summary>
public static class Frames
{
    public static JsonTypeInfo<ClientFrame> Client => ProtocolJsonContext.Default.ClientFrame;

    public static JsonTypeInfo<HostFrame> Host => ProtocolJsonContext.Default.HostFrame;
}
