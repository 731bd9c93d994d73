namespace ActorCdc.Cmd.Protocol;

/// <summary>Runs one command; <see cref="Id"/> is chosen by the client, unique on its connection, and names the
/// command's <see cref="Output"/> and <see cref="Done"/> frames.</summary>
public sealed record Execute(long Id, string Palette, string Command, IReadOnlyDictionary<string, string> Arguments, bool Json) : ClientFrame;
