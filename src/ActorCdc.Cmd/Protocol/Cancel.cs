namespace ActorCdc.Cmd.Protocol;

/// <summary>Asks the host to cancel command <see cref="Id"/> (Ctrl+C); the host still ends it with a <see cref="Done"/>.</summary>
public sealed record Cancel(long Id) : ClientFrame;
