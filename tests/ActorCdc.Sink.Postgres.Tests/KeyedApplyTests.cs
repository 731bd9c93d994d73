using ActorCdc.Core.Positions;
using ActorCdc.Sink.Postgres.Tests.Support;
using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.Sink.Postgres.Tests;

/// <summary>Net effect of keyed batches, replays and positions, with both batch strategies.</summary>
public class KeyedApplyTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private const string Items = "SELECT * FROM public.items ORDER BY id";

    [Theory]
    [InlineData(PostgresBatchStrategy.Unnest)]
    [InlineData(PostgresBatchStrategy.CopyMerge)]
    [InlineData(PostgresBatchStrategy.MultiRowInsert)]
    public async Task Several_changes_to_the_same_key_in_one_batch_leave_the_last_state(PostgresBatchStrategy strategy)
    {
        await using var h = await SinkHarness.StartAsync(pg.Server, strategy);
        var script = new ChangeScript(TestSchemas.Table("public.items", "id integer key", "name text", "qty integer"));
        var sink = h.SinkFor(script.Schema);
        await SinkHarness.ApplyAsync(sink, script.Insert(4, "four", 4).Insert(5, "five", 5).Commit());

        script.Insert(1, "a", 1).Insert(2, "b", 2).Update(1, "a2", 10).Commit()
            .Delete(2).Insert(3, "c", null).Update(3, "c2", 30).Update(1, "a3", null).Commit()
            .Insert(2, "b again", 22).Delete(4).Update(5, "five!", 55).Delete(5).Insert(5, "five again", 555).Commit();
        await SinkHarness.ApplyAsync(sink, script);

        Assert.Equal(["(1,a3,)", "(2,\"b again\",22)", "(3,c2,30)", "(5,\"five again\",555)"], await h.RowsAsync(Items));
    }

    [Theory]
    [InlineData(PostgresBatchStrategy.Unnest)]
    [InlineData(PostgresBatchStrategy.CopyMerge)]
    [InlineData(PostgresBatchStrategy.MultiRowInsert)]
    public async Task Replaying_a_batch_leaves_the_same_rows_and_position(PostgresBatchStrategy strategy)
    {
        await using var h = await SinkHarness.StartAsync(pg.Server, strategy);
        var script = new ChangeScript(TestSchemas.Table("public.items", "id integer key", "name text"));
        var sink = h.SinkFor(script.Schema);
        Assert.Equal(SourcePosition.Start, await sink.ReadAppliedPositionAsync(CancellationToken.None));

        script.Insert(1, "a").Insert(2, "b").Commit().Update(1, "a2").Delete(2).Insert(3, "c").Commit();
        var upTo = script.Last;
        var batch = script.Take();
        await SinkHarness.ApplyAsync(sink, script.Schema, batch, upTo);
        var rows = await h.RowsAsync(Items);
        await SinkHarness.ApplyAsync(sink, script.Schema, batch, upTo);

        Assert.Equal(["(1,a2)", "(3,c)"], rows);
        Assert.Equal(rows, await h.RowsAsync(Items));
        Assert.Equal(upTo, await sink.ReadAppliedPositionAsync(CancellationToken.None));
        Assert.Equal(["(test,public.items,4352,2)"],
            await h.RowsAsync("SELECT pipeline, source_table, commit_lsn, change_index FROM actorcdc.applied_positions"));
    }

    [Theory]
    [InlineData(PostgresBatchStrategy.Unnest)]
    [InlineData(PostgresBatchStrategy.CopyMerge)]
    [InlineData(PostgresBatchStrategy.MultiRowInsert)]
    public async Task A_batch_partly_below_the_stored_position_applies_only_the_rest(PostgresBatchStrategy strategy)
    {
        await using var h = await SinkHarness.StartAsync(pg.Server, strategy);
        var script = new ChangeScript(TestSchemas.Table("public.items", "id integer key", "name text"));
        var sink = h.SinkFor(script.Schema);
        script.Insert(1, "a").Insert(2, "b").Update(1, "a2");
        var first = script.Take();
        await SinkHarness.ApplyAsync(sink, script.Schema, first.GetRange(0, 2), first[1].Position);
        // Meanwhile the row changed at the sink: a replay of change 0 or 1 would undo it.
        await h.ExecuteAsync("UPDATE public.items SET name = 'sink value' WHERE id = 2");
        script.Commit().Insert(3, "c").Delete(1);
        var rest = script.Take();
        var replay = new List<ActorCdc.Core.Changes.RowChange>(first);
        replay.AddRange(rest);

        await SinkHarness.ApplyAsync(sink, script.Schema, replay, rest[^1].Position);

        Assert.Equal(["(2,\"sink value\")", "(3,c)"], await h.RowsAsync(Items));
        Assert.Equal(rest[^1].Position, await sink.ReadAppliedPositionAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_batch_entirely_at_or_below_the_stored_position_changes_nothing()
    {
        await using var h = await SinkHarness.StartAsync(pg.Server);
        var script = new ChangeScript(TestSchemas.Table("public.items", "id integer key", "name text"));
        var sink = h.SinkFor(script.Schema);
        script.Insert(1, "a").Insert(2, "b").Commit();
        var batch = script.Take();
        await SinkHarness.ApplyAsync(sink, script.Schema, batch, SourcePosition.EndOf(batch[^1].Position.CommitLsn));

        await SinkHarness.ApplyAsync(sink, script.Schema, batch, batch[^1].Position);

        Assert.Equal(["(1,a)", "(2,b)"], await h.RowsAsync(Items));
        Assert.Equal(SourcePosition.EndOf(batch[^1].Position.CommitLsn), await sink.ReadAppliedPositionAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(PostgresBatchStrategy.Unnest)]
    [InlineData(PostgresBatchStrategy.CopyMerge)]
    [InlineData(PostgresBatchStrategy.MultiRowInsert)]
    public async Task Truncate_mid_batch_empties_the_table_and_keeps_what_follows(PostgresBatchStrategy strategy)
    {
        await using var h = await SinkHarness.StartAsync(pg.Server, strategy);
        var script = new ChangeScript(TestSchemas.Table("public.items", "id integer key", "name text"));
        var sink = h.SinkFor(script.Schema);
        await SinkHarness.ApplyAsync(sink, script.Insert(1, "a").Insert(2, "b").Commit());

        script.Insert(10, "x").Update(1, "a2").Commit().Truncate().Commit().Insert(11, "y").Insert(1, "new a").Update(11, "y2").Delete(1).Insert(12, "z").Commit();
        await SinkHarness.ApplyAsync(sink, script);

        Assert.Equal(["(11,y2)", "(12,z)"], await h.RowsAsync(Items));
    }

    [Theory]
    [InlineData(PostgresBatchStrategy.Unnest)]
    [InlineData(PostgresBatchStrategy.CopyMerge)]
    [InlineData(PostgresBatchStrategy.MultiRowInsert)]
    public async Task Key_changing_update_moves_the_row(PostgresBatchStrategy strategy)
    {
        await using var h = await SinkHarness.StartAsync(pg.Server, strategy);
        var script = new ChangeScript(TestSchemas.Table("public.items", "id integer key", "name text"));
        var sink = h.SinkFor(script.Schema);
        await SinkHarness.ApplyAsync(sink, script.Insert(1, "a").Insert(5, "e").Commit());

        // 1 -> 2 of a sink row; 3 -> 4 of a row of this batch; 5 and 6 swap through 7.
        script.UpdateKey([1], 2, "a moved").Insert(3, "c").UpdateKey([3], 4, "c moved").Commit()
            .Insert(6, "f").UpdateKey([5], 7, "e").UpdateKey([6], 5, "f").UpdateKey([7], 6, "e").Commit();
        await SinkHarness.ApplyAsync(sink, script);

        Assert.Equal(["(2,\"a moved\")", "(4,\"c moved\")", "(5,f)", "(6,e)"], await h.RowsAsync(Items));
    }

    [Theory]
    [InlineData(PostgresBatchStrategy.Unnest)]
    [InlineData(PostgresBatchStrategy.CopyMerge)]
    [InlineData(PostgresBatchStrategy.MultiRowInsert)]
    public async Task A_rejected_row_is_a_data_error_and_nothing_of_its_batch_is_applied(PostgresBatchStrategy strategy)
    {
        await using var h = await SinkHarness.StartAsync(pg.Server, strategy);
        await h.ExecuteAsync("CREATE TABLE public.items (id integer PRIMARY KEY, name varchar(3))");
        var script = new ChangeScript(TestSchemas.Table("public.items", "id integer key", "name text"));
        var sink = h.SinkFor(script.Schema);
        var applied = await SinkHarness.ApplyAsync(sink, script.Insert(1, "a").Commit());

        script.Insert(2, "b").Update(1, "far too long").Commit();
        var error = await Assert.ThrowsAsync<ActorCdc.Core.Failures.CdcException>(() => SinkHarness.ApplyAsync(sink, script));

        Assert.Equal(ActorCdc.Core.Failures.FailureKind.Data, error.Kind);
        Assert.Equal(["(1,a)"], await h.RowsAsync(Items));
        Assert.Equal(applied, await sink.ReadAppliedPositionAsync(CancellationToken.None));
        await SinkHarness.ApplyAsync(sink, script.Insert(3, "c").Commit());
        Assert.Equal(["(1,a)", "(3,c)"], await h.RowsAsync(Items));
    }
}
