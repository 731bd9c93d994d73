using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using ActorCdc.Sink.StarRocks.Labels;
using ActorCdc.Sink.StarRocks.Tests.Support;
using Xunit;

namespace ActorCdc.Sink.StarRocks.Tests;

/// <summary>sink.semantic = exactly-once: Transaction Stream Load prepared at checkpoints, committed after, recovered on restart.</summary>
public class ExactlyOnceTests
{
    private static readonly TableSchema Orders = TestTable.Create("public.orders", "id bigint key", "name text", "big text");
    private static readonly string Hash = LoadLabel.TableHash("shop", "public.orders", "analytics", "orders");

    private static string Tx(long n) => LoadLabel.ForTransaction("test", Hash, n);

    private static StarRocksTransactionalTableSink Sink(StarRocksSinkFactory factory) =>
        (StarRocksTransactionalTableSink)factory.CreateTableSink(Orders.Table, Orders.Table);

    private static async Task<Core.Positions.SourcePosition> ApplyAsync(StarRocksTransactionalTableSink sink, ChangeScript script)
    {
        var changes = script.Take();
        await sink.ApplyAsync(Orders, changes, changes[^1].Position, CancellationToken.None);
        return changes[^1].Position;
    }

    [Fact]
    public async Task Rows_become_visible_only_when_the_prepared_checkpoint_commits_and_commit_is_idempotent()
    {
        await using var sr = await SrDouble.StartAsync();
        await using var factory = SinkSetup.Factory(sr, "semantic = exactly-once");
        await using var sink = Sink(factory);
        await sink.RecoverAsync(null, CancellationToken.None);
        var script = new ChangeScript(Orders);
        script.Insert(1, "a", "x").Insert(2, "b", "y").Commit();
        await ApplyAsync(sink, script);
        script.Update(1, "a2", "x2").Commit();
        var upTo = await ApplyAsync(sink, script);
        Assert.Equal([Tx(0)], sink.OpenTransactions);
        Assert.Empty(sr.Table("analytics", "orders"));

        var token = await sink.PrepareAsync(upTo, CancellationToken.None);
        Assert.Equal("PREPARED", sr.LabelState("analytics", Tx(0)));
        Assert.Empty(sr.Table("analytics", "orders"));
        Assert.Empty(sink.OpenTransactions);

        await sink.CommitAsync(token, CancellationToken.None);
        await sink.CommitAsync(token, CancellationToken.None);
        Assert.Equal("VISIBLE", sr.LabelState("analytics", Tx(0)));
        Rows.Equal(script.Expected(), sr.Table("analytics", "orders"), "id");

        // The next checkpoint's writes go into the next transaction.
        script.Delete(2).Commit();
        await ApplyAsync(sink, script);
        Assert.Equal([Tx(1)], sink.OpenTransactions);
        await sink.CommitAsync(await sink.PrepareAsync(default, CancellationToken.None), CancellationToken.None);
        Rows.Equal(script.Expected(), sr.Table("analytics", "orders"), "id");
        Assert.Empty(sr.Errors);
    }

    [Fact]
    public async Task Partial_updates_open_transactions_of_their_own_committed_in_order()
    {
        await using var sr = await SrDouble.StartAsync();
        await using var factory = SinkSetup.Factory(sr, "semantic = exactly-once");
        await using var sink = Sink(factory);
        await sink.RecoverAsync(null, CancellationToken.None);
        var script = new ChangeScript(Orders);
        script.Insert(1, "a", "big-a").Insert(2, "b", "big-b").Commit();
        await ApplyAsync(sink, script);
        await sink.CommitAsync(await sink.PrepareAsync(default, CancellationToken.None), CancellationToken.None);

        script.Update(1, "a2", ChangeScript.Toast).Commit().Update(1, "a3", "big-a3").Update(2, "b2", ChangeScript.Toast).Commit();
        await ApplyAsync(sink, script);
        Assert.True(sink.OpenTransactions.Count >= 2);
        await sink.CommitAsync(await sink.PrepareAsync(default, CancellationToken.None), CancellationToken.None);
        Rows.Equal(script.Expected(), sr.Table("analytics", "orders"), "id");
    }

    [Fact]
    public async Task Recover_commits_the_last_checkpoint_and_rolls_back_transactions_begun_after_it()
    {
        await using var sr = await SrDouble.StartAsync();
        byte[] token;
        var script = new ChangeScript(Orders);
        await using (var factory = SinkSetup.Factory(sr, "semantic = exactly-once"))
        await using (var sink = Sink(factory))
        {
            await sink.RecoverAsync(null, CancellationToken.None);
            script.Insert(1, "a", "x").Insert(2, "b", "y").Commit();
            await ApplyAsync(sink, script);
            token = await sink.PrepareAsync(default, CancellationToken.None);
            // The checkpoint holding the token completes, then the process dies before CommitAsync; the next checkpoint
            // was prepared but never completed, and a third transaction was still open.
            var lost = new ChangeScript(Orders, 0x9000);
            lost.Insert(3, "lost", "z").Commit();
            await ApplyAsync(sink, lost);
            await sink.PrepareAsync(default, CancellationToken.None);
            lost.Insert(4, "lost", "w").Commit();
            await ApplyAsync(sink, lost);
        }
        Assert.Equal(["PREPARED", "PREPARED", "PREPARE"], new[] { Tx(0), Tx(1), Tx(2) }.Select(l => sr.LabelState("analytics", l)));

        await using (var factory = SinkSetup.Factory(sr, "semantic = exactly-once"))
        await using (var sink = Sink(factory))
        {
            await sink.RecoverAsync(token, CancellationToken.None);
            Assert.Equal(["VISIBLE", "ABORTED", "ABORTED"], new[] { Tx(0), Tx(1), Tx(2) }.Select(l => sr.LabelState("analytics", l)));
            Rows.Equal(script.Expected(), sr.Table("analytics", "orders"), "id");

            // Replay after the checkpoint reuses the aborted labels.
            script.Insert(3, "c", "z").Commit();
            await ApplyAsync(sink, script);
            Assert.Equal([Tx(1)], sink.OpenTransactions);
            await sink.CommitAsync(await sink.PrepareAsync(default, CancellationToken.None), CancellationToken.None);
            Rows.Equal(script.Expected(), sr.Table("analytics", "orders"), "id");
        }
    }

    [Fact]
    public async Task Recover_without_a_checkpoint_rolls_back_everything_lingering_and_keeps_committed_labels()
    {
        await using var sr = await SrDouble.StartAsync();
        sr.Execute("CREATE TABLE analytics.orders (`id` BIGINT NOT NULL, `name` STRING NULL, `big` STRING NULL) PRIMARY KEY (`id`) DISTRIBUTED BY HASH (`id`)");
        using var http = new DoubleHttp(sr);
        await http.TransactionAsync("begin", Tx(0), "orders");
        await http.TransactionAsync("load", Tx(0), "orders", """[{"id":9,"name":"committed"}]""");
        await http.TransactionAsync("commit", Tx(0), "orders");
        await http.TransactionAsync("begin", Tx(1), "orders");
        await http.TransactionAsync("load", Tx(1), "orders", """[{"id":8,"name":"lingering"}]""");
        await http.TransactionAsync("prepare", Tx(1), "orders");

        await using var factory = SinkSetup.Factory(sr, "semantic = exactly-once");
        await using var sink = Sink(factory);
        await sink.RecoverAsync(null, CancellationToken.None);
        Assert.Equal("ABORTED", sr.LabelState("analytics", Tx(1)));
        var script = new ChangeScript(Orders);
        script.Insert(1, "a", "x").Commit();
        await ApplyAsync(sink, script);
        Assert.Equal([Tx(1)], sink.OpenTransactions);
        await sink.CommitAsync(await sink.PrepareAsync(default, CancellationToken.None), CancellationToken.None);
        Assert.Equal(["1", "9"], sr.Table("analytics", "orders").Select(r => r["id"]));
    }

    [Fact]
    public async Task A_transaction_StarRocks_dropped_is_fatal_with_what_to_do()
    {
        await using var sr = await SrDouble.StartAsync();
        await using var factory = SinkSetup.Factory(sr, "semantic = exactly-once");
        await using var sink = Sink(factory);
        await sink.RecoverAsync(null, CancellationToken.None);
        var script = new ChangeScript(Orders);
        script.Insert(1, "a", "x").Commit();
        await ApplyAsync(sink, script);
        using var http = new DoubleHttp(sr);
        await http.TransactionAsync("rollback", Tx(0), "orders");
        script.Insert(2, "b", "y").Commit();
        var e = await Assert.ThrowsAsync<CdcException>(() => ApplyAsync(sink, script));
        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains("Restart the pipeline", e.Message);

        var prepareFails = await Assert.ThrowsAsync<CdcException>(() => sink.CommitAsync(
            new Transactions.CheckpointToken(1, default, [new Transactions.CheckpointStep(Transactions.CheckpointStepKind.Transaction, Tx(0), default)]).ToBytes(),
            CancellationToken.None));
        Assert.Contains("cannot commit transaction", prepareFails.Message);
    }

    [Fact]
    public async Task Transaction_in_processing_is_retried_and_truncation_commits_in_order()
    {
        await using var sr = await SrDouble.StartAsync();
        await using var factory = SinkSetup.Factory(sr, "semantic = exactly-once");
        await using var sink = Sink(factory);
        await sink.RecoverAsync(null, CancellationToken.None);
        sr.Faults.TransactionInProcessing(times: 2);
        var script = new ChangeScript(Orders);
        script.Insert(1, "a", "x").Insert(2, "b", "y").Commit().Truncate().Insert(3, "c", "z").Commit();
        await ApplyAsync(sink, script);
        var token = await sink.PrepareAsync(default, CancellationToken.None);
        await sink.CommitAsync(token, CancellationToken.None);
        await sink.CommitAsync(token, CancellationToken.None);
        Rows.Equal(script.Expected(), sr.Table("analytics", "orders"), "id");
        Assert.Single(sr.Statements, s => s.StartsWith("TRUNCATE", StringComparison.Ordinal));
    }
}
