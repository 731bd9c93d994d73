using System.Collections.Concurrent;
using ActorCdc.Core.Storage;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using ActorCdc.Persistence.RocksDb.Storage;
using ActorCdc.Testing;

namespace ActorCdc.Persistence.RocksDb.Tests.Checkpoints;

/// <summary>Stores, settings and snapshots shared by the checkpoint specs.</summary>
internal static class CheckpointTestSupport
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Short backoffs so an outage heals within a second of the server coming back.</summary>
    public static CheckpointStorageSettings FastSettings(int retain = 3, long maxQueuedBytes = 256L * 1024 * 1024) => new()
    {
        Retain = retain,
        MinBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(250),
        MaxQueuedBytes = maxQueuedBytes,
    };

    public static S3ObjectStore S3Store(S3Server server, string prefix) =>
        new(server.Bucket, prefix, new S3ObjectStoreSettings
        {
            Endpoint = server.Endpoint,
            ForcePathStyle = true,
            AccessKey = S3Server.AccessKey,
            SecretKey = S3Server.SecretKey,
            RequestTimeout = TimeSpan.FromSeconds(20),
        });

    public static string TempDirectory(string what) => Path.Combine(Path.GetTempPath(), $"actorcdc-{what}-{Guid.NewGuid():N}"[..40]);

    public static StoredSnapshot SnapshotOf(string pid, long sequenceNr, int size = 1000, DateTime? at = null)
    {
        var payload = new byte[size];
        new Random(HashCode.Combine(pid, sequenceNr)).NextBytes(payload);
        return new StoredSnapshot(pid, sequenceNr, at ?? new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(sequenceNr), payload);
    }

    public static CancellationToken Timeout() => new CancellationTokenSource(Deadline).Token;

    public static void AssertSame(StoredSnapshot expected, StoredSnapshot? actual)
    {
        Xunit.Assert.NotNull(actual);
        Xunit.Assert.Equal(expected.PersistenceId, actual.PersistenceId);
        Xunit.Assert.Equal(expected.SequenceNr, actual.SequenceNr);
        Xunit.Assert.Equal(expected.TimestampUtc, actual.TimestampUtc);
        Xunit.Assert.True(expected.Payload.Span.SequenceEqual(actual.Payload.Span), "payloads differ");
    }

    /// <summary>Collects warnings handed to a store, thread-safely.</summary>
    public sealed class Warnings
    {
        private readonly ConcurrentQueue<string> _all = new();
        public void Add(string message) => _all.Enqueue(message);
        public IReadOnlyList<string> All => _all.ToArray();
    }

    /// <summary>An object store that can be switched to fail every call, as an unreachable store does.</summary>
    public sealed class SwitchableObjectStore(IObjectStore inner) : IObjectStore
    {
        public volatile bool Down;
        public string Location => inner.Location;

        public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
            Down ? Task.FromException(Unreachable()) : inner.PutAsync(key, content, cancellationToken);

        public Task PutAsync(string key, Stream content, CancellationToken cancellationToken) =>
            Down ? Task.FromException(Unreachable()) : inner.PutAsync(key, content, cancellationToken);

        public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken) =>
            Down ? Task.FromException<byte[]?>(Unreachable()) : inner.GetAsync(key, cancellationToken);

        public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken) =>
            Down ? Task.FromException<IReadOnlyList<ObjectInfo>>(Unreachable()) : inner.ListAsync(prefix, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
            Down ? Task.FromException(Unreachable()) : inner.DeleteAsync(key, cancellationToken);

        private static Exception Unreachable() => Core.Failures.CdcException.Transient("test store is down; retrying");
    }
}
