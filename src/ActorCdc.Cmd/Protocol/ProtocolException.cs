namespace ActorCdc.Cmd.Protocol;

/// <summary>The peer sent something that is not a frame of this protocol (garbage, an oversized or truncated frame,
/// a frame out of place). Ends that connection only.</summary>
public sealed class ProtocolException(string message, Exception? inner = null) : Exception(message, inner);
