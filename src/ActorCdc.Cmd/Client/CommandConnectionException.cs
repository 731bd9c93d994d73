namespace ActorCdc.Cmd.Client;

/// <summary>
/// The client cannot talk to a node: not reachable, not a command host, the token refused, or the connection lost.
/// The message is one line for the operator that names the address and what to check (client exit 2).
/// </summary>
public sealed class CommandConnectionException(string message, Exception? inner = null) : Exception(message, inner);
