using ActorCdc.Core.Schema;
using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Snapshots;

/// <summary>Copies one table's rows again (on demand), while streaming goes on; answered with a one-line result (a
/// string: Akka binds System.String to its primitive serializer, so the answer crosses nodes).</summary>
public sealed record Resnapshot(TableId Table) : IEngineMessage;
