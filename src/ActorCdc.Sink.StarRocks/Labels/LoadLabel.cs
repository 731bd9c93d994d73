using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ActorCdc.Core.Positions;

namespace ActorCdc.Sink.StarRocks.Labels;

/// <summary>
/// Deterministic StarRocks load labels (<c>[-_A-Za-z0-9]{1,128}</c>): the same pipeline, table and positions always
/// give the same label, so a retried or replayed load is refused as already loaded instead of applied twice.
/// </summary>
/// <remarks>
/// Forms, with <c>h</c> = 16 hex digits of SHA-256 over pipeline, source table and target table:
/// <c>{prefix}-{h}-{firstLsn}_{firstIndex}-{lastLsn}_{lastIndex}[-p{c}]</c> for a Stream Load of the rows between two
/// positions (<c>c</c>, 8 hex digits of the partial update's column list, sets apart partial updates that start and end at
/// the same positions as another load),
/// <c>{prefix}-{h}-x{sequence}</c> for the n-th transaction of an exactly-once sink, and
/// <c>{prefix}-{h}-t{lsn}_{index}</c> for the marker of a TRUNCATE. Positions are hexadecimal. The label depends on nothing
/// else: that a batch keeps its boundaries across a crash is the engine's job (it journals them before the write).
/// </remarks>
public static partial class LoadLabel
{
    /// <summary>The hash that stands for one table of one pipeline in its labels.</summary>
    public static string TableHash(string pipeline, string sourceTable, string targetDatabase, string targetTable)
    {
        var text = $"{pipeline}\n{sourceTable}\n{targetDatabase}.{targetTable}";
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..8]);
    }

    /// <summary>The label of a Stream Load holding the rows from <paramref name="first"/> to <paramref name="last"/>.</summary>
    public static string ForRange(string prefix, string tableHash, SourcePosition first, SourcePosition last, string? variant = null) =>
        variant is null
            ? string.Create(CultureInfo.InvariantCulture, $"{prefix}-{tableHash}-{first.CommitLsn.Value:x}_{(ulong)first.Index:x}-{last.CommitLsn.Value:x}_{(ulong)last.Index:x}")
            : string.Create(CultureInfo.InvariantCulture, $"{prefix}-{tableHash}-{first.CommitLsn.Value:x}_{(ulong)first.Index:x}-{last.CommitLsn.Value:x}_{(ulong)last.Index:x}-{variant}");

    /// <summary>The label of an exactly-once sink's transaction number <paramref name="sequence"/>.</summary>
    public static string ForTransaction(string prefix, string tableHash, long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}-{tableHash}-x{sequence}");

    /// <summary>The label of the marker load that records a TRUNCATE at <paramref name="at"/> as done.</summary>
    public static string ForTruncate(string prefix, string tableHash, SourcePosition at) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}-{tableHash}-t{at.CommitLsn.Value:x}_{(ulong)at.Index:x}");

    /// <summary>True when StarRocks accepts <paramref name="label"/> (<c>[-_A-Za-z0-9]{1,128}</c>).</summary>
    public static bool IsValid(string label) => Pattern().IsMatch(label);

    [GeneratedRegex("^[-_A-Za-z0-9]{1,128}$")]
    private static partial Regex Pattern();
}
