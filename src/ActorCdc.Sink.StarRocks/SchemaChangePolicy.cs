namespace ActorCdc.Sink.StarRocks;

/// <summary>What the sink does when the source table's columns differ from the StarRocks table (HOCON <c>sink.schema-change</c>).</summary>
public enum SchemaChangePolicy
{
    /// <summary>Adds, drops and retypes StarRocks columns with ALTER TABLE and waits for the alter job.</summary>
    Evolve = 0,

    /// <summary>Leaves the StarRocks table as it is and loads only the columns it has.</summary>
    Ignore = 1,

    /// <summary>Stops the pipeline with the ALTER TABLE statements that would reconcile the tables.</summary>
    Fail = 2,
}
