namespace ActorCdc.Cmd.Protocol;

/// <summary>The framing: a 4-byte big-endian payload length, then the payload (one UTF-8 JSON frame).</summary>
public static class FrameFormat
{
    public const int HeaderBytes = 4;

    /// <summary>Largest payload either side accepts; a bigger length is garbage (or an HTTP request) and closes the connection.</summary>
    public const int MaxFrameBytes = 16 * 1024 * 1024;
}
