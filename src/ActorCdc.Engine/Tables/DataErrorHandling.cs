using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.DeadLetters;

namespace ActorCdc.Engine.Tables;

/// <summary>
/// How a SinkWriter treats rows its sink rejects (<c>delivery.on-data-error</c>): the policy, the table's dead-letter
/// target (under <see cref="DataErrorPolicy.DeadLetter"/>), and the pipeline the dead letters name.
/// </summary>
public sealed record DataErrorHandling(DataErrorPolicy Policy, IDeadLetterTarget? Target, string Pipeline)
{
    /// <summary>Rejected rows stop the table until the operator fixes the target (the default).</summary>
    public static readonly DataErrorHandling Fail = new(DataErrorPolicy.Fail, null, "");
}
