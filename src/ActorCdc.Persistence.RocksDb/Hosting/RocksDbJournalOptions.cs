using System.Text;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using ActorCdc.Persistence.RocksDb.Settings;

namespace ActorCdc.Persistence.RocksDb.Hosting;

/// <summary>Akka.Hosting options of the RocksDB journal; unset properties keep the reference.conf defaults.</summary>
public sealed class RocksDbJournalOptions : JournalOptions
{
    private static readonly Config Default = RocksDbPersistence.DefaultJournalConfig();

    public RocksDbJournalOptions() : this(true)
    {
    }

    public RocksDbJournalOptions(bool isDefault, string identifier = "rocksdb") : base(isDefault) => Identifier = identifier;

    public override string Identifier { get; set; }

    /// <summary>Directory of the RocksDB database (<c>path</c>).</summary>
    public string? Path { get; set; }

    /// <summary>Create the database when missing (<c>create-if-missing</c>).</summary>
    public bool? CreateIfMissing { get; set; }

    /// <summary>When persists are fsynced (<c>sync</c>).</summary>
    public JournalSyncMode? Sync { get; set; }

    /// <summary>WAL sync period under <see cref="JournalSyncMode.Interval"/> (<c>sync-interval</c>).</summary>
    public TimeSpan? SyncInterval { get; set; }

    /// <summary>Upper bound of one merged write batch in bytes (<c>max-batch-bytes</c>).</summary>
    public long? MaxBatchBytes { get; set; }

    /// <summary>Deleted events that trigger a compaction of the deleted range (<c>compact-after-deleted-events</c>).</summary>
    public long? CompactAfterDeletedEvents { get; set; }

    /// <summary>Memtable size in bytes (<c>db.write-buffer-size</c>).</summary>
    public long? WriteBufferSize { get; set; }

    /// <summary>WAL size in bytes that forces flushes (<c>db.max-total-wal-size</c>).</summary>
    public long? MaxTotalWalSize { get; set; }

    protected override Config InternalDefaultConfig => Default;

    protected override StringBuilder Build(StringBuilder sb)
    {
        if (Path is not null) sb.AppendLine($"path = {Path.ToHocon()}");
        if (CreateIfMissing is not null) sb.AppendLine($"create-if-missing = {CreateIfMissing.Value.ToHocon()}");
        if (Sync is not null) sb.AppendLine($"sync = {ToHocon(Sync.Value)}");
        if (SyncInterval is not null) sb.AppendLine($"sync-interval = {SyncInterval.Value.ToHocon()}");
        if (MaxBatchBytes is not null) sb.AppendLine($"max-batch-bytes = {MaxBatchBytes.Value}");
        if (CompactAfterDeletedEvents is not null) sb.AppendLine($"compact-after-deleted-events = {CompactAfterDeletedEvents.Value}");
        if (WriteBufferSize is not null) sb.AppendLine($"db.write-buffer-size = {WriteBufferSize.Value}");
        if (MaxTotalWalSize is not null) sb.AppendLine($"db.max-total-wal-size = {MaxTotalWalSize.Value}");
        return base.Build(sb);
    }

    internal static string ToHocon(JournalSyncMode sync) => sync switch
    {
        JournalSyncMode.EveryBatch => "every-batch",
        JournalSyncMode.Interval => "interval",
        JournalSyncMode.Off => "off",
        _ => throw new ArgumentOutOfRangeException(nameof(sync), sync, "unknown sync mode"),
    };
}
