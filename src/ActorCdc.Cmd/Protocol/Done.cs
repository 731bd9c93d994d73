namespace ActorCdc.Cmd.Protocol;

/// <summary>Command <see cref="Id"/> ended; no frame of it follows.</summary>
public sealed record Done(long Id, bool Succeeded, string? Message) : HostFrame;
