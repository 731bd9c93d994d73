namespace ActorCdc.Sink.Files;

/// <summary>
/// What becomes of a value its typed Parquet column cannot hold (HOCON <c>sink.unrepresentable</c>): numeric <c>NaN</c>,
/// dates and timestamps that are <c>infinity</c>, BC or after year 9999.
/// </summary>
public enum ParquetUnrepresentablePolicy
{
    /// <summary>Lossless: the file is rolled and the column is written as PostgreSQL's text from then on.</summary>
    StringColumn,

    /// <summary>The value is written as NULL.</summary>
    Null,

    /// <summary>The batch fails as a data error naming the column and the value.</summary>
    Fail,
}
