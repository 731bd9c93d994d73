using System.Buffers.Binary;
using Akka.Actor;
using Akka.Persistence;
using ActorCdc.Core.Failures;
using ActorCdc.Persistence.RocksDb.Settings;
using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.Persistence.RocksDb.Tests.Journal;

/// <summary>What the TCK does not check: state surviving a restart of the database, and loud failures on unreadable data.</summary>
public sealed class RocksDbJournalDurabilitySpec(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = RocksDbPluginSpec.NewDirectory();
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(10);

    public void Dispose() => RocksDbPluginSpec.DeleteDirectory(_directory);

    [Fact]
    public async Task Events_and_snapshots_survive_closing_and_reopening_the_database()
    {
        using (var first = ActorSystem.Create("first", RocksDbPluginSpec.SpecConfig(_directory)))
        {
            var actor = first.ActorOf(RecordingActor.Props("orders"));
            foreach (var item in new[] { "a", "b", "c" }) await actor.Ask<RecordingActor.Added>(new RecordingActor.Add(item), _timeout);
            await actor.Ask<RecordingActor.SnapshotTaken>(new RecordingActor.TakeSnapshot(), _timeout);
            foreach (var item in new[] { "d", "e" }) await actor.Ask<RecordingActor.Added>(new RecordingActor.Add(item), _timeout);
            await first.Terminate();
        }
        Assert.False(RocksDbStore.IsOpen(_directory), "the database should be closed once its actor system terminated");

        using var second = ActorSystem.Create("second", RocksDbPluginSpec.SpecConfig(_directory));
        var recovered = second.ActorOf(RecordingActor.Props("orders"));
        var state = await recovered.Ask<RecordingActor.State>(new RecordingActor.GetState(), _timeout);
        Assert.Equal(new[] { "a", "b", "c", "d", "e" }, state.Items);
        Assert.Equal(5, state.LastSequenceNr);
        output.WriteLine($"recovered {string.Join(",", state.Items)} at sequence number {state.LastSequenceNr}");
        await second.Terminate();
    }

    [Theory]
    [InlineData("every-batch")]
    [InlineData("interval")]
    [InlineData("off")]
    public async Task Every_sync_policy_stores_what_it_acknowledged(string sync)
    {
        var config = RocksDbPluginSpec.SpecConfig(_directory, $"akka.persistence.journal.rocksdb {{ sync = {sync}, sync-interval = 20ms }}");
        using (var first = ActorSystem.Create("first", config))
        {
            var actors = Enumerable.Range(0, 10).Select(i => first.ActorOf(RecordingActor.Props($"entity-{i}"))).ToArray();
            await Task.WhenAll(actors.SelectMany(a => new[] { "x", "y", "z" }.Select(item => a.Ask<RecordingActor.Added>(new RecordingActor.Add(item), _timeout))));
            await first.Terminate();
        }
        using var second = ActorSystem.Create("second", config);
        for (var i = 0; i < 10; i++)
        {
            var state = await second.ActorOf(RecordingActor.Props($"entity-{i}")).Ask<RecordingActor.State>(new RecordingActor.GetState(), _timeout);
            Assert.Equal(3, state.LastSequenceNr);
            Assert.Equal(3, state.Items.Length);
        }
        await second.Terminate();
    }

    [Fact]
    public async Task Replay_of_an_event_whose_serializer_is_not_registered_fails_loudly()
    {
        using (var first = ActorSystem.Create("first", RocksDbPluginSpec.SpecConfig(_directory)))
        {
            await WriteAsync(first, "p-1", new TestPayload(first.DeadLetters));
            await first.Terminate();
        }

        // Same database, but this system lacks the serializer (id 666) the event was written with.
        using var second = ActorSystem.Create("second", RocksDbPluginSpec.SpecConfig(_directory, """
            akka.actor.serializers.rocksdb-test = "Akka.Serialization.ByteArraySerializer, Akka"
            """));
        var failure = await ReplayFailureAsync(second, "p-1");
        Assert.Contains("Event 1 of 'p-1'", failure.Cause.Message);
        Assert.Contains("serializer 666", failure.Cause.Message);
        await second.Terminate();
    }

    [Fact]
    public async Task Replay_of_an_event_with_an_unknown_manifest_fails_loudly()
    {
        using var system = ActorSystem.Create("sys", RocksDbPluginSpec.SpecConfig(_directory));
        await WriteAsync(system, "p-1", "placeholder");
        // Rewrite the stored event as a record of the TestPayload serializer with a manifest it does not know.
        OverwriteEvent("p-1", 1, EventRecord(serializerId: 666, manifest: "Z", payload: "x"u8.ToArray()));

        var failure = await ReplayFailureAsync(system, "p-1");
        Assert.Contains("manifest 'Z'", failure.Cause.Message);
        Assert.Contains("Unknown manifest [Z]", failure.Cause.Message);
        await system.Terminate();
    }

    [Fact]
    public async Task Replay_of_a_corrupt_record_fails_loudly()
    {
        using var system = ActorSystem.Create("sys", RocksDbPluginSpec.SpecConfig(_directory));
        await WriteAsync(system, "p-1", "placeholder");
        OverwriteEvent("p-1", 1, [0x7F, 1, 2, 3]);

        var failure = await ReplayFailureAsync(system, "p-1");
        Assert.Contains("Event 1 of 'p-1'", failure.Cause.Message);
        Assert.Contains("record version 127", failure.Cause.Message);
        await system.Terminate();
    }

    [Fact]
    public void Opening_a_missing_database_without_create_if_missing_fails_with_a_clear_message()
    {
        var options = new RocksDbStoreOptions(_directory, CreateIfMissing: false, WriteBufferSize: 1 << 20, MaxTotalWalSize: 4 << 20);
        var error = Assert.Throws<CdcException>(() => RocksDbStore.Acquire(options));
        Assert.Equal(FailureKind.Fatal, error.Kind);
        Assert.Contains(_directory, error.Message);
        Assert.Contains("create-if-missing", error.Message);
        Assert.False(RocksDbStore.IsOpen(_directory));
    }

    private async Task WriteAsync(ActorSystem system, string pid, object payload)
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
        var probe = new Akka.TestKit.TestProbe(system, new Akka.TestKit.Xunit2.XunitAssertions());
        journal.Tell(new WriteMessages(new[] { new AtomicWrite(new Persistent(payload, 1, pid, writerGuid: "w")) }, probe.Ref, 1));
        await probe.ExpectMsgAsync<WriteMessagesSuccessful>(_timeout);
        await probe.ExpectMsgAsync<WriteMessageSuccess>(_timeout);
    }

    private async Task<ReplayMessagesFailure> ReplayFailureAsync(ActorSystem system, string pid)
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
        var probe = new Akka.TestKit.TestProbe(system, new Akka.TestKit.Xunit2.XunitAssertions());
        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, pid, probe.Ref));
        var failure = await probe.ExpectMsgAsync<ReplayMessagesFailure>(_timeout);
        output.WriteLine(failure.Cause.Message);
        return failure;
    }

    private void OverwriteEvent(string pid, long sequenceNr, byte[] value)
    {
        var store = RocksDbStore.AcquireOpen(_directory);
        try
        {
            Assert.True(store.TryGetPersistenceKey(pid, out var key));
            store.Db.Put(StoreKeys.Entry(key, sequenceNr), value, store.Journal);
        }
        finally
        {
            store.Release();
        }
    }

    private static byte[] EventRecord(int serializerId, string manifest, byte[] payload)
    {
        var value = new byte[13 + RecordFormat.StringSize(manifest) + 3 + payload.Length];
        value[0] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(9), serializerId);
        var offset = 13 + RecordFormat.WriteString(value.AsSpan(13), manifest);
        offset += RecordFormat.WriteString(value.AsSpan(offset), "");
        offset += RecordFormat.WriteString(value.AsSpan(offset), "w");
        payload.CopyTo(value.AsSpan(offset));
        return value;
    }
}
