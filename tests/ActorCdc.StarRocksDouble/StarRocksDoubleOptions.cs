namespace ActorCdc.StarRocksDouble;

/// <summary>How a <see cref="StarRocksDouble"/> starts: credentials, the databases it has, limits.</summary>
public sealed class StarRocksDoubleOptions
{
    public string User { get; init; } = "root";
    public string Password { get; init; } = "secret";

    /// <summary>Databases created at start.</summary>
    public IReadOnlyList<string> Databases { get; init; } = ["analytics"];

    /// <summary>What <c>SELECT current_version()</c> answers.</summary>
    public string Version { get; init; } = "3.3.5-double";

    /// <summary>FE <c>max_running_txn_num_per_db</c>: explicit transactions (PREPARE/PREPARED) allowed per database.</summary>
    public int MaxRunningTransactions { get; init; } = 1000;

    /// <summary>BE <c>streaming_load_max_batch_size_mb</c> in bytes: JSON bodies above it need <c>ignore_json_size</c>.</summary>
    public long JsonSizeLimit { get; init; } = 100L * 1024 * 1024;
}
