using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Pipelines;

/// <summary>Forces a pipeline's profile (an operator's decision; auto switching resumes only after a restart); answered with a
/// one-line string, which Akka's primitive serializer carries across nodes.</summary>
public sealed record SetProfile(Profile Profile) : IEngineMessage;
