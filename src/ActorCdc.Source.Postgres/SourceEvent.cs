namespace ActorCdc.Source.Postgres;

/// <summary>What <see cref="WalStream.ReadAsync"/> yields, in stream order.</summary>
public abstract record SourceEvent;
