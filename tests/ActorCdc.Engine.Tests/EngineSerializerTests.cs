using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Serialization;
using Akka.Serialization;
using Xunit;

namespace ActorCdc.Engine.Tests;

public class EngineSerializerTests : Akka.TestKit.Xunit2.TestKit
{
    public EngineSerializerTests() : base(EngineConfig.Akka.WithFallback(Akka.Configuration.ConfigurationFactory.ParseString(
        "akka.remote.dot-netty.tcp.port = 0"))) { }

    private static ChangeBatch Batch()
    {
        var schema = new TableSchema(new TableId("public", "t"), 42,
            [new ColumnSchema("id", 20, -1, "bigint", 'b', true), new ColumnSchema("v", 25, -1, "text", 'b', false)], ReplicaIdentity.Default);
        var p = new SourcePosition(new Lsn(0x1_0000_0010), 3);
        return new ChangeBatch(schema, [new RowChange(ChangeKind.Update, p, [ColumnValue.FromText("1"), ColumnValue.UnchangedToast], null)], 100);
    }

    public static TheoryData<IEngineMessage> Messages() => new()
    {
        new BatchPersisted(new TableId("s", "t"), 123, 4, new SourcePosition(new Lsn(77), 2)),
        new BatchDurable(new TableId("s", "t"), new SourcePosition(new Lsn(77), 2)) { PendingSinkRows = 12, PendingSinkBytes = 3400 },
        new SequenceGap(new TableId("s", "t"), 9, 3, 5),
        new WakeTable("shop", new TableId("s", "t")),
        GetPipelineStatus.Instance,
        new PipelineStatus("shop", PipelineState.Failed, "slot gone: recreate it", new Lsn(5), new Lsn(9), 4, 1.5, 100, 2,
            [new TableStatus(new TableId("public", "orders"), 10, 8, 99), new TableStatus(new TableId("public", "items"), 10, 6, 0, 3, 4), new TableStatus(new TableId("public", "lines"), 10, 8, 99, 0, 0, 7, 700)], 4096, 16384, 2.5),
        new TableHealth(new TableId("s", "t"), "row at 0/4D#2 rejected: 23514: check; fix the target", 3, 4),
        new TableHealth(new TableId("s", "t"), null, 0, 0),
    };

    public static TheoryData<IEngineMessage> OperatorMessages() => new()
    {
        ActorCdc.Engine.Pipelines.PausePipeline.Instance,
        ActorCdc.Engine.Pipelines.ResumePipeline.Instance,
        new ActorCdc.Engine.Pipelines.PipelineControlled("shop", false, "pipeline shop is Failed; fix the cause and restart the node"),
        ActorCdc.Engine.Pipelines.GetProfile.Instance,
        new ActorCdc.Engine.Pipelines.SetProfileMode(ActorCdc.Engine.Configuration.ProfileMode.Auto),
        new ActorCdc.Engine.Pipelines.ProfileInForce("shop", ActorCdc.Engine.Configuration.Profile.Steady, ActorCdc.Engine.Configuration.ProfileMode.Steady),
        new TakeCheckpoint("shop", new TableId("public", "orders")),
        new CheckpointTaken(new TableId("public", "orders"), new SourcePosition(new Lsn(0x1_0000_0010), 3), 42, null),
        new CheckpointTaken(new TableId("public", "orders"), SourcePosition.Start, 0, "saving the snapshot failed: disk full"),
        ActorCdc.Engine.Snapshots.GetBackfillProgress.Instance,
        new ActorCdc.Engine.Snapshots.BackfillProgress([
            new ActorCdc.Engine.Snapshots.BackfillTableProgress(new TableId("public", "orders"), ActorCdc.Engine.Snapshots.TableBackfillStatus.Running,
                250, 1000, 1, 4, true, 125.5, TimeSpan.FromSeconds(6.25), null),
            new ActorCdc.Engine.Snapshots.BackfillTableProgress(new TableId("public", "lines"), ActorCdc.Engine.Snapshots.TableBackfillStatus.Done,
                10, 12, 3, 3, false, 0, null, "re-snapshot requested by an operator"),
            new ActorCdc.Engine.Snapshots.BackfillTableProgress(new TableId("audit", "log"), ActorCdc.Engine.Snapshots.TableBackfillStatus.Skipped,
                0, 77, 0, 0, false, 0, null, null),
        ]),
        new ActorCdc.Engine.Snapshots.BackfillProgress([]),
        new ActorCdc.Engine.Snapshots.BackfillTableProgress(new TableId("public", "orders"), ActorCdc.Engine.Snapshots.TableBackfillStatus.Running,
            3_000_000_000, 9_000_000_000, 17, 42, false, 0.5, TimeSpan.FromHours(3.5), "one pass: no key to chunk by"),
        new ActorCdc.Engine.Snapshots.Resnapshot(new TableId("public", "orders")),
        new ActorCdc.Engine.Savepoints.TakeSavepoint(),
        new ActorCdc.Engine.Savepoints.SavepointTaken("shop", "20261124-064700-abc", "s3://bucket/savepoints", 17),
        new ActorCdc.Engine.Savepoints.SavepointFailed("shop", "a savepoint of this pipeline is already being taken; wait for it"),
        new ActorCdc.Engine.Pipelines.SetProfile(ActorCdc.Engine.Configuration.Profile.Backfill),
    };

    [Fact]
    public void A_string_reply_crosses_nodes_through_akkas_primitive_serializer()
    {
        // Resnapshot and SetProfile are answered with a sentence: strict serialization must still find a serializer for it.
        const string reply = "re-snapshot of public.orders started";
        var serializer = Sys.Serialization.FindSerializerFor(reply);
        Assert.IsType<Akka.Remote.Serialization.PrimitiveSerializers>(serializer);
        Assert.Equal(reply, Sys.Serialization.Deserialize(serializer.ToBinary(reply), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, reply)));
    }

    [Theory]
    [MemberData(nameof(OperatorMessages))]
    public void Operator_command_messages_round_trip_through_the_engine_serializer(IEngineMessage message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<EngineSerializer>(serializer);
        var back = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
        Assert.Equal(message, back);
    }

    [Fact]
    public void An_entity_snapshot_keeps_its_rejected_row_counts_and_one_written_before_them_reads_as_zero()
    {
        var snapshot = new TableEntitySnapshot(new SourcePosition(new Lsn(77), 2), 5, null)
        {
            OpenPlans = [(new SourcePosition(new Lsn(70), 0), new SourcePosition(new Lsn(77), 2))],
            RowsSkipped = 3,
            RowsDeadLettered = 11,
            LastRejected = new SourcePosition(new Lsn(76), 9),
        };
        var serializer = Sys.Serialization.FindSerializerFor(snapshot);
        var bytes = serializer.ToBinary(snapshot);
        var back = Assert.IsType<TableEntitySnapshot>(Sys.Serialization.Deserialize(bytes, serializer.Identifier, "es"));
        Assert.Equal((3L, 11L, snapshot.LastRejected), (back.RowsSkipped, back.RowsDeadLettered, back.LastRejected));
        Assert.Equal(snapshot.OpenPlans, back.OpenPlans);

        // A snapshot of the previous format ends after the open plans: the trailers (two zero varints, the start
        // position as 8 fixed bytes and a one-byte varint; then an empty segment list and the journal-gap flag) are missing.
        var current = serializer.ToBinary(new TableEntitySnapshot(new SourcePosition(new Lsn(77), 2), 5, null));
        var old = Assert.IsType<TableEntitySnapshot>(Sys.Serialization.Deserialize(current[..^13], serializer.Identifier, "es"));
        Assert.Equal((0L, 0L, SourcePosition.Start, new SourcePosition(new Lsn(77), 2)), (old.RowsSkipped, old.RowsDeadLettered, old.LastRejected, old.Applied));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Engine_messages_round_trip_through_the_engine_serializer(IEngineMessage message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<EngineSerializer>(serializer);
        var bytes = serializer.ToBinary(message);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
        if (message is PipelineStatus s)
        {
            var b = Assert.IsType<PipelineStatus>(back);
            Assert.Equal(s with { Tables = b.Tables }, b);
            Assert.Equal(s.Tables, b.Tables);
        }
        else
        {
            Assert.Equal(message, back);
        }
    }

    [Fact]
    public void A_snapshot_keeps_its_journal_segments_and_one_written_before_them_reads_with_none()
    {
        var snapshot = new TableEntitySnapshot(new SourcePosition(new Lsn(50), 1), 9, null)
        {
            OpenPlans = [(new SourcePosition(new Lsn(51), 0), new SourcePosition(new Lsn(52), 3))],
            Segments = [new JournalSegmentRef("segments/x/1-4-9.seg", 1, 4, new SourcePosition(new Lsn(60), 2), 40, 4000)],
        };
        var serializer = Sys.Serialization.FindSerializerFor(snapshot);
        var bytes = serializer.ToBinary(snapshot);
        var back = (TableEntitySnapshot)Sys.Serialization.Deserialize(bytes, serializer.Identifier, "es");
        Assert.Equal(snapshot.Segments, back.Segments);
        Assert.Equal(snapshot.OpenPlans, back.OpenPlans);
        Assert.Equal(snapshot.Applied, back.Applied);
        Assert.True(((TableEntitySnapshot)Sys.Serialization.Deserialize(serializer.ToBinary(snapshot with { JournalGap = true }), serializer.Identifier, "es")).JournalGap);

        // The segment list and the journal-gap flag are appended last (count 0 and false: two bytes): without them, the
        // bytes are those of the older format.
        var old = serializer.ToBinary(snapshot with { Segments = [] });
        var older = (TableEntitySnapshot)Sys.Serialization.Deserialize(old[..^2], serializer.Identifier, "es");
        Assert.Empty(older.Segments);
        Assert.Equal(snapshot.OpenPlans, older.OpenPlans);
    }

    [Fact]
    public void Changes_and_journal_events_round_trip_with_their_batch()
    {
        var changes = new EntityChanges("shop", 5, 6, 7, Batch());
        var serializer = Sys.Serialization.FindSerializerFor(changes);
        var back = (EntityChanges)Sys.Serialization.Deserialize(serializer.ToBinary(changes), serializer.Identifier, "ec");
        Assert.Equal(("shop", 5L, 6L, "shop/public.t"), (back.Pipeline, back.Session, back.Seq, back.EntityId));
        Assert.Equal(ValueKind.UnchangedToast, back.Batch.Changes[0].New![1].Kind);
        Assert.Equal(Batch().Last, back.Batch.Last);

        var ev = new TableBatchPersisted(42, Batch());
        var evBack = (TableBatchPersisted)Sys.Serialization.Deserialize(serializer.ToBinary(ev), serializer.Identifier, "tb");
        Assert.Equal("1", evBack.Batch.Changes[0].New![0].Text);
    }

    [Fact]
    public void Backfill_messages_and_state_round_trip()
    {
        var schema = Batch().Schema;
        var rows = new List<ColumnValue[]> { new[] { ColumnValue.FromText("1"), ColumnValue.Null }, new[] { ColumnValue.FromText("2"), ColumnValue.FromText("ž") } };
        var chunkRows = (ChunkRows)RoundTrip(new ChunkRows("shop", 9, 2, 3, schema, rows));
        Assert.Equal((9L, 2, 3, 2), (chunkRows.ChunkId, chunkRows.Attempt, chunkRows.Part, chunkRows.Rows.Count));
        Assert.Equal(rows[1], chunkRows.Rows[1]);
        Assert.Equal(ValueKind.Null, chunkRows.Rows[0][1].Kind);

        var table = new TableId("public", "t");
        Assert.Equal(new EntityWatermark("shop", 1, 2, table, 3, 4, true, new SourcePosition(new Lsn(5), 0)),
            RoundTrip(new EntityWatermark("shop", 1, 2, table, 3, 4, true, new SourcePosition(new Lsn(5), 0))));
        Assert.Equal(new ChunkEnd("shop", table, 3, 1, 7, 7000, "10:20:12,15"), RoundTrip(new ChunkEnd("shop", table, 3, 1, 7, 7000, "10:20:12,15")));
        Assert.Equal(new ChunkOutcome(table, 3, 1, 7000, null), RoundTrip(new ChunkOutcome(table, 3, 1, 7000, null)));
        Assert.Equal(new ChunkOutcome(table, 3, 1, 0, "Truncate: x"), RoundTrip(new ChunkOutcome(table, 3, 1, 0, "Truncate: x")));
        Assert.Equal(new AbandonChunk("shop", table, 3, 1), RoundTrip(new AbandonChunk("shop", table, 3, 1)));
        Assert.Equal(new EndBackfill("shop", table), RoundTrip(new EndBackfill("shop", table)));
        var prepare = (PrepareBackfill)RoundTrip(new PrepareBackfill("shop", schema, new Lsn(0x1_0000_0042)));
        Assert.Equal(("shop", schema.Table, new Lsn(0x1_0000_0042)), (prepare.Pipeline, prepare.Schema.Table, prepare.Fence));
        Assert.Equal(new ChunkRowsReceived(table, 3, 1, 2), RoundTrip(new ChunkRowsReceived(table, 3, 1, 2)));

        var progress = new ActorCdc.Engine.Snapshots.TableBackfillProgress(table)
        {
            Status = ActorCdc.Engine.Snapshots.TableBackfillStatus.Running, Cursor = new ActorCdc.Source.Postgres.Snapshots.KeyValue("a", "17"),
            Planned = false, RowsCopied = 123456, ChunksDone = 9, EstimatedRows = 200000,
        };
        progress.Open.Add(new ActorCdc.Engine.Snapshots.BackfillChunk(10, new ActorCdc.Source.Postgres.Snapshots.ChunkRange(
            new ActorCdc.Source.Postgres.Snapshots.KeyValue("a", "1"), new ActorCdc.Source.Postgres.Snapshots.KeyValue("a", "17")), 3));
        progress.Open.Add(new ActorCdc.Engine.Snapshots.BackfillChunk(11, new ActorCdc.Source.Postgres.Snapshots.ChunkRange(null, null), 1));
        var state = (ActorCdc.Engine.Snapshots.BackfillState)RoundTrip(new ActorCdc.Engine.Snapshots.BackfillState(12, [progress]));
        var t = Assert.Single(state.Tables);
        Assert.Equal((12L, table, progress.Cursor, 123456L, 9L, 200000L), (state.NextChunkId, t.Table, t.Cursor, t.RowsCopied, t.ChunksDone, t.EstimatedRows));
        Assert.Equal(progress.Open, t.Open);
    }

    private object RoundTrip(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<EngineSerializer>(serializer);
        return Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
    }

    [Fact]
    public void Unknown_manifest_fails_loudly()
    {
        var serializer = new EngineSerializer((Akka.Actor.ExtendedActorSystem)Sys);
        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([1], "zz"));
        Assert.Contains("zz", e.Message);
    }
}
