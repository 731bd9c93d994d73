using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.Persistence.RocksDb.Tests.Journal;

/// <summary>
/// The behaviours of Akka's JournalSpec (TCK), re-implemented by name against the RocksDB journal, plus the rules of
/// reference/akka.md §1.3 the TCK leaves implicit. Each test starts from a-1..a-5 written for its own persistence id,
/// the last two as one AtomicWrite.
/// </summary>
public sealed class RocksDbJournalConformanceSpec : RocksDbPluginSpec
{
    private readonly TestProbe _receiver;

    public RocksDbJournalConformanceSpec(ITestOutputHelper output) : base(output)
    {
        _receiver = CreateTestProbe();
        WriteInitialMessages();
    }

    private void WriteInitialMessages()
    {
        var writes = new[]
        {
            new AtomicWrite(Event(1)), new AtomicWrite(Event(2)), new AtomicWrite(Event(3)),
            new AtomicWrite(ImmutableList.Create<IPersistentRepresentation>(Event(4), Event(5))),
        };
        var probe = CreateTestProbe();
        Journal.Tell(new WriteMessages(writes, probe.Ref, ActorInstanceId));
        probe.ExpectMsg<WriteMessagesSuccessful>();
        for (var i = 1; i <= 5; i++)
        {
            var n = i;
            probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.Payload.ToString() == "a-" + n && m.Persistent.SequenceNr == n);
        }
    }

    private Persistent Event(long sequenceNr, object? payload = null, string? pid = null) =>
        new(payload ?? "a-" + sequenceNr, sequenceNr, pid ?? Pid, string.Empty, false, ActorRefs.NoSender, WriterGuid);

    private bool IsReplayed(ReplayedMessage m, long sequenceNr) =>
        !m.Persistent.IsDeleted && m.Persistent.Payload.ToString() == "a-" + sequenceNr &&
        m.Persistent.PersistenceId == Pid && m.Persistent.SequenceNr == sequenceNr;

    private void ExpectReplayed(params long[] sequenceNrs)
    {
        foreach (var n in sequenceNrs) _receiver.ExpectMsg<ReplayedMessage>(m => IsReplayed(m, n));
    }

    private void ExpectRecoverySuccess(long highest) => _receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == highest);

    [Fact]
    public void Journal_should_replay_all_messages()
    {
        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
        ExpectReplayed(1, 2, 3, 4, 5);
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Journal_should_replay_messages_using_a_lower_sequence_number_bound()
    {
        Journal.Tell(new ReplayMessages(3, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
        ExpectReplayed(3, 4, 5);
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Journal_should_replay_messages_using_an_upper_sequence_number_bound()
    {
        Journal.Tell(new ReplayMessages(1, 3, long.MaxValue, Pid, _receiver.Ref));
        ExpectReplayed(1, 2, 3);
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Journal_should_replay_messages_using_a_count_limit()
    {
        Journal.Tell(new ReplayMessages(1, long.MaxValue, 3, Pid, _receiver.Ref));
        ExpectReplayed(1, 2, 3);
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Journal_should_replay_messages_using_lower_and_upper_sequence_number_bound()
    {
        Journal.Tell(new ReplayMessages(2, 3, long.MaxValue, Pid, _receiver.Ref));
        ExpectReplayed(2, 3);
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Journal_should_replay_messages_using_lower_and_upper_sequence_number_bound_and_count_limit()
    {
        Journal.Tell(new ReplayMessages(2, 5, 2, Pid, _receiver.Ref));
        ExpectReplayed(2, 3);
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Journal_should_replay_a_single_if_lower_sequence_number_bound_equals_upper_sequence_number_bound()
    {
        Journal.Tell(new ReplayMessages(2, 2, long.MaxValue, Pid, _receiver.Ref));
        ExpectReplayed(2);
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Journal_should_replay_a_single_message_if_count_limit_is_equal_one()
    {
        Journal.Tell(new ReplayMessages(2, 4, 1, Pid, _receiver.Ref));
        ExpectReplayed(2);
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Journal_should_not_replay_messages_if_count_limit_equals_zero()
    {
        Journal.Tell(new ReplayMessages(2, 4, 0, Pid, _receiver.Ref));
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Journal_should_not_replay_messages_if_lower_sequence_number_bound_is_greater_than_upper_sequence_number_bound()
    {
        Journal.Tell(new ReplayMessages(3, 2, long.MaxValue, Pid, _receiver.Ref));
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Journal_should_not_replay_messages_if_the_persistent_actor_has_not_yet_written_messages()
    {
        Journal.Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, "non-existing-pid", _receiver.Ref));
        ExpectRecoverySuccess(0);
    }

    [Fact]
    public void Journal_should_not_replay_permanently_deleted_messages_on_range_deletion()
    {
        var deleteReceiver = CreateTestProbe();
        var subscriber = CreateTestProbe();
        var command = new DeleteMessagesTo(Pid, 3, deleteReceiver.Ref);
        Subscribe<DeleteMessagesTo>(subscriber.Ref);

        Journal.Tell(command);
        subscriber.ExpectMsg<DeleteMessagesTo>(c => c.PersistenceId == Pid && c.ToSequenceNr == 3);
        deleteReceiver.ExpectMsg<DeleteMessagesSuccess>(m => m.ToSequenceNr == 3);

        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
        ExpectReplayed(4, 5);
        ExpectRecoverySuccess(5);
        deleteReceiver.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Journal_should_not_reset_HighestSequenceNr_after_message_deletion()
    {
        Journal.Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
        ExpectReplayed(1, 2, 3, 4, 5);
        ExpectRecoverySuccess(5);

        Journal.Tell(new DeleteMessagesTo(Pid, 3, _receiver.Ref));
        _receiver.ExpectMsg<DeleteMessagesSuccess>(m => m.ToSequenceNr == 3);

        Journal.Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
        ExpectReplayed(4, 5);
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Journal_should_not_reset_HighestSequenceNr_after_journal_cleanup()
    {
        Journal.Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
        ExpectReplayed(1, 2, 3, 4, 5);
        ExpectRecoverySuccess(5);

        Journal.Tell(new DeleteMessagesTo(Pid, long.MaxValue, _receiver.Ref));
        _receiver.ExpectMsg<DeleteMessagesSuccess>(m => m.ToSequenceNr == long.MaxValue);

        Journal.Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Journal_should_store_events_written_after_a_delete_to_MaxValue()
    {
        Journal.Tell(new DeleteMessagesTo(Pid, long.MaxValue, _receiver.Ref));
        _receiver.ExpectMsg<DeleteMessagesSuccess>();

        var probe = CreateTestProbe();
        Journal.Tell(new WriteMessages(new[] { new AtomicWrite(Event(6)) }, probe.Ref, ActorInstanceId));
        probe.ExpectMsg<WriteMessagesSuccessful>();
        probe.ExpectMsg<WriteMessageSuccess>();

        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
        ExpectReplayed(6);
        ExpectRecoverySuccess(6);
    }

    [Fact]
    public void Journal_should_serialize_events()
    {
        var probe = CreateTestProbe();
        var payload = new TestPayload(probe.Ref);
        var write = new AtomicWrite(new Persistent(payload, 6, Pid, sender: ActorRefs.NoSender, writerGuid: WriterGuid));

        Journal.Tell(new WriteMessages(new[] { write }, probe.Ref, ActorInstanceId));
        probe.ExpectMsg<WriteMessagesSuccessful>();
        probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.WriterGuid == WriterGuid && m.Persistent.SequenceNr == 6);

        Journal.Tell(new ReplayMessages(6, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
        var replayed = _receiver.ExpectMsg<ReplayedMessage>().Persistent;
        Assert.Equal(WriterGuid, replayed.WriterGuid);
        Assert.Equal(Pid, replayed.PersistenceId);
        Assert.Equal(6L, replayed.SequenceNr);
        Assert.True(replayed.Sender is null || replayed.Sender.Equals(ActorRefs.NoSender) || replayed.Sender.Equals(Sys.DeadLetters),
            $"sender should be empty, was {replayed.Sender}");
        var roundTripped = Assert.IsType<TestPayload>(replayed.Payload);
        Assert.Equal(probe.Ref, roundTripped.Ref);
        Assert.Equal(probe.Ref.Path.ToStringWithAddress(), roundTripped.Ref.Path.ToStringWithAddress());
        ExpectRecoverySuccess(6);
    }

    [Fact]
    public void Journal_should_reject_non_serializable_events_and_store_the_others()
    {
        var writes = Enumerable.Range(6, 3).Select(i => new AtomicWrite(
            Event(i, i == 7 ? new UnserializableEvent("seven") : "b-" + i))).ToArray();
        var probe = CreateTestProbe();
        Journal.Tell(new WriteMessages(writes, probe.Ref, ActorInstanceId));

        probe.ExpectMsg<WriteMessagesSuccessful>();
        probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == 6 && m.Persistent.Payload.Equals("b-6"));
        probe.ExpectMsg<WriteMessageRejected>(m => m.Persistent.SequenceNr == 7 && m.Persistent.Payload is UnserializableEvent &&
                                                   m.Cause.Message.Contains("cannot be serialized"));
        probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == 8 && m.Persistent.Payload.Equals("b-8"));

        Journal.Tell(new ReplayMessages(6, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
        _receiver.ExpectMsg<ReplayedMessage>(m => m.Persistent.SequenceNr == 6);
        _receiver.ExpectMsg<ReplayedMessage>(m => m.Persistent.SequenceNr == 8);
        ExpectRecoverySuccess(8);
    }

    [Fact]
    public void Journal_should_reject_a_PersistAll_as_a_whole_when_one_of_its_events_cannot_be_serialized()
    {
        var all = new AtomicWrite(ImmutableList.Create<IPersistentRepresentation>(
            Event(6, "b-6"), Event(7, new UnserializableEvent("seven")), Event(8, "b-8")));
        var other = new AtomicWrite(Event(1, "other-1", Pid + "-other"));
        var probe = CreateTestProbe();
        Journal.Tell(new WriteMessages(new[] { all, other }, probe.Ref, ActorInstanceId));

        probe.ExpectMsg<WriteMessagesSuccessful>();
        probe.ExpectMsg<WriteMessageRejected>(m => m.Persistent.SequenceNr == 6);
        probe.ExpectMsg<WriteMessageRejected>(m => m.Persistent.SequenceNr == 7);
        probe.ExpectMsg<WriteMessageRejected>(m => m.Persistent.SequenceNr == 8);
        probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.PersistenceId == Pid + "-other");

        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
        ExpectReplayed(1, 2, 3, 4, 5);
        ExpectRecoverySuccess(5);
    }

    [Fact]
    public void Journal_should_store_a_PersistAll_atomically()
    {
        var all = new AtomicWrite(Enumerable.Range(6, 50).Select(i => (IPersistentRepresentation)Event(i)).ToImmutableList());
        var probe = CreateTestProbe();
        Journal.Tell(new WriteMessages(new[] { all }, probe.Ref, ActorInstanceId));
        probe.ExpectMsg<WriteMessagesSuccessful>();
        for (var i = 6; i <= 55; i++) probe.ExpectMsg<WriteMessageSuccess>();

        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
        ExpectReplayed(Enumerable.Range(1, 55).Select(i => (long)i).ToArray());
        ExpectRecoverySuccess(55);
    }

    [Fact]
    public void Journal_should_report_a_storage_failure_as_a_write_failure_not_a_rejection()
    {
        var store = RocksDbStore.AcquireOpen(DatabasePath);
        try
        {
            store.JournalWriteFault = () => new IOException("disk on fire");
            var probe = CreateTestProbe();
            Journal.Tell(new WriteMessages(new[] { new AtomicWrite(Event(6)), new AtomicWrite(Event(7)) }, probe.Ref, ActorInstanceId));
            var failed = probe.ExpectMsg<WriteMessagesFailed>();
            Assert.Contains("disk on fire", failed.Cause.ToString());
            probe.ExpectMsg<WriteMessageFailure>(m => m.Persistent.SequenceNr == 6);
            probe.ExpectMsg<WriteMessageFailure>(m => m.Persistent.SequenceNr == 7);
            store.JournalWriteFault = null;

            Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
            ExpectReplayed(1, 2, 3, 4, 5);
            ExpectRecoverySuccess(5);
        }
        finally
        {
            store.JournalWriteFault = null;
            store.Release();
        }
    }

    [Fact]
    public void Journal_should_store_the_inner_payload_of_tagged_events()
    {
        var tagged = new Tagged("a-6", new[] { "orders", "green" });
        var probe = CreateTestProbe();
        Journal.Tell(new WriteMessages(new[] { new AtomicWrite(Event(6, tagged)) }, probe.Ref, ActorInstanceId));
        probe.ExpectMsg<WriteMessagesSuccessful>();
        probe.ExpectMsg<WriteMessageSuccess>();

        Journal.Tell(new ReplayMessages(6, long.MaxValue, long.MaxValue, Pid, _receiver.Ref));
        var replayed = _receiver.ExpectMsg<ReplayedMessage>().Persistent;
        Assert.Equal("a-6", replayed.Payload);
        ExpectRecoverySuccess(6);
    }

    [Fact]
    public void Journal_should_return_the_highest_sequence_number_of_writes_still_in_flight()
    {
        // The writer is held before its next RocksDB write while 200 writes queue up and a replay asks for the highest
        // sequence number: the answer must wait for the queued writes, or a restarting actor would reuse their numbers.
        var pid = Pid + "-inflight";
        var store = RocksDbStore.AcquireOpen(DatabasePath);
        using var gate = new ManualResetEventSlim(false);
        try
        {
            store.JournalWriteFault = () =>
            {
                gate.Wait(TimeSpan.FromSeconds(30));
                return null;
            };
            var probe = CreateTestProbe();
            for (var i = 1; i <= 200; i++)
                Journal.Tell(new WriteMessages(new[] { new AtomicWrite(Event(i, pid: pid)) }, probe.Ref, ActorInstanceId));
            Journal.Tell(new ReplayMessages(201, long.MaxValue, long.MaxValue, pid, _receiver.Ref));

            _receiver.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
            gate.Set();
            ExpectRecoverySuccess(200);
            probe.ReceiveN(400);
        }
        finally
        {
            gate.Set();
            store.JournalWriteFault = null;
            store.Release();
        }
    }

    [Fact]
    public void Journal_should_merge_concurrent_writes_of_many_persistence_ids_into_fewer_batches()
    {
        var store = RocksDbStore.AcquireOpen(DatabasePath);
        try
        {
            var before = store.JournalBatchesWritten;
            var probe = CreateTestProbe();
            const int writers = 100, eventsEach = 20;
            for (var round = 1; round <= eventsEach; round++)
            {
                for (var w = 0; w < writers; w++)
                    Journal.Tell(new WriteMessages(new[] { new AtomicWrite(Event(round, new string('x', 1000), $"{Pid}-w{w}")) }, probe.Ref, ActorInstanceId));
            }
            probe.ReceiveN(writers * eventsEach * 2, TimeSpan.FromSeconds(30));
            var batches = store.JournalBatchesWritten - before;
            Output.WriteLine($"{writers * eventsEach} write calls stored in {batches} RocksDB batches");
            Assert.True(batches < writers * eventsEach / 2, $"expected concurrent writes to share batches, got {batches} batches");

            for (var w = 0; w < writers; w += 33)
            {
                Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, $"{Pid}-w{w}", _receiver.Ref));
                for (var i = 1; i <= eventsEach; i++) _receiver.ExpectMsg<ReplayedMessage>(m => m.Persistent.SequenceNr == i);
                ExpectRecoverySuccess(eventsEach);
            }
        }
        finally
        {
            store.Release();
        }
    }
}
