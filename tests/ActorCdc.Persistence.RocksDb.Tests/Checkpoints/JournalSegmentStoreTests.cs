using ActorCdc.Core.Storage;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using Xunit;

namespace ActorCdc.Persistence.RocksDb.Tests.Checkpoints;

/// <summary>Journal segments (ack-on = checkpointed) in checkpoint storage: read back whole, damage detected, listed per entity.</summary>
public sealed class JournalSegmentStoreTests : IDisposable
{
    private readonly string _root = CheckpointTestSupport.TempDirectory("segments");

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task A_segment_reads_back_as_written_and_is_listed_under_its_entity_only()
    {
        var segments = new JournalSegmentStore(new FileObjectStore(_root));
        var payload = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        var key = JournalSegmentStore.Key("table|p/public.t", 42, 3, 9);
        await segments.PutAsync(key, "table|p/public.t", 9, payload, CancellationToken.None);
        await segments.PutAsync(JournalSegmentStore.Key("table|p/public.u", 42, 1, 2), "table|p/public.u", 2, new byte[] { 1 }, CancellationToken.None);

        var back = await segments.GetAsync(key, "table|p/public.t", CancellationToken.None);
        Assert.Equal(payload, back!.Value.ToArray());
        Assert.Equal([key], await segments.ListAsync("table|p/public.t", CancellationToken.None));
        Assert.Null(await segments.GetAsync(JournalSegmentStore.Key("table|p/public.t", 42, 10, 11), "table|p/public.t", CancellationToken.None));

        await segments.DeleteAsync(key, CancellationToken.None);
        Assert.Empty(await segments.ListAsync("table|p/public.t", CancellationToken.None));
    }

    [Fact]
    public async Task A_damaged_or_mislabelled_segment_is_refused()
    {
        var store = new FileObjectStore(_root);
        var segments = new JournalSegmentStore(store);
        var key = JournalSegmentStore.Key("table|p/public.t", 1, 1, 1);
        await segments.PutAsync(key, "table|p/public.t", 1, new byte[100], CancellationToken.None);
        await Assert.ThrowsAsync<InvalidDataException>(() => segments.GetAsync(key, "table|p/public.other", CancellationToken.None));

        var bytes = (await store.GetAsync(key, CancellationToken.None))!;
        bytes[^1] ^= 0xFF;
        await store.PutAsync(key, bytes, CancellationToken.None);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => segments.GetAsync(key, "table|p/public.t", CancellationToken.None));
        Assert.Contains("SHA-256", e.Message);
    }
}
