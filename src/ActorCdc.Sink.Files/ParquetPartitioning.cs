namespace ActorCdc.Sink.Files;

/// <summary>How files are grouped into <c>dt=YYYY-MM-DD</c> directories (HOCON <c>sink.partition-by</c>).</summary>
public enum ParquetPartitioning
{
    /// <summary>The UTC date of the change's commit when the engine supplies commit times; otherwise as <see cref="ProcessingDate"/>.</summary>
    CommitDate,

    /// <summary>The UTC date at which the change reached the sink.</summary>
    ProcessingDate,

    /// <summary>No <c>dt=</c> directory: files go straight under the table's directory.</summary>
    None,
}
