namespace ActorCdc.Cmd.Protocol;

/// <summary>A chunk of command <see cref="Id"/>'s output, sent as the handler writes it.</summary>
public sealed record Output(long Id, string Text) : HostFrame;
