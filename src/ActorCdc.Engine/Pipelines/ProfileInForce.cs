using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Pipelines;

/// <summary>The profile a pipeline runs under and how it was chosen (<see cref="Mode"/> auto, or forced).</summary>
public sealed record ProfileInForce(string Pipeline, Profile Profile, ProfileMode Mode) : IEngineMessage;
