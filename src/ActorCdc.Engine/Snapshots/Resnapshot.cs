using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Snapshots;

/// <summary>Copies one table's rows again (on demand), while streaming goes on; answered with a one-line result.</summary>
public sealed record Resnapshot(TableId Table);
