using ActorCdc.Core.Schema;

namespace ActorCdc.Source.Postgres.Decoding;

/// <summary>
/// The current schema of one relation id, plus the key flags pgoutput sent: those say which columns a key tuple
/// really carries, even when <see cref="TableSchema"/> marks the primary key instead (REPLICA IDENTITY FULL).
/// </summary>
internal sealed record RelationEntry(TableSchema Schema, bool[] WireKey);
