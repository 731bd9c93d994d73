using System.Globalization;
using System.Text;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Sink.Files.Layout;

/// <summary>
/// Object keys of the sink, relative to the store's root:
/// <c>&lt;schema&gt;.&lt;table&gt;/dt=YYYY-MM-DD/part-&lt;first&gt;-&lt;last&gt;.parquet</c> for published files, where a position
/// is <c>&lt;commit LSN as 16 hex digits&gt;.&lt;index&gt;</c> (so names sort by LSN), and
/// <c>&lt;staging&gt;/&lt;pipeline&gt;/&lt;source schema&gt;.&lt;source table&gt;/...</c> for staged ones.
/// </summary>
internal static class ObjectKeys
{
    /// <summary>The directory of a table: its schema and name, with <c>/</c> and <c>%</c> percent-encoded.</summary>
    public static string TableDirectory(TableId table) => Escape(table.Schema) + "." + Escape(table.Name);

    /// <summary>Where the staged files of one table sink live; a table sink owns everything under it.</summary>
    public static string StagingPrefix(string staging, string pipeline, TableId source) =>
        $"{staging}/{Escape(pipeline)}/{TableDirectory(source)}/";

    public static string PartName(SourcePosition first, SourcePosition last) => $"part-{Position(first)}-{Position(last)}";

    public static string Final(TableId target, string partition, SourcePosition first, SourcePosition last) =>
        partition.Length == 0
            ? $"{TableDirectory(target)}/{PartName(first, last)}.parquet"
            : $"{TableDirectory(target)}/{partition}/{PartName(first, last)}.parquet";

    /// <summary>A staged key carries the sink instance, so a lingering old instance never overwrites a new one's file.</summary>
    public static string Staged(string stagingPrefix, string partition, SourcePosition first, SourcePosition last, string instance) =>
        partition.Length == 0
            ? $"{stagingPrefix}{PartName(first, last)}.{instance}.parquet"
            : $"{stagingPrefix}{partition}/{PartName(first, last)}.{instance}.parquet";

    /// <summary>The <c>dt=YYYY-MM-DD</c> directory of a UTC date.</summary>
    public static string DateDirectory(DateOnly date) => "dt=" + date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Position(SourcePosition p) =>
        p.CommitLsn.Value.ToString("X16", CultureInfo.InvariantCulture) + "." + p.Index.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string name)
    {
        if (name.AsSpan().IndexOfAny('/', '%', '\\') < 0) return name;
        var b = new StringBuilder(name.Length + 8);
        foreach (var ch in name)
        {
            b.Append(ch switch
            {
                '/' => "%2F",
                '%' => "%25",
                '\\' => "%5C",
                _ => ch.ToString(),
            });
        }
        return b.ToString();
    }
}
