using System.Text.Json;
using ActorCdc.Core.Positions;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Tables;
using Akka.Actor;
using Xunit;

namespace ActorCdc.Engine.Tests;

/// <summary>
/// delivery.on-data-error: a write the sink refuses is bisected, in order, down to exactly the rejected rows, which are
/// skipped, dead-lettered or (fail) stop the table until the target is fixed; counts reach the reader.
/// </summary>
public sealed class DataErrorPolicyTests : EntityTestKit
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "actorcdc-dlq-" + Guid.NewGuid().ToString("N"));

    public DataErrorPolicyTests() => IgnoreNoMessages();

    private PipelineRegistry Registry(RejectingSinkFactory sink, string policy) => Registry(sink, pipelineKeys: $$"""
        checkpoints.interval = 1h
        delivery { on-data-error = {{policy}}, dead-letter { type = file, path = "{{_dir}}" } }
        """);

    private static RejectingSinkFactory Sink(bool labels = false, params int[] rejected)
    {
        var sink = new RejectingSinkFactory(labels);
        foreach (var id in rejected) sink.Rejected[id.ToString()] = true;
        return sink;
    }

    private static List<int> AppliedIds(RejectingSinkFactory sink) => sink.Applied.Select(c => int.Parse(c.New![0].Text!)).ToList();

    private string DeadLetterFile => Path.Combine(_dir, "p", "public.t.jsonl");

    private TableHealth HealthWhere(Predicate<TableHealth> condition) =>
        FishForMessage<TableHealth>(condition, TimeSpan.FromSeconds(10));

    [Fact]
    public void Skip_isolates_exactly_the_rejected_rows_and_applies_every_other_row_once_in_order()
    {
        var sink = Sink(false, 7, 50, 51, 99);
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink, "skip")));
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 99)));
        var health = HealthWhere(h => h.RowsSkipped == 4);
        Assert.Null(health.Problem);
        Assert.Equal(0, health.RowsDeadLettered);
        AwaitCondition(() => AppliedIds(sink).Count == 96, TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(0, 100).Where(i => i is not (7 or 50 or 51 or 99)).ToList(), AppliedIds(sink));
        Assert.False(File.Exists(DeadLetterFile));
    }

    [Fact]
    public void Dead_letter_stores_each_rejected_row_with_its_position_and_error_and_counts_it()
    {
        var sink = Sink(false, 0, 13, 14);
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink, "dead-letter")));
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 19)));
        HealthWhere(h => h.RowsDeadLettered == 3);
        AwaitCondition(() => AppliedIds(sink).Count == 17, TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(1, 19).Where(i => i is not (13 or 14)).ToList(), AppliedIds(sink));
        var letters = File.ReadAllLines(DeadLetterFile).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["0/64#0", "0/64#13", "0/64#14"], letters.Select(l => l.GetProperty("position").GetString()));
        Assert.Equal(["0", "13", "14"], letters.Select(l => l.GetProperty("key").GetProperty("id").GetString()));
        Assert.Equal("v13", letters[1].GetProperty("values").GetProperty("v").GetString());
        Assert.All(letters, l => Assert.Equal("p", l.GetProperty("pipeline").GetString()));
        Assert.All(letters, l => Assert.Equal("insert", l.GetProperty("operation").GetString()));
        Assert.Contains("violates check constraint", letters[2].GetProperty("error").GetString());
    }

    [Fact]
    public void Fail_stops_at_the_first_rejected_row_names_it_and_goes_on_once_the_target_accepts_it()
    {
        var sink = Sink(false, 30);
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink, "fail")));
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 59)));
        var failing = HealthWhere(h => h.Problem is not null);
        Assert.Contains("row at 0/64#30 rejected: 23514: id 30 violates check constraint", failing.Problem);
        Assert.Contains("fix the target or set delivery.on-data-error = dead-letter | skip", failing.Problem);
        AwaitCondition(() => sink.Writes >= 20, TimeSpan.FromSeconds(10)); // retried a few times
        Assert.DoesNotContain(AppliedIds(sink), id => id >= 30); // nothing after the rejected row is written
        Assert.True(AppliedIds(sink).Count > 0);

        sink.Rejected.Clear(); // the operator fixed the target
        var healed = HealthWhere(h => h.Problem is null);
        Assert.Equal((0L, 0L), (healed.RowsSkipped, healed.RowsDeadLettered));
        AwaitCondition(() => AppliedIds(sink).TakeLast(60).SequenceEqual(Enumerable.Range(0, 60)), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_rejection_replayed_after_a_restart_is_not_dead_lettered_twice()
    {
        var sink = Sink(false, 4, 8);
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink, "dead-letter")));
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 9)));
        HealthWhere(h => h.RowsDeadLettered == 2);
        Stop(entity);

        // The reader reconnected from the slot: the same changes arrive again at a restarted entity.
        var again = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink, "dead-letter")));
        again.Tell(new EntityChanges("p", 2, 1, 7, Batch(100, 0, 9)));
        FishForMessage<BatchDurable>(d => d.Applied == new SourcePosition(new Core.Positions.Lsn(100), 9), TimeSpan.FromSeconds(10));
        Assert.Equal(2, File.ReadAllLines(DeadLetterFile).Length);
    }

    [Fact]
    public void Bisected_writes_of_a_sink_that_labels_writes_never_give_one_label_different_rows()
    {
        var sink = Sink(true, 5, 6, 17);
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink, "skip")));
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 19)));
        HealthWhere(h => h.RowsSkipped == 3);
        Stop(entity);
        // A replay after a restart is bisected the same way.
        var again = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink, "skip")));
        again.Tell(new EntityChanges("p", 2, 1, 7, Batch(100, 0, 19)));
        FishForMessage<BatchDurable>(d => d.Applied == new SourcePosition(new Core.Positions.Lsn(100), 19), TimeSpan.FromSeconds(10));
        Assert.All(sink.RowsByLabel, pair => Assert.Single(pair.Value.Distinct()));
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i is not (5 or 6 or 17)), AppliedIds(sink).Distinct().Order());
    }

    private void Stop(IActorRef entity)
    {
        Watch(entity);
        entity.Tell(PoisonPill.Instance);
        FishForMessage<Terminated>(t => t.ActorRef.Equals(entity), TimeSpan.FromSeconds(10));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
