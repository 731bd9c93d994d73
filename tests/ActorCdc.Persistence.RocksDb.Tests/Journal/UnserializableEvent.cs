namespace ActorCdc.Persistence.RocksDb.Tests.Journal;

/// <summary>An event whose bound serializer always fails: the journal must reject it, not fail.</summary>
public sealed record UnserializableEvent(string Name);
