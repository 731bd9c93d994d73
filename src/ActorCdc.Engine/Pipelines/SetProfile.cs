using ActorCdc.Engine.Configuration;

namespace ActorCdc.Engine.Pipelines;

/// <summary>Forces a pipeline's profile (an operator's decision; auto switching resumes only after a restart).</summary>
public sealed record SetProfile(Profile Profile);
