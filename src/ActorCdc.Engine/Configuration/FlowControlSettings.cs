namespace ActorCdc.Engine.Configuration;

/// <summary>
/// Credit-based flow control (DESIGN.md §5): bytes of changes sent to table entities and not yet applied,
/// per pipeline and per table; and how long a sent batch may wait for its Persisted acknowledgement.
/// </summary>
public sealed record FlowControlSettings(long PipelineBudgetBytes, long TableBudgetBytes, TimeSpan AckTimeout)
{
    internal static FlowControlSettings Parse(ConfigReader c)
    {
        var pipeline = c.Bytes("pipeline-budget", 256L << 20, min: 1 << 16);
        var table = c.Bytes("table-budget", 64L << 20, min: 1 << 16);
        if (table > pipeline) throw new SettingsException(c.Key("table-budget"), table.ToString(), $"at most pipeline-budget ({pipeline} bytes)");
        return new FlowControlSettings(pipeline, table, c.Duration("ack-timeout", TimeSpan.FromSeconds(60), min: TimeSpan.FromSeconds(1)));
    }
}
