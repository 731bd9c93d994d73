using ActorCdc.Core.Failures;
using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.Source.Postgres.Tests;

/// <summary>The slot's life: heartbeats and confirmation, a slot held by another walsender, resuming after a reconnect.</summary>
public class SlotTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Heartbeat_arrives_as_a_message_and_confirming_it_advances_the_slot()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server, "CREATE TABLE a (id int PRIMARY KEY);", ["a"]);
        var stream = await h.OpenAsync();
        var before = await h.Admin.ReadSlotAsync(h.Deadline);
        Assert.True(before.Exists);

        var written = await h.Admin.EmitHeartbeatAsync(h.Deadline);
        var heartbeat = await h.NextMessageAsync(SourceAdmin.HeartbeatPrefix);

        Assert.False(heartbeat.Transactional);
        Assert.True(heartbeat.Lsn > before.ConfirmedFlushLsn && heartbeat.Lsn <= written, $"heartbeat at {heartbeat.Lsn}, written at {written}");
        Assert.True(DateTime.TryParse(System.Text.Encoding.UTF8.GetString(heartbeat.Content), out _));
        Assert.True(stream.LastReceivedLsn >= heartbeat.Lsn);

        stream.Confirm(heartbeat.Lsn);
        var after = await Eventually.WaitAsync(() => h.Admin.ReadSlotAsync(h.Deadline),
            s => s.ConfirmedFlushLsn >= heartbeat.Lsn, Patience, $"confirmed_flush_lsn to reach {heartbeat.Lsn}");
        Assert.Equal(heartbeat.Lsn, stream.ConfirmedLsn);
        Assert.NotNull(after.ActivePid);
        Assert.True(after.ServerWalLsn >= written);

        // Confirming less than before changes nothing.
        stream.Confirm(before.ConfirmedFlushLsn);
        Assert.Equal(heartbeat.Lsn, stream.ConfirmedLsn);
    }

    [Fact]
    public async Task A_quiet_stream_reports_the_servers_sent_position_and_confirming_it_advances_the_slot_past_the_last_commit()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server, "CREATE TABLE q (id int PRIMARY KEY);", ["q"]);
        var stream = await h.OpenAsync();
        await h.ExecuteAsync("INSERT INTO q VALUES (1);");
        var txn = await h.NextTransactionAsync();
        // Nothing else is written: the next event is the server's keepalive position, at or past the commit's end.
        var caughtUp = Assert.IsType<StreamCaughtUp>(await h.NextAsync());
        Assert.True(caughtUp.Lsn >= txn.Committed.EndLsn, $"caught up at {caughtUp.Lsn}, commit ended at {txn.Committed.EndLsn}");
        stream.Confirm(caughtUp.Lsn);
        await Eventually.WaitAsync(() => h.Admin.ReadSlotAsync(h.Deadline),
            s => s.ConfirmedFlushLsn == caughtUp.Lsn, Patience, $"confirmed_flush_lsn to reach {caughtUp.Lsn}");
    }

    [Fact]
    public void Status_updates_come_at_least_three_times_per_wal_sender_timeout()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), WalStream.StatusIntervalFor(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60)));
        Assert.Equal(TimeSpan.FromSeconds(5), WalStream.StatusIntervalFor(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15)));
        Assert.Equal(TimeSpan.FromSeconds(10), WalStream.StatusIntervalFor(TimeSpan.FromSeconds(10), TimeSpan.Zero)); // timeout off
    }

    [Fact]
    public async Task Opening_a_slot_held_by_another_walsender_fails_transiently_naming_its_pid()
    {
        await using var holder = await SourceHarness.CreateAsync(pg.Server, "CREATE TABLE a (id int PRIMARY KEY);", ["a"]);
        // A second reader that got past the open-time check before the holder started streaming.
        var late = await WalStream.OpenAsync(holder.Settings, holder.Deadline);
        await using var _ = late;
        await holder.OpenAsync();
        await holder.Admin.EmitHeartbeatAsync(holder.Deadline);
        await holder.NextMessageAsync(SourceAdmin.HeartbeatPrefix);
        var slot = await Eventually.WaitAsync(() => holder.Admin.ReadSlotAsync(holder.Deadline), s => s.ActivePid is not null, Patience, "the slot to be active");
        var pid = slot.ActivePid!.Value;

        var atOpen = await Assert.ThrowsAsync<CdcException>(() => WalStream.OpenAsync(holder.Settings, holder.Deadline));
        Assert.Equal(FailureKind.Transient, atOpen.Kind);
        Assert.Contains($"replication slot {holder.Settings.Slot} is active for PID {pid}", atOpen.Message);
        Assert.Equal(pid, WalStream.ActivePidOf(atOpen));

        var atStart = await Assert.ThrowsAsync<CdcException>(async () =>
        {
            await foreach (var e in late.ReadAsync(holder.Deadline)) Assert.Fail($"read {e} from a slot held by PID {pid}");
        });
        Assert.Equal(FailureKind.Transient, atStart.Kind);
        Assert.Contains($"is active for PID {pid}", atStart.Message);
        Assert.Equal(pid, WalStream.ActivePidOf(atStart));
    }

    [Fact]
    public async Task After_a_reconnect_the_stream_resumes_after_the_confirmed_transaction()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server, "CREATE TABLE a (id int PRIMARY KEY);", ["a"]);
        var stream = await h.OpenAsync();
        for (var i = 1; i <= 3; i++) await h.ExecuteAsync($"INSERT INTO a VALUES ({i})");
        var first = await h.NextTransactionAsync();
        var second = await h.NextTransactionAsync();
        var third = await h.NextTransactionAsync();

        stream.Confirm(first.Committed.EndLsn);
        await Eventually.WaitAsync(() => h.Admin.ReadSlotAsync(h.Deadline),
            s => s.ConfirmedFlushLsn >= first.Committed.EndLsn, Patience, "the first transaction to be confirmed");
        await h.ReopenAsync();

        var replayed = await h.NextTransactionAsync();
        Assert.Equal(second.Begun.CommitLsn, replayed.Begun.CommitLsn);
        Assert.Equal(second.Changes.Select(c => c.Change.Position), replayed.Changes.Select(c => c.Change.Position));
        Assert.Equal("2", replayed.Changes.Single().Change.New![0].Text);
        Assert.Equal(third.Begun.CommitLsn, (await h.NextTransactionAsync()).Begun.CommitLsn);

        // New work after the replays follows them.
        await h.ExecuteAsync("INSERT INTO a VALUES (4)");
        var fourth = await h.NextTransactionAsync();
        Assert.True(fourth.Begun.CommitLsn > third.Begun.CommitLsn);
    }
}
