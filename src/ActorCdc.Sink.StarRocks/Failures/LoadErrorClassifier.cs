namespace ActorCdc.Sink.StarRocks.Failures;

/// <summary>
/// Classifies StarRocks' failure messages (<c>Status: Fail/FAILED/INTERNAL_ERROR</c>) into a verdict and the advice
/// an operator needs; anything not known to be permanent is retried with the same label.
/// </summary>
internal static class LoadErrorClassifier
{
    private static readonly (string Part, LoadVerdict Verdict, string Advice)[] Known =
    [
        ("too many filtered rows", LoadVerdict.Data,
            "StarRocks rejected rows (error log below); fix the rows or the table's column types, or raise sink.properties.max_filter_ratio to accept losing such rows"),
        ("primary key size exceed the limit", LoadVerdict.Data,
            "a key is longer than StarRocks' 128-byte primary key limit; shorten the key in the source table"),
        ("Only primary key table support partial update", LoadVerdict.Fatal,
            "the StarRocks table is not a Primary Key table; recreate it as one (or drop it and let the sink create it)"),
        ("Access denied", LoadVerdict.Fatal,
            "grant INSERT on the table to sink.username, or use another user"),
        ("There is no 100-continue header", LoadVerdict.Fatal,
            "something between actorcdc and StarRocks removes the Expect: 100-continue header; point sink.load-url at the FE directly"),
        ("current running txns on db", LoadVerdict.RetryLater,
            "StarRocks caps running loads per database (FE max_running_txn_num_per_db); raise it, load fewer tables at once, or roll back lingering PREPARED transactions; the write is retried later"),
        ("exceed the max size", LoadVerdict.Fatal,
            "the load is larger than the BE accepts; lower sink.max-batch-bytes below the BE's streaming_load_max_batch_size_mb"),
        ("body size", LoadVerdict.Fatal,
            "the load is larger than the BE accepts; lower sink.max-batch-bytes below the BE's streaming_load_max_mb"),
        ("No database selected", LoadVerdict.Fatal,
            "the database does not exist; create it or fix sink.database / the route"),
        ("Unknown database", LoadVerdict.Fatal,
            "the database does not exist; create it or fix sink.database / the route"),
        ("No table selected", LoadVerdict.RetryLater,
            "the table is missing; the sink creates it again on the next write"),
        ("Unknown table", LoadVerdict.RetryLater,
            "the table is missing; the sink creates it again on the next write"),
        ("does not exist", LoadVerdict.RetryLater,
            "the table is missing; the sink creates it again on the next write"),
        ("all partitions have no load data", LoadVerdict.Data,
            "every row of the load was filtered out; check the error log and the table's column types"),
        ("too many versions", LoadVerdict.Retry,
            "compaction lags behind the loads; raise sink.min-load-interval or sink.max-batch-bytes so that fewer, bigger loads arrive"),
    ];

    public static (LoadVerdict Verdict, string Advice) Classify(string? message)
    {
        if (message is not null)
            foreach (var (part, verdict, advice) in Known)
                if (message.Contains(part, StringComparison.OrdinalIgnoreCase)) return (verdict, advice);
        return (LoadVerdict.Retry, "StarRocks may recover by itself; the load is retried with the same label");
    }

    /// <summary>True when the table may have been dropped under the sink, so its description must be read again.</summary>
    public static bool MeansTableMissing(string? message) =>
        message is not null && (message.Contains("No table selected", StringComparison.OrdinalIgnoreCase)
                                || message.Contains("Unknown table", StringComparison.OrdinalIgnoreCase)
                                || message.Contains("does not exist", StringComparison.OrdinalIgnoreCase));
}
