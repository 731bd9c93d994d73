using ActorCdc.Core.Changes;

namespace ActorCdc.Source.Postgres;

/// <summary>Consecutive changes of one table inside the current transaction, at most <see cref="PostgresSourceSettings.MaxBatchRows"/>.</summary>
public sealed record TableChanges(ChangeBatch Batch) : SourceEvent;
