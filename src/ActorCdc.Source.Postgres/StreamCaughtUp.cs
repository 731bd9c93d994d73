using ActorCdc.Core.Positions;

namespace ActorCdc.Source.Postgres;

/// <summary>
/// The stream went quiet and the server reported (in a keepalive) that it has decoded and sent everything up to
/// <see cref="Lsn"/>: every transaction committed before it has already been yielded. A consumer with nothing in flight
/// may confirm it, as for a heartbeat; a walsender finishing a shutdown waits for exactly that.
/// </summary>
public sealed record StreamCaughtUp(Lsn Lsn) : SourceEvent;
