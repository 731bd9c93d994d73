namespace ActorCdc.Core.Changes;

/// <summary>What a column slot of a captured row holds.</summary>
public enum ValueKind : byte
{
    /// <summary>SQL NULL.</summary>
    Null = 0,
    /// <summary>A value in PostgreSQL's text representation.</summary>
    Text = 1,
    /// <summary>A TOASTed value the update left unchanged: the source did not send it, the sink keeps its value.</summary>
    UnchangedToast = 2,
    /// <summary>The column is not part of this tuple (e.g. non-key columns of a delete's old key).</summary>
    Absent = 3,
}
