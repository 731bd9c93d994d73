using System.Runtime.CompilerServices;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Source.Postgres.Streaming;

/// <summary>
/// The on-disk tail of one streamed transaction, in a compact binary form: a tag byte, then either a change
/// (schema id, kind, two tuples of kind-tagged length-prefixed UTF-8 strings) or a message. Schemas stay in memory
/// (they are few) and are referenced by index. The file is deleted when disposed, or by the OS if the process dies.
/// </summary>
internal sealed class SpillFile : IDisposable
{
    private const byte ChangeTag = 1;
    private const byte MessageTag = 2;

    private readonly FileStream _file;
    private readonly BinaryWriter _writer;
    private readonly List<TableSchema> _schemas = new();
    private readonly Dictionary<TableSchema, int> _schemaIds = new(ReferenceEqualityComparer.Instance);

    public SpillFile(string path)
    {
        Path = path;
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16,
            FileOptions.DeleteOnClose | FileOptions.SequentialScan);
        _writer = new BinaryWriter(_file, System.Text.Encoding.UTF8, leaveOpen: true);
    }

    public string Path { get; }

    /// <summary>Where the next item goes; an offset to truncate back to.</summary>
    public long Position => _file.Position;

    public void Write(in StreamedItem item)
    {
        if (item.Message is { } m)
        {
            _writer.Write(MessageTag);
            _writer.Write(m.Lsn.Value);
            _writer.Write(m.Prefix);
            _writer.Write7BitEncodedInt(m.Content.Length);
            _writer.Write(m.Content);
            return;
        }
        _writer.Write(ChangeTag);
        _writer.Write7BitEncodedInt(SchemaId(item.Schema!));
        _writer.Write((byte)item.Kind);
        WriteTuple(item.New);
        WriteTuple(item.Old);
    }

    /// <summary>Drops everything written from <paramref name="offset"/> on (a rolled-back subtransaction).</summary>
    public void Truncate(long offset)
    {
        _writer.Flush();
        _file.SetLength(offset);
        _file.Position = offset;
    }

    /// <summary>Reads back the first <paramref name="count"/> items in write order; nothing may be written meanwhile.</summary>
    public IEnumerable<StreamedItem> ReadAll(long count)
    {
        _writer.Flush();
        _file.Position = 0;
        return Read(count);
    }

    private IEnumerable<StreamedItem> Read(long count)
    {
        using var reader = new BinaryReader(_file, System.Text.Encoding.UTF8, leaveOpen: true);
        for (long i = 0; i < count; i++)
        {
            var tag = reader.ReadByte();
            if (tag == MessageTag)
            {
                var lsn = new Lsn(reader.ReadUInt64());
                var prefix = reader.ReadString();
                var content = reader.ReadBytes(reader.Read7BitEncodedInt());
                yield return new StreamedItem(new LogicalMessage(lsn, true, prefix, content));
                continue;
            }
            if (tag != ChangeTag) throw new InvalidDataException($"spill file {Path} is corrupt at offset {_file.Position - 1} (tag {tag}).");
            var schema = _schemas[reader.Read7BitEncodedInt()];
            var kind = (ChangeKind)reader.ReadByte();
            var @new = ReadTuple(reader);
            var old = ReadTuple(reader);
            yield return new StreamedItem(schema, kind, @new, old);
        }
    }

    private int SchemaId(TableSchema schema)
    {
        if (_schemaIds.TryGetValue(schema, out var id)) return id;
        id = _schemas.Count;
        _schemas.Add(schema);
        _schemaIds.Add(schema, id);
        return id;
    }

    private void WriteTuple(ColumnValue[]? values)
    {
        // 0 = no tuple, n + 1 = n columns.
        if (values is null)
        {
            _writer.Write7BitEncodedInt(0);
            return;
        }
        _writer.Write7BitEncodedInt(values.Length + 1);
        foreach (var v in values)
        {
            _writer.Write((byte)v.Kind);
            if (v.Kind == ValueKind.Text) _writer.Write(v.Text!);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ColumnValue[]? ReadTuple(BinaryReader reader)
    {
        var n = reader.Read7BitEncodedInt() - 1;
        if (n < 0) return null;
        var values = new ColumnValue[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = (ValueKind)reader.ReadByte() switch
            {
                ValueKind.Text => ColumnValue.FromText(reader.ReadString()),
                ValueKind.Null => ColumnValue.Null,
                ValueKind.UnchangedToast => ColumnValue.UnchangedToast,
                _ => ColumnValue.Absent,
            };
        }
        return values;
    }

    public void Dispose()
    {
        _writer.Dispose();
        _file.Dispose();
    }
}
