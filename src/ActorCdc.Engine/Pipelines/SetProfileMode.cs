using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Pipelines;

/// <summary>
/// Sets how a pipeline picks its profile: force backfill or steady, or auto (backfill while tables are copied, then
/// steady). Lasts until the next one or until the pipeline restarts; answered with <see cref="ProfileInForce"/>.
/// </summary>
public sealed record SetProfileMode(ProfileMode Mode) : IEngineMessage;
