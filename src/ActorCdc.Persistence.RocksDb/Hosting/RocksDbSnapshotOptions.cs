using System.Text;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using ActorCdc.Persistence.RocksDb.Settings;

namespace ActorCdc.Persistence.RocksDb.Hosting;

/// <summary>Akka.Hosting options of the snapshot store; unset properties keep the reference.conf defaults.</summary>
public sealed class RocksDbSnapshotOptions : SnapshotOptions
{
    private static readonly Config Default = RocksDbPersistence.DefaultSnapshotConfig();

    public RocksDbSnapshotOptions() : this(true)
    {
    }

    public RocksDbSnapshotOptions(bool isDefault, string identifier = "rocksdb") : base(isDefault) => Identifier = identifier;

    public override string Identifier { get; set; }

    /// <summary>Directory of the RocksDB database (<c>path</c>); the journal's by default.</summary>
    public string? Path { get; set; }

    /// <summary>Create the database when missing (<c>create-if-missing</c>).</summary>
    public bool? CreateIfMissing { get; set; }

    /// <summary>Where this node keeps its snapshots (<c>local</c>): RocksDB, or memory for state.backend = memory.</summary>
    public LocalSnapshotStorage? Local { get; set; }

    /// <summary>Memtable size in bytes (<c>db.write-buffer-size</c>).</summary>
    public long? WriteBufferSize { get; set; }

    /// <summary>WAL size in bytes that forces flushes (<c>db.max-total-wal-size</c>).</summary>
    public long? MaxTotalWalSize { get; set; }

    protected override Config InternalDefaultConfig => Default;

    protected override StringBuilder Build(StringBuilder sb)
    {
        if (Path is not null) sb.AppendLine($"path = {Path.ToHocon()}");
        if (CreateIfMissing is not null) sb.AppendLine($"create-if-missing = {CreateIfMissing.Value.ToHocon()}");
        if (Local is not null) sb.AppendLine($"local = {(Local.Value == LocalSnapshotStorage.Memory ? "memory" : "rocksdb")}");
        if (WriteBufferSize is not null) sb.AppendLine($"db.write-buffer-size = {WriteBufferSize.Value}");
        if (MaxTotalWalSize is not null) sb.AppendLine($"db.max-total-wal-size = {MaxTotalWalSize.Value}");
        return base.Build(sb);
    }
}
