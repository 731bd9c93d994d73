namespace ActorCdc.Core.Failures;

/// <summary>
/// A classified failure whose message is a sentence an operator can act on: what happened and what to do.
/// </summary>
public sealed class CdcException : Exception
{
    public CdcException(FailureKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    public FailureKind Kind { get; }

    public static CdcException Fatal(string message, Exception? inner = null) => new(FailureKind.Fatal, message, inner);
    public static CdcException Transient(string message, Exception? inner = null) => new(FailureKind.Transient, message, inner);
    public static CdcException DataError(string message, Exception? inner = null) => new(FailureKind.Data, message, inner);
}
