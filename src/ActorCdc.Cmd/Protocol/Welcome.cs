using ActorCdc.Cmd.Palettes;

namespace ActorCdc.Cmd.Protocol;

/// <summary>The host accepted the client: which node it is and the full definitions of the palettes it serves (the
/// client is programmed by the host, as pbm is).</summary>
public sealed record Welcome(string Node, string HostVersion, IReadOnlyList<CommandPalette> Palettes) : HostFrame;
