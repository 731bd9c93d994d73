using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>TableEntity → ChunkReader: a part of the chunk's rows arrived; the reader sends the next (flow control).</summary>
public sealed record ChunkRowsReceived(TableId Table, long ChunkId, int Attempt, int Part) : IEngineMessage;
