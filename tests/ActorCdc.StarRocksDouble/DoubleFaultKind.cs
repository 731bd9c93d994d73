namespace ActorCdc.StarRocksDouble;

/// <summary>The faults the double can inject (see <see cref="DoubleFaults"/> for what each does).</summary>
public enum DoubleFaultKind
{
    Unauthorized,
    NoContinueHeader,
    RedirectLoop,
    ServerError,
    PublishTimeout,
    FailBeforeApply,
    FailAfterApply,
    LabelAlreadyExistsRunning,
    LabelAlreadyExistsFinished,
    RunningTransactionLimit,
    TransactionInProcessing,
    SlowResponse,
}
