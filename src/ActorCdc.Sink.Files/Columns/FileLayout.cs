using System.Text.Json;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using Parquet.Schema;

namespace ActorCdc.Sink.Files.Columns;

/// <summary>
/// The shape of the files of one table for one schema version: a mapping per source column, then the metadata columns.
/// A new layout (and so a new file) comes with every schema change and every column falling back to text.
/// </summary>
internal sealed class FileLayout
{
    public FileLayout(string pipeline, TableId source, TableSchema schema, IReadOnlySet<string> textColumns)
    {
        Schema = schema;
        Columns = new ColumnMapping[schema.Columns.Count];
        Names = new string[schema.Columns.Count];
        for (var i = 0; i < Columns.Length; i++)
        {
            var column = schema.Columns[i];
            if (MetadataColumns.IsReserved(column.Name))
                throw CdcException.Fatal($"Column \"{column.Name}\" of {source} has the name of a column the Parquet sink adds to every file; rename it in the source or exclude the table from the pipeline.");
            Columns[i] = ParquetTypeMapping.For(column, textColumns.Contains(TextColumnKey(column)));
            Names[i] = column.Name;
        }
        Metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["actorcdc.pipeline"] = pipeline,
            ["actorcdc.source"] = source.ToString(),
            ["actorcdc.columns"] = DescribeColumns(schema),
        };
    }

    public TableSchema Schema { get; }
    public ColumnMapping[] Columns { get; }
    public string[] Names { get; }

    /// <summary>Key-value metadata of each file's footer: the source table and its PostgreSQL column types and key.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Identifies a column that fell back to text: the same name with the same type keeps falling back.</summary>
    public static string TextColumnKey(ColumnSchema column) => $"{column.Name}\0{column.TypeOid}\0{column.TypeModifier}";

    /// <summary>Creates the buffers of a new file, one per source column, and its Parquet schema (metadata columns last).</summary>
    public (ColumnBuffer[] Buffers, MetadataColumns Metadata, ParquetSchema Schema) CreateFile()
    {
        var buffers = new ColumnBuffer[Columns.Length];
        var fields = new List<Field>(Columns.Length + 4);
        for (var i = 0; i < Columns.Length; i++)
        {
            buffers[i] = ColumnBuffers.Create(Columns[i]);
            fields.Add(buffers[i].Field);
        }
        var metadata = new MetadataColumns();
        fields.AddRange(metadata.Fields);
        return (buffers, metadata, new ParquetSchema(fields));
    }

    private static string DescribeColumns(TableSchema schema)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var c in schema.Columns)
            {
                json.WriteStartObject();
                json.WriteString("name", c.Name);
                json.WriteString("type", c.TypeName);
                json.WriteNumber("oid", c.TypeOid);
                json.WriteBoolean("key", c.IsKey);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
