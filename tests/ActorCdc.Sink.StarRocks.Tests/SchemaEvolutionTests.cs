using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using ActorCdc.Sink.StarRocks.Tests.Support;
using Xunit;

namespace ActorCdc.Sink.StarRocks.Tests;

/// <summary>Added, dropped and retyped source columns reach StarRocks per sink.schema-change, waiting for each alter job.</summary>
public class SchemaEvolutionTests
{
    private static readonly TableSchema V1 = TestTable.Create("public.items", "id integer key", "name text", "old text");
    private static readonly TableSchema V2 = TestTable.Create("public.items", "id integer key", "name character varying(10)", "added integer");

    private static async Task<(SrDouble, StarRocksSinkFactory, Core.Sinks.ITableSink, ChangeScript)> StartAsync(string extra = "")
    {
        var sr = await SrDouble.StartAsync();
        var factory = SinkSetup.Factory(sr, extra);
        var sink = factory.CreateTableSink(V1.Table, V1.Table);
        var script = new ChangeScript(V1);
        script.Insert(1, "a", "x").Insert(2, "b", "y").Commit();
        var changes = script.Take();
        await sink.ApplyAsync(V1, changes, changes[^1].Position, CancellationToken.None);
        return (sr, factory, sink, script);
    }

    private static async Task ApplyV2Async(Core.Sinks.ITableSink sink, ChangeScript script)
    {
        script.Evolve(V2).Insert(3, "c", 30).Update(1, "a2", 10).Commit();
        var changes = script.Take();
        await sink.ApplyAsync(V2, changes, changes[^1].Position, CancellationToken.None);
    }

    [Fact]
    public async Task Added_dropped_and_retyped_columns_are_altered_and_each_alter_job_is_awaited_before_loading()
    {
        var (sr, factory, sink, script) = await StartAsync();
        await using var _ = sr;
        await using var __ = factory;
        await using var ___ = sink;
        sr.Execute("ALTER TABLE analytics.items ADD COLUMN `by_user` INT NULL");
        sr.Faults.AlterJobPolls = 3;

        await ApplyV2Async(sink, script);

        var alters = sr.Statements.Where(s => s.StartsWith("ALTER TABLE `analytics`", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, alters.Count);
        Assert.StartsWith("ALTER TABLE `analytics`.`items` ADD COLUMN `added` INT NULL COMMENT \"actorcdc: integer\"", alters[0]);
        Assert.StartsWith("ALTER TABLE `analytics`.`items` DROP COLUMN `old`", alters[1]);
        Assert.StartsWith("ALTER TABLE `analytics`.`items` MODIFY COLUMN `name` VARCHAR(40) NULL", alters[2]);
        // Each job was polled until FINISHED (3 times RUNNING, then FINISHED) before the next statement or the load.
        var jobs = sr.AlterJobs.Where(j => j.Table == "items").OrderBy(j => j.JobId).ToList();
        Assert.All(jobs.Skip(1), j => Assert.Equal("FINISHED", j.State));
        Assert.All(jobs.Skip(1), j => Assert.Equal(4, j.Polls));
        var statements = sr.Statements.ToList();
        for (var i = 0; i < alters.Count; i++)
            Assert.Equal(4, statements.Skip(statements.IndexOf(alters[i]) + 1).TakeWhile(s => !s.StartsWith("ALTER", StringComparison.Ordinal) && !s.StartsWith("SELECT COLUMN", StringComparison.Ordinal))
                .Count(s => s.StartsWith("SHOW ALTER TABLE COLUMN", StringComparison.Ordinal)));

        Assert.Equal(["id", "name", "by_user", "added"], sr.Columns("analytics", "items").Select(c => c.Name));
        Rows.Equal(script.Expected(), sr.Table("analytics", "items"), "id");
        Assert.Null(sr.Table("analytics", "items").Single(r => r["id"] == "2")["added"]);
    }

    [Fact]
    public async Task Ignore_leaves_the_table_alone_and_loads_the_columns_it_has()
    {
        var (sr, factory, sink, script) = await StartAsync("schema-change = ignore");
        await using var _ = sr;
        await using var __ = factory;
        await using var ___ = sink;
        await ApplyV2Async(sink, script);
        Assert.DoesNotContain(sr.Statements, s => s.StartsWith("ALTER", StringComparison.Ordinal));
        Assert.Equal(["id", "name", "old"], sr.Columns("analytics", "items").Select(c => c.Name));
        var rows = sr.Table("analytics", "items");
        Assert.Equal("a2", rows.Single(r => r["id"] == "1")["name"]);
        Assert.Equal("c", rows.Single(r => r["id"] == "3")["name"]);
    }

    [Fact]
    public async Task Fail_stops_with_the_statements_that_would_reconcile_the_tables()
    {
        var (sr, factory, sink, script) = await StartAsync("schema-change = fail");
        await using var _ = sr;
        await using var __ = factory;
        await using var ___ = sink;
        var e = await Assert.ThrowsAsync<CdcException>(() => ApplyV2Async(sink, script));
        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains("ADD COLUMN `added` INT NULL", e.Message);
        Assert.Contains("DROP COLUMN `old`", e.Message);
        Assert.Contains("sink.schema-change = evolve", e.Message);
        Assert.DoesNotContain(sr.Statements, s => s.StartsWith("ALTER", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cancelled_alter_job_is_fatal_with_its_reason()
    {
        var (sr, factory, sink, script) = await StartAsync();
        await using var _ = sr;
        await using var __ = factory;
        await using var ___ = sink;
        sr.Faults.AlterJobPolls = 1;
        sr.Faults.CancelNextAlterJob = "disk full";
        var e = await Assert.ThrowsAsync<CdcException>(() => ApplyV2Async(sink, script));
        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains("disk full", e.Message);
    }

    [Fact]
    public async Task An_existing_table_with_another_key_and_a_source_without_key_are_refused()
    {
        await using var sr = await SrDouble.StartAsync();
        sr.Execute("CREATE TABLE analytics.items (`name` VARCHAR(10) NOT NULL, `id` INT NULL) PRIMARY KEY (`name`) DISTRIBUTED BY HASH (`name`)");
        await using var factory = SinkSetup.Factory(sr);
        await using var sink = factory.CreateTableSink(V1.Table, V1.Table);
        var script = new ChangeScript(V1);
        var changes = script.Insert(1, "a", "x").Take();
        var e = await Assert.ThrowsAsync<CdcException>(() => sink.ApplyAsync(V1, changes, changes[^1].Position, CancellationToken.None));
        Assert.Contains("has primary key (name) but source table public.items has key (id)", e.Message);

        var keyless = TestTable.Create("public.logs", "line text");
        await using var logs = factory.CreateTableSink(keyless.Table, keyless.Table);
        var rows = new ChangeScript(keyless).Insert("x").Take();
        var none = await Assert.ThrowsAsync<CdcException>(() => logs.ApplyAsync(keyless, rows, rows[^1].Position, CancellationToken.None));
        Assert.Contains("ADD PRIMARY KEY", none.Message);
    }
}
