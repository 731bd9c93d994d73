namespace ActorCdc.StarRocksDouble.Catalog;

/// <summary>What a statement gives back over the MySQL protocol: OK, a text result set, or an error.</summary>
public sealed record SqlResult(string[]? Columns, List<string?[]>? Rows, int ErrorCode = 0, string SqlState = "", string Message = "")
{
    public static SqlResult Ok { get; } = new(null, null);

    public bool IsError => ErrorCode != 0;

    public static SqlResult Error(string message, int code = 1064, string state = "42000") => new(null, null, code, state, message);

    public static SqlResult Set(string[] columns, List<string?[]> rows) => new(columns, rows);
}
