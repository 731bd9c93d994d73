namespace ActorCdc.StarRocksDouble.Catalog;

/// <summary>
/// An asynchronous schema change, as <c>SHOW ALTER TABLE COLUMN</c> lists it: RUNNING until it has been polled the
/// configured number of times, then applied and FINISHED (or CANCELLED when a fault says so).
/// </summary>
public sealed class AlterJob(long jobId, string database, string table, Action apply, int pollsLeft, string? cancelWith)
{
    public long JobId { get; } = jobId;
    public string Database { get; } = database;
    public string Table { get; } = table;
    public string State { get; private set; } = "RUNNING";
    public string Msg { get; private set; } = "";
    public DateTime CreateTime { get; } = DateTime.UtcNow;
    public DateTime? FinishTime { get; private set; }
    public int Polls { get; private set; }

    /// <summary>Moves the job on by one observation; applies the change when it finishes.</summary>
    public void Observe()
    {
        Polls++;
        if (State != "RUNNING") return;
        if (pollsLeft-- > 0) return;
        Complete();
    }

    public void Complete()
    {
        if (State != "RUNNING") return;
        if (cancelWith is not null)
        {
            State = "CANCELLED";
            Msg = cancelWith;
        }
        else
        {
            apply();
            State = "FINISHED";
        }
        FinishTime = DateTime.UtcNow;
    }
}
