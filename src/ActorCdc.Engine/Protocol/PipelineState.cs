namespace ActorCdc.Engine.Protocol;

/// <summary>The lifecycle of a pipeline as operators see it.</summary>
public enum PipelineState : byte
{
    Starting = 1,
    Streaming = 2,
    Degraded = 3,
    Failed = 4,
}
