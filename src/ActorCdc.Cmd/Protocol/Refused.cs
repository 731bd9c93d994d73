namespace ActorCdc.Cmd.Protocol;

/// <summary>The host refused the client (wrong or missing token); the host closes the connection after it.</summary>
public sealed record Refused(string Reason) : HostFrame;
