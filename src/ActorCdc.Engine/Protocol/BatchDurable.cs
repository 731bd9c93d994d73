using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// TableEntity → WalReader: every change of the table up to <see cref="Applied"/> is durable at the pipeline's ack-on
/// level (committed in the sink, or with ack-on = checkpointed in a completed checkpoint).
/// </summary>
public sealed record BatchDurable(TableId Table, SourcePosition Applied) : IEngineMessage
{
    /// <summary>Rows persisted by the entity and not yet committed in the sink (with ack-on = checkpointed the slot may be past them).</summary>
    public long PendingSinkRows { get; init; }

    /// <summary>Approximate bytes of <see cref="PendingSinkRows"/>.</summary>
    public long PendingSinkBytes { get; init; }
}
