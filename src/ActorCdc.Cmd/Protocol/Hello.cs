namespace ActorCdc.Cmd.Protocol;

/// <summary>The first frame of a connection: the operator's token (null or empty when none) and the client's version.</summary>
public sealed record Hello(string? Token, string ClientVersion) : ClientFrame
{
    // The token never appears in logs or exception messages.
    public override string ToString() => $"Hello {{ ClientVersion = {ClientVersion} }}";
}
