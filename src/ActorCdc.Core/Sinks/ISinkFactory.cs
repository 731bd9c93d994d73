using ActorCdc.Core.Schema;

namespace ActorCdc.Core.Sinks;

/// <summary>Creates the table sinks of one pipeline's sink.</summary>
public interface ISinkFactory
{
    /// <summary>Checks at start that the sink can be reached; throws a <see cref="Failures.CdcException"/> otherwise.</summary>
    Task ValidateAsync(CancellationToken cancellationToken);

    /// <summary>A sink writing changes of <paramref name="source"/> into <paramref name="target"/>.</summary>
    ITableSink CreateTableSink(TableId source, TableId target);
}
