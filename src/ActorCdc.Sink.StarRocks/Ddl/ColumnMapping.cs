using ActorCdc.Sink.StarRocks.Json;

namespace ActorCdc.Sink.StarRocks.Ddl;

/// <summary>The StarRocks column type chosen for a source column and how its values are encoded in JSON.</summary>
internal sealed record ColumnMapping(string SqlType, ColumnEncoding Encoding, ColumnEncoding ElementEncoding = ColumnEncoding.String, int MaxIntegerDigits = -1);
