namespace ActorCdc.Sink.Files.Checkpoints;

/// <summary>A file uploaded under the staging prefix and the key it is published to when its checkpoint completes.</summary>
internal sealed record StagedFile(string StagedKey, string FinalKey, long Rows);
