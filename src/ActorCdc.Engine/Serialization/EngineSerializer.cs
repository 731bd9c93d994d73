using System.Runtime.Serialization;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Serialization;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Snapshots;
using ActorCdc.Source.Postgres.Snapshots;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace ActorCdc.Engine.Serialization;

/// <summary>
/// Binary serializer (id 102) for every engine message and journal event (<see cref="IEngineMessage"/>), written by
/// hand on the Core codec: a version byte, then the fields. Nothing of the engine falls back to JSON.
/// </summary>
public sealed class EngineSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerIdentifier = 102;
    public const byte FormatVersion = 1;

    private const string EntityChangesManifest = "ec";
    private const string BatchPersistedManifest = "bp";
    private const string BatchDurableManifest = "bd";
    private const string SequenceGapManifest = "sg";
    private const string TableBatchPersistedManifest = "tb";
    private const string GetPipelineStatusManifest = "gs";
    private const string PipelineStatusManifest = "ps";
    private const string TableEntitySnapshotManifest = "es";
    private const string EpochStartedManifest = "ep";
    private const string HandOffManifest = "ho";
    private const string EntityWatermarkManifest = "wm";
    private const string ChunkRowsManifest = "cr";
    private const string ChunkRowsReceivedManifest = "ca";
    private const string ChunkEndManifest = "ce";
    private const string AbandonChunkManifest = "ab";
    private const string EndBackfillManifest = "eb";
    private const string ChunkOutcomeManifest = "co";
    private const string PrepareBackfillManifest = "pb";
    private const string BackfillPreparedManifest = "bf";
    private const string BackfillStateManifest = "bs";
    private const string ExportStateManifest = "xs";
    private const string WakeTableManifest = "wk";
    private const string ExportedStateManifest = "xd";
    private const string SinkBatchPlannedManifest = "sp";
    // Operator commands (rare): spelled out, so they never collide with the short manifests of the data path.
    private const string PausePipelineManifest = "pause";
    private const string ResumePipelineManifest = "resume";
    private const string PipelineControlledManifest = "controlled";
    private const string GetProfileManifest = "get-profile";
    private const string SetProfileModeManifest = "set-profile-mode";
    private const string ProfileInForceManifest = "profile";
    private const string TakeCheckpointManifest = "take-checkpoint";
    private const string CheckpointTakenManifest = "checkpoint-taken";
    private const string GetBackfillProgressManifest = "get-backfill-progress";
    private const string BackfillProgressManifest = "backfill-progress";
    private const string BackfillTableProgressManifest = "backfill-table-progress";
    private const string ResnapshotManifest = "resnapshot";
    private const string TakeSavepointManifest = "take-savepoint";
    private const string SavepointTakenManifest = "savepoint-taken";
    private const string SavepointFailedManifest = "savepoint-failed";
    private const string SetProfileManifest = "set-profile";
    private const string TableHealthManifest = "th";

    public override int Identifier => SerializerIdentifier;

    /// <summary>Registers the serializer and binds <see cref="IEngineMessage"/> to it.</summary>
    public static Config Config { get; } = ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.actorcdc-engine = "{{typeof(EngineSerializer).FullName}}, {{typeof(EngineSerializer).Assembly.GetName().Name}}"
          serialization-bindings { "{{typeof(IEngineMessage).FullName}}, {{typeof(IEngineMessage).Assembly.GetName().Name}}" = actorcdc-engine }
          serialization-identifiers { "{{typeof(EngineSerializer).FullName}}, {{typeof(EngineSerializer).Assembly.GetName().Name}}" = {{SerializerIdentifier}} }
        }
        """);

    public override string Manifest(object o) => o switch
    {
        EntityChanges => EntityChangesManifest,
        BatchPersisted => BatchPersistedManifest,
        BatchDurable => BatchDurableManifest,
        SequenceGap => SequenceGapManifest,
        TableBatchPersisted => TableBatchPersistedManifest,
        GetPipelineStatus => GetPipelineStatusManifest,
        PipelineStatus => PipelineStatusManifest,
        TableEntitySnapshot => TableEntitySnapshotManifest,
        TableHealth => TableHealthManifest,
        EpochStarted => EpochStartedManifest,
        HandOff => HandOffManifest,
        EntityWatermark => EntityWatermarkManifest,
        ChunkRows => ChunkRowsManifest,
        ChunkRowsReceived => ChunkRowsReceivedManifest,
        ChunkEnd => ChunkEndManifest,
        AbandonChunk => AbandonChunkManifest,
        EndBackfill => EndBackfillManifest,
        ChunkOutcome => ChunkOutcomeManifest,
        PrepareBackfill => PrepareBackfillManifest,
        BackfillPrepared => BackfillPreparedManifest,
        BackfillState => BackfillStateManifest,
        ExportState => ExportStateManifest,
        WakeTable => WakeTableManifest,
        ExportedState => ExportedStateManifest,
        SinkBatchPlanned => SinkBatchPlannedManifest,
        Pipelines.PausePipeline => PausePipelineManifest,
        Pipelines.ResumePipeline => ResumePipelineManifest,
        Pipelines.PipelineControlled => PipelineControlledManifest,
        Pipelines.GetProfile => GetProfileManifest,
        Pipelines.SetProfileMode => SetProfileModeManifest,
        Pipelines.ProfileInForce => ProfileInForceManifest,
        TakeCheckpoint => TakeCheckpointManifest,
        CheckpointTaken => CheckpointTakenManifest,
        GetBackfillProgress => GetBackfillProgressManifest,
        BackfillProgress => BackfillProgressManifest,
        BackfillTableProgress => BackfillTableProgressManifest,
        Resnapshot => ResnapshotManifest,
        Savepoints.TakeSavepoint => TakeSavepointManifest,
        Savepoints.SavepointTaken => SavepointTakenManifest,
        Savepoints.SavepointFailed => SavepointFailedManifest,
        Pipelines.SetProfile => SetProfileManifest,
        _ => throw new ArgumentException($"{nameof(EngineSerializer)} cannot serialize {o.GetType().FullName}", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        var writer = new CdcBinaryWriter(obj is EntityChanges c ? c.Batch.ApproximateBytes + 128 : obj is TableBatchPersisted t ? t.Batch.ApproximateBytes + 64 : 128);
        try
        {
            writer.WriteByte(FormatVersion);
            switch (obj)
            {
                case EntityChanges m:
                    writer.WriteString(m.Pipeline);
                    writer.WriteVarInt64(m.Session);
                    writer.WriteVarInt64(m.Seq);
                    writer.WriteVarUInt32(m.Xid);
                    ChangeCodec.WriteChangeBatch(ref writer, m.Batch);
                    break;
                case BatchPersisted m:
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    writer.WriteVarInt64(m.Session);
                    writer.WriteVarInt64(m.Seq);
                    ChangeCodec.WriteSourcePosition(ref writer, m.Applied);
                    break;
                case BatchDurable m:
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    ChangeCodec.WriteSourcePosition(ref writer, m.Applied);
                    writer.WriteVarInt64(m.PendingSinkRows);
                    writer.WriteVarInt64(m.PendingSinkBytes);
                    break;
                case TableHealth m:
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    writer.WriteNullableString(m.Problem);
                    writer.WriteVarInt64(m.RowsSkipped);
                    writer.WriteVarInt64(m.RowsDeadLettered);
                    break;
                case SequenceGap m:
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    writer.WriteVarInt64(m.Session);
                    writer.WriteVarInt64(m.Expected);
                    writer.WriteVarInt64(m.Received);
                    break;
                case TableBatchPersisted m:
                    writer.WriteVarInt64(m.Epoch);
                    ChangeCodec.WriteChangeBatch(ref writer, m.Batch);
                    break;
                case TableEntitySnapshot m:
                    WriteEntitySnapshot(ref writer, m);
                    break;
                case SinkBatchPlanned m:
                    writer.WriteVarInt64(m.Epoch);
                    ChangeCodec.WriteSourcePosition(ref writer, m.First);
                    ChangeCodec.WriteSourcePosition(ref writer, m.Last);
                    break;
                case EpochStarted m:
                    writer.WriteVarInt64(m.Epoch);
                    break;
                case HandOff:
                    break;
                case EntityWatermark m:
                    writer.WriteString(m.Pipeline);
                    writer.WriteVarInt64(m.Session);
                    writer.WriteVarInt64(m.Seq);
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    writer.WriteVarInt64(m.ChunkId);
                    writer.WriteVarInt32(m.Attempt);
                    writer.WriteBoolean(m.High);
                    ChangeCodec.WriteSourcePosition(ref writer, m.Position);
                    break;
                case ChunkRows m:
                    writer.WriteString(m.Pipeline);
                    writer.WriteVarInt64(m.ChunkId);
                    writer.WriteVarInt32(m.Attempt);
                    writer.WriteVarInt32(m.Part);
                    ChangeCodec.WriteTableSchema(ref writer, m.Schema);
                    writer.WriteVarUInt32((uint)m.Rows.Count);
                    foreach (var row in m.Rows)
                    {
                        writer.WriteVarUInt32((uint)row.Length);
                        foreach (var v in row) ChangeCodec.WriteColumnValue(ref writer, v);
                    }
                    break;
                case ChunkRowsReceived m:
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    writer.WriteVarInt64(m.ChunkId);
                    writer.WriteVarInt32(m.Attempt);
                    writer.WriteVarInt32(m.Part);
                    break;
                case ChunkEnd m:
                    writer.WriteString(m.Pipeline);
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    writer.WriteVarInt64(m.ChunkId);
                    writer.WriteVarInt32(m.Attempt);
                    writer.WriteVarInt32(m.Parts);
                    writer.WriteVarInt64(m.Rows);
                    writer.WriteString(m.Snapshot);
                    break;
                case EndBackfill m:
                    writer.WriteString(m.Pipeline);
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    break;
                case AbandonChunk m:
                    writer.WriteString(m.Pipeline);
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    writer.WriteVarInt64(m.ChunkId);
                    writer.WriteVarInt32(m.Attempt);
                    break;
                case PrepareBackfill m:
                    writer.WriteString(m.Pipeline);
                    ChangeCodec.WriteTableSchema(ref writer, m.Schema);
                    ChangeCodec.WriteLsn(ref writer, m.Fence);
                    break;
                case BackfillPrepared m:
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    ChangeCodec.WriteSourcePosition(ref writer, m.Applied);
                    break;
                case BackfillState m:
                    WriteBackfillState(ref writer, m);
                    break;
                case ExportState m:
                    writer.WriteString(m.Pipeline);
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    break;
                case WakeTable m:
                    writer.WriteString(m.Pipeline);
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    break;
                case ExportedState m:
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    WriteEntitySnapshot(ref writer, m.Snapshot);
                    break;
                case ChunkOutcome m:
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    writer.WriteVarInt64(m.ChunkId);
                    writer.WriteVarInt32(m.Attempt);
                    writer.WriteVarInt64(m.Rows);
                    writer.WriteNullableString(m.VoidReason);
                    break;
                case GetPipelineStatus:
                    break;
                case PipelineStatus m:
                    WriteStatus(ref writer, m);
                    break;
                case Pipelines.PausePipeline or Pipelines.ResumePipeline or Pipelines.GetProfile:
                    break;
                case Pipelines.PipelineControlled m:
                    writer.WriteString(m.Pipeline);
                    writer.WriteBoolean(m.Succeeded);
                    writer.WriteString(m.Message);
                    break;
                case Pipelines.SetProfileMode m:
                    writer.WriteByte((byte)m.Mode);
                    break;
                case Pipelines.ProfileInForce m:
                    writer.WriteString(m.Pipeline);
                    writer.WriteByte((byte)m.Profile);
                    writer.WriteByte((byte)m.Mode);
                    break;
                case TakeCheckpoint m:
                    writer.WriteString(m.Pipeline);
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    break;
                case CheckpointTaken m:
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    ChangeCodec.WriteSourcePosition(ref writer, m.Applied);
                    writer.WriteVarInt64(m.SequenceNr);
                    writer.WriteNullableString(m.Error);
                    break;
                case GetBackfillProgress or Savepoints.TakeSavepoint:
                    break;
                case BackfillProgress m:
                    writer.WriteVarUInt32((uint)m.Tables.Count);
                    foreach (var table in m.Tables) WriteBackfillTableProgress(ref writer, table);
                    break;
                case BackfillTableProgress m:
                    WriteBackfillTableProgress(ref writer, m);
                    break;
                case Resnapshot m:
                    ChangeCodec.WriteTableId(ref writer, m.Table);
                    break;
                case Savepoints.SavepointTaken m:
                    writer.WriteString(m.Pipeline);
                    writer.WriteString(m.SavepointId);
                    writer.WriteString(m.Location);
                    writer.WriteVarInt32(m.Entities);
                    break;
                case Savepoints.SavepointFailed m:
                    writer.WriteString(m.Pipeline);
                    writer.WriteString(m.Reason);
                    break;
                case Pipelines.SetProfile m:
                    writer.WriteByte((byte)m.Profile);
                    break;
                default:
                    throw new ArgumentException($"{nameof(EngineSerializer)} cannot serialize {obj.GetType().FullName}", nameof(obj));
            }
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var reader = new CdcBinaryReader(bytes);
        if (reader.IsAtEnd) throw new SerializationException($"{nameof(EngineSerializer)}: empty payload for manifest '{manifest}'");
        var version = reader.ReadByte();
        if (version != FormatVersion)
            throw new SerializationException($"{nameof(EngineSerializer)} cannot read format version {version} (manifest '{manifest}'); this node reads {FormatVersion}: upgrade this node");
        object result = manifest switch
        {
            EntityChangesManifest => new EntityChanges(reader.ReadString(), reader.ReadVarInt64(), reader.ReadVarInt64(), reader.ReadVarUInt32(), ChangeCodec.ReadChangeBatch(ref reader)),
            BatchPersistedManifest => new BatchPersisted(ChangeCodec.ReadTableId(ref reader), reader.ReadVarInt64(), reader.ReadVarInt64(), ChangeCodec.ReadSourcePosition(ref reader)),
            BatchDurableManifest => new BatchDurable(ChangeCodec.ReadTableId(ref reader), ChangeCodec.ReadSourcePosition(ref reader))
            {
                PendingSinkRows = reader.ReadVarInt64(),
                PendingSinkBytes = reader.ReadVarInt64(),
            },
            SequenceGapManifest => new SequenceGap(ChangeCodec.ReadTableId(ref reader), reader.ReadVarInt64(), reader.ReadVarInt64(), reader.ReadVarInt64()),
            TableBatchPersistedManifest => new TableBatchPersisted(reader.ReadVarInt64(), ChangeCodec.ReadChangeBatch(ref reader)),
            TableEntitySnapshotManifest => ReadEntitySnapshot(ref reader),
            TableHealthManifest => new TableHealth(ChangeCodec.ReadTableId(ref reader), reader.ReadNullableString(), reader.ReadVarInt64(), reader.ReadVarInt64()),
            SinkBatchPlannedManifest => new SinkBatchPlanned(reader.ReadVarInt64(), ChangeCodec.ReadSourcePosition(ref reader), ChangeCodec.ReadSourcePosition(ref reader)),
            EpochStartedManifest => new EpochStarted(reader.ReadVarInt64()),
            HandOffManifest => HandOff.Instance,
            EntityWatermarkManifest => new EntityWatermark(reader.ReadString(), reader.ReadVarInt64(), reader.ReadVarInt64(), ChangeCodec.ReadTableId(ref reader),
                reader.ReadVarInt64(), reader.ReadVarInt32(), reader.ReadBoolean(), ChangeCodec.ReadSourcePosition(ref reader)),
            ChunkRowsManifest => ReadChunkRows(ref reader),
            ChunkRowsReceivedManifest => new ChunkRowsReceived(ChangeCodec.ReadTableId(ref reader), reader.ReadVarInt64(), reader.ReadVarInt32(), reader.ReadVarInt32()),
            ChunkEndManifest => new ChunkEnd(reader.ReadString(), ChangeCodec.ReadTableId(ref reader), reader.ReadVarInt64(), reader.ReadVarInt32(),
                reader.ReadVarInt32(), reader.ReadVarInt64(), reader.ReadString()),
            EndBackfillManifest => new EndBackfill(reader.ReadString(), ChangeCodec.ReadTableId(ref reader)),
            AbandonChunkManifest => new AbandonChunk(reader.ReadString(), ChangeCodec.ReadTableId(ref reader), reader.ReadVarInt64(), reader.ReadVarInt32()),
            PrepareBackfillManifest => new PrepareBackfill(reader.ReadString(), ChangeCodec.ReadTableSchema(ref reader), ChangeCodec.ReadLsn(ref reader)),
            BackfillPreparedManifest => new BackfillPrepared(ChangeCodec.ReadTableId(ref reader), ChangeCodec.ReadSourcePosition(ref reader)),
            BackfillStateManifest => ReadBackfillState(ref reader),
            ExportStateManifest => new ExportState(reader.ReadString(), ChangeCodec.ReadTableId(ref reader)),
            WakeTableManifest => new WakeTable(reader.ReadString(), ChangeCodec.ReadTableId(ref reader)),
            ExportedStateManifest => new ExportedState(ChangeCodec.ReadTableId(ref reader), ReadEntitySnapshot(ref reader)),
            ChunkOutcomeManifest => new ChunkOutcome(ChangeCodec.ReadTableId(ref reader), reader.ReadVarInt64(), reader.ReadVarInt32(), reader.ReadVarInt64(),
                reader.ReadNullableString()),
            GetPipelineStatusManifest => GetPipelineStatus.Instance,
            PipelineStatusManifest => ReadStatus(ref reader),
            PausePipelineManifest => Pipelines.PausePipeline.Instance,
            ResumePipelineManifest => Pipelines.ResumePipeline.Instance,
            PipelineControlledManifest => new Pipelines.PipelineControlled(reader.ReadString(), reader.ReadBoolean(), reader.ReadString()),
            GetProfileManifest => Pipelines.GetProfile.Instance,
            SetProfileModeManifest => new Pipelines.SetProfileMode((Configuration.ProfileMode)reader.ReadByte()),
            ProfileInForceManifest => new Pipelines.ProfileInForce(reader.ReadString(), (Configuration.Profile)reader.ReadByte(), (Configuration.ProfileMode)reader.ReadByte()),
            TakeCheckpointManifest => new TakeCheckpoint(reader.ReadString(), ChangeCodec.ReadTableId(ref reader)),
            CheckpointTakenManifest => new CheckpointTaken(ChangeCodec.ReadTableId(ref reader), ChangeCodec.ReadSourcePosition(ref reader), reader.ReadVarInt64(),
                reader.ReadNullableString()),
            GetBackfillProgressManifest => GetBackfillProgress.Instance,
            BackfillProgressManifest => ReadBackfillProgress(ref reader),
            BackfillTableProgressManifest => ReadBackfillTableProgress(ref reader),
            ResnapshotManifest => new Resnapshot(ChangeCodec.ReadTableId(ref reader)),
            TakeSavepointManifest => new Savepoints.TakeSavepoint(),
            SavepointTakenManifest => new Savepoints.SavepointTaken(reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadVarInt32()),
            SavepointFailedManifest => new Savepoints.SavepointFailed(reader.ReadString(), reader.ReadString()),
            SetProfileManifest => new Pipelines.SetProfile((Configuration.Profile)reader.ReadByte()),
            _ => throw new SerializationException($"{nameof(EngineSerializer)} does not know manifest '{manifest}'; it was probably written by a newer ActorCdc: upgrade this node"),
        };
        if (!reader.IsAtEnd) throw new SerializationException($"{nameof(EngineSerializer)}: {reader.Remaining} unread byte(s) after '{manifest}'");
        return result;
    }

    private static void WriteEntitySnapshot(ref CdcBinaryWriter w, TableEntitySnapshot m)
    {
        ChangeCodec.WriteSourcePosition(ref w, m.Applied);
        w.WriteVarInt64(m.Epoch);
        w.WriteBoolean(m.SinkToken is not null);
        if (m.SinkToken is not null) w.WriteBytes(m.SinkToken);
        w.WriteVarUInt32((uint)m.OpenPlans.Count);
        foreach (var (first, last) in m.OpenPlans)
        {
            ChangeCodec.WriteSourcePosition(ref w, first);
            ChangeCodec.WriteSourcePosition(ref w, last);
        }
        // Rejected-row counts come last: snapshots written before they existed simply end here.
        w.WriteVarInt64(m.RowsSkipped);
        w.WriteVarInt64(m.RowsDeadLettered);
        ChangeCodec.WriteSourcePosition(ref w, m.LastRejected);
        // Then the checkpointed-delivery trailer: snapshots written before it existed end before it.
        w.WriteVarUInt32((uint)m.Segments.Count);
        foreach (var s in m.Segments)
        {
            w.WriteString(s.Key);
            w.WriteVarInt64(s.FromSeqNr);
            w.WriteVarInt64(s.ToSeqNr);
            ChangeCodec.WriteSourcePosition(ref w, s.Last);
            w.WriteVarInt64(s.Rows);
            w.WriteVarInt64(s.Bytes);
        }
        w.WriteBoolean(m.JournalGap);
    }

    private static TableEntitySnapshot ReadEntitySnapshot(ref CdcBinaryReader r)
    {
        var applied = ChangeCodec.ReadSourcePosition(ref r);
        var epoch = r.ReadVarInt64();
        var token = r.ReadBoolean() ? r.ReadBytes() : null;
        var n = r.ReadCount();
        var plans = new List<(SourcePosition, SourcePosition)>(n);
        for (var i = 0; i < n; i++) plans.Add((ChangeCodec.ReadSourcePosition(ref r), ChangeCodec.ReadSourcePosition(ref r)));
        var snapshot = new TableEntitySnapshot(applied, epoch, token) { OpenPlans = plans };
        if (r.IsAtEnd) return snapshot;
        snapshot = snapshot with { RowsSkipped = r.ReadVarInt64(), RowsDeadLettered = r.ReadVarInt64(), LastRejected = ChangeCodec.ReadSourcePosition(ref r) };
        if (r.IsAtEnd) return snapshot;
        var count = r.ReadCount();
        var segments = new List<JournalSegmentRef>(count);
        for (var i = 0; i < count; i++)
            segments.Add(new JournalSegmentRef(r.ReadString(), r.ReadVarInt64(), r.ReadVarInt64(), ChangeCodec.ReadSourcePosition(ref r), r.ReadVarInt64(),
                r.ReadVarInt64()));
        return snapshot with { Segments = segments, JournalGap = r.ReadBoolean() };
    }

    private static void WriteKey(ref CdcBinaryWriter w, KeyValue? key)
    {
        w.WriteBoolean(key is not null);
        if (key is null) return;
        w.WriteVarUInt32((uint)key.Values.Count);
        foreach (var v in key.Values) w.WriteString(v);
    }

    private static KeyValue? ReadKey(ref CdcBinaryReader r)
    {
        if (!r.ReadBoolean()) return null;
        var values = new string[r.ReadCount()];
        for (var i = 0; i < values.Length; i++) values[i] = r.ReadString();
        return new KeyValue(values);
    }

    private static void WriteBackfillState(ref CdcBinaryWriter w, BackfillState s)
    {
        w.WriteVarInt64(s.NextChunkId);
        w.WriteVarUInt32((uint)s.Tables.Count);
        foreach (var t in s.Tables)
        {
            ChangeCodec.WriteTableId(ref w, t.Table);
            w.WriteByte((byte)t.Status);
            WriteKey(ref w, t.Cursor);
            w.WriteBoolean(t.Planned);
            w.WriteVarInt64(t.RowsCopied);
            w.WriteVarInt64(t.ChunksDone);
            w.WriteVarInt64(t.EstimatedRows);
            w.WriteVarUInt32((uint)t.Open.Count);
            foreach (var c in t.Open)
            {
                w.WriteVarInt64(c.Id);
                w.WriteVarInt32(c.Attempt);
                WriteKey(ref w, c.Range.LowInclusive);
                WriteKey(ref w, c.Range.HighExclusive);
            }
        }
    }

    private static BackfillState ReadBackfillState(ref CdcBinaryReader r)
    {
        var next = r.ReadVarInt64();
        var n = r.ReadCount();
        var tables = new List<TableBackfillProgress>(n);
        for (var i = 0; i < n; i++)
        {
            var t = new TableBackfillProgress(ChangeCodec.ReadTableId(ref r))
            {
                Status = (TableBackfillStatus)r.ReadByte(),
                Cursor = ReadKey(ref r),
                Planned = r.ReadBoolean(),
                RowsCopied = r.ReadVarInt64(),
                ChunksDone = r.ReadVarInt64(),
                EstimatedRows = r.ReadVarInt64(),
            };
            var open = r.ReadCount();
            for (var j = 0; j < open; j++)
            {
                var id = r.ReadVarInt64();
                var attempt = r.ReadVarInt32();
                var low = ReadKey(ref r);
                t.Open.Add(new BackfillChunk(id, new ChunkRange(low, ReadKey(ref r)), attempt));
            }
            tables.Add(t);
        }
        return new BackfillState(next, tables);
    }

    private static ChunkRows ReadChunkRows(ref CdcBinaryReader r)
    {
        var pipeline = r.ReadString();
        var chunk = r.ReadVarInt64();
        var attempt = r.ReadVarInt32();
        var part = r.ReadVarInt32();
        var schema = ChangeCodec.ReadTableSchema(ref r);
        var n = r.ReadCount();
        var rows = new List<ColumnValue[]>(n);
        for (var i = 0; i < n; i++)
        {
            var row = new ColumnValue[r.ReadCount()];
            for (var j = 0; j < row.Length; j++) row[j] = ChangeCodec.ReadColumnValue(ref r);
            rows.Add(row);
        }
        return new ChunkRows(pipeline, chunk, attempt, part, schema, rows);
    }

    private static void WriteBackfillTableProgress(ref CdcBinaryWriter w, BackfillTableProgress p)
    {
        ChangeCodec.WriteTableId(ref w, p.Table);
        w.WriteByte((byte)p.Status);
        w.WriteVarInt64(p.RowsCopied);
        w.WriteVarInt64(p.EstimatedRows);
        w.WriteVarInt64(p.ChunksDone);
        w.WriteVarInt64(p.ChunksTotal);
        w.WriteBoolean(p.ChunksTotalExact);
        w.WriteFixedUInt64((ulong)BitConverter.DoubleToInt64Bits(p.RowsPerSecond));
        w.WriteBoolean(p.EstimatedTimeLeft.HasValue);
        if (p.EstimatedTimeLeft is { } eta) w.WriteVarInt64(eta.Ticks);
        w.WriteNullableString(p.Note);
    }

    private static BackfillTableProgress ReadBackfillTableProgress(ref CdcBinaryReader r)
    {
        var table = ChangeCodec.ReadTableId(ref r);
        var status = (TableBackfillStatus)r.ReadByte();
        var copied = r.ReadVarInt64();
        var estimated = r.ReadVarInt64();
        var done = r.ReadVarInt64();
        var total = r.ReadVarInt64();
        var exact = r.ReadBoolean();
        var rate = BitConverter.Int64BitsToDouble((long)r.ReadFixedUInt64());
        TimeSpan? eta = r.ReadBoolean() ? TimeSpan.FromTicks(r.ReadVarInt64()) : null;
        return new BackfillTableProgress(table, status, copied, estimated, done, total, exact, rate, eta, r.ReadNullableString());
    }

    private static BackfillProgress ReadBackfillProgress(ref CdcBinaryReader r)
    {
        var n = r.ReadCount();
        var tables = new List<BackfillTableProgress>(n);
        for (var i = 0; i < n; i++) tables.Add(ReadBackfillTableProgress(ref r));
        return new BackfillProgress(tables);
    }

    private static void WriteStatus(ref CdcBinaryWriter w, PipelineStatus s)
    {
        w.WriteString(s.Pipeline);
        w.WriteByte((byte)s.State);
        w.WriteNullableString(s.Reason);
        ChangeCodec.WriteLsn(ref w, s.ConfirmedLsn);
        ChangeCodec.WriteLsn(ref w, s.ReceivedLsn);
        w.WriteVarInt64(s.LagBytes);
        w.WriteFixedUInt64((ulong)BitConverter.DoubleToInt64Bits(s.LagSeconds));
        w.WriteVarInt64(s.InFlightBytes);
        w.WriteVarInt64(s.Reconnects);
        w.WriteVarUInt32((uint)s.Tables.Count);
        foreach (var t in s.Tables)
        {
            ChangeCodec.WriteTableId(ref w, t.Table);
            w.WriteVarInt64(t.RowsSent);
            w.WriteVarInt64(t.RowsApplied);
            w.WriteVarInt64(t.InFlightBytes);
            w.WriteVarInt64(t.RowsSkipped);
            w.WriteVarInt64(t.RowsDeadLettered);
            w.WriteVarInt64(t.PendingSinkRows);
            w.WriteVarInt64(t.PendingSinkBytes);
        }
        w.WriteVarInt64(s.PeakInFlightBytes);
        w.WriteVarInt64(s.InFlightBudgetBytes);
        w.WriteFixedUInt64((ulong)BitConverter.DoubleToInt64Bits(s.BackpressureSeconds));
    }

    private static PipelineStatus ReadStatus(ref CdcBinaryReader r)
    {
        var name = r.ReadString();
        var state = (PipelineState)r.ReadByte();
        var reason = r.ReadNullableString();
        var confirmed = ChangeCodec.ReadLsn(ref r);
        var received = ChangeCodec.ReadLsn(ref r);
        var lagBytes = r.ReadVarInt64();
        var lagSeconds = BitConverter.Int64BitsToDouble((long)r.ReadFixedUInt64());
        var inFlight = r.ReadVarInt64();
        var reconnects = r.ReadVarInt64();
        var n = r.ReadCount();
        var tables = new List<TableStatus>(n);
        for (var i = 0; i < n; i++)
        {
            var t = new TableStatus(ChangeCodec.ReadTableId(ref r), r.ReadVarInt64(), r.ReadVarInt64(), r.ReadVarInt64(), r.ReadVarInt64(), r.ReadVarInt64());
            tables.Add(t with { PendingSinkRows = r.ReadVarInt64(), PendingSinkBytes = r.ReadVarInt64() });
        }
        var peak = r.ReadVarInt64();
        var budget = r.ReadVarInt64();
        var backpressure = BitConverter.Int64BitsToDouble((long)r.ReadFixedUInt64());
        return new PipelineStatus(name, state, reason, confirmed, received, lagBytes, lagSeconds, inFlight, reconnects, tables, peak, budget, backpressure);
    }
}
