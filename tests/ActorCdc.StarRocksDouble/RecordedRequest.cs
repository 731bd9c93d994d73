namespace ActorCdc.StarRocksDouble;

/// <summary>One HTTP request the double answered: which listener, what, for which label, and the answer's status.</summary>
public sealed record RecordedRequest(string Server, string Method, string Path, string? Label, int HttpStatus, string? Status,
    IReadOnlyDictionary<string, string> Headers, bool ContinueSent, int BodyBytes);
