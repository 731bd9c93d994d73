using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using ActorCdc.Core.Failures;
using ActorCdc.Persistence.RocksDb.Settings;
using RocksDbSharp;

namespace ActorCdc.Persistence.RocksDb;

/// <summary>
/// One open RocksDB database, shared (reference-counted) by the journal and snapshot store of every actor system in
/// the process that use its path; closed when the last user releases it. Owns the persistence-id → key mapping.
/// </summary>
public sealed class RocksDbStore
{
    private const string JournalFamily = "journal";
    private const string SnapshotFamily = "snapshots";
    private const byte FormatVersion = 1;
    private static readonly byte[] FormatKey = "actorcdc-format"u8.ToArray();
    private const byte PersistenceIdPrefix = (byte)'p';

    private static readonly Dictionary<string, RocksDbStore> OpenStores = new(StringComparer.Ordinal);
    private static readonly object OpenStoresLock = new();

    private readonly ConcurrentDictionary<string, uint> _persistenceKeys = new(StringComparer.Ordinal);
    private readonly object _mappingLock = new();
    private readonly WriteOptions _syncWrite = new WriteOptions().SetSync(true);
    private uint _lastPersistenceKey;
    private int _references;
    private long _journalBatchesWritten;
    private long _journalCompactionsStarted;

    private RocksDbStore(RocksDbStoreOptions options)
    {
        Options = options;
        var columnFamilyOptions = new ColumnFamilyOptions()
            .SetWriteBufferSize((ulong)options.WriteBufferSize);
        var dbOptions = new DbOptions()
            .SetCreateIfMissing(options.CreateIfMissing)
            .SetCreateMissingColumnFamilies(options.CreateIfMissing)
            .SetMaxTotalWalSize((ulong)options.MaxTotalWalSize)
            .SetKeepLogFileNum(4);
        var families = new ColumnFamilies(columnFamilyOptions)
        {
            { JournalFamily, columnFamilyOptions },
            { SnapshotFamily, columnFamilyOptions },
        };
        if (options.CreateIfMissing) Directory.CreateDirectory(options.Path);
        try
        {
            Db = RocksDbSharp.RocksDb.Open(dbOptions, options.Path, families);
        }
        catch (RocksDbException e)
        {
            throw CdcException.Fatal(
                $"The RocksDB state at '{options.Path}' cannot be opened: {e.Message}. Check that the directory exists and is " +
                "writable, that no other process uses it (its LOCK file), or set create-if-missing = on for a new node.", e);
        }
        Meta = Db.GetDefaultColumnFamily();
        Journal = Db.GetColumnFamily(JournalFamily);
        Snapshots = Db.GetColumnFamily(SnapshotFamily);
        try
        {
            CheckFormat();
            LoadPersistenceKeys();
        }
        catch
        {
            Db.Dispose();
            throw;
        }
    }

    /// <summary>How the database was opened.</summary>
    public RocksDbStoreOptions Options { get; }

    /// <summary>The database; valid until the last <see cref="Release"/>.</summary>
    public RocksDbSharp.RocksDb Db { get; }

    /// <summary>Column family of the format marker and persistence-id mapping.</summary>
    internal ColumnFamilyHandle Meta { get; }

    /// <summary>Column family of events and per-entity highest sequence numbers.</summary>
    internal ColumnFamilyHandle Journal { get; }

    /// <summary>Column family of local snapshots.</summary>
    internal ColumnFamilyHandle Snapshots { get; }

    /// <summary>Merged journal write batches written to this database (diagnostics, tests).</summary>
    internal long JournalBatchesWritten => Interlocked.Read(ref _journalBatchesWritten);

    /// <summary>Compactions of deleted journal ranges started on this database (diagnostics, tests).</summary>
    internal long JournalCompactionsStarted => Interlocked.Read(ref _journalCompactionsStarted);

    /// <summary>Test seam: when it returns an exception, the next journal batch write throws it instead of writing.</summary>
    internal Func<Exception?>? JournalWriteFault { get; set; }

    internal void CountJournalBatch() => Interlocked.Increment(ref _journalBatchesWritten);

    internal void CountJournalCompaction() => Interlocked.Increment(ref _journalCompactionsStarted);

    /// <summary>Opens the database at <see cref="RocksDbStoreOptions.Path"/>, or takes another reference to the open one.</summary>
    public static RocksDbStore Acquire(RocksDbStoreOptions options)
    {
        lock (OpenStoresLock)
        {
            if (!OpenStores.TryGetValue(options.Path, out var store))
            {
                store = new RocksDbStore(options);
                OpenStores.Add(options.Path, store);
            }
            store._references++;
            return store;
        }
    }

    /// <summary>Another reference to the database already open at <paramref name="path"/> (tests, tools); throws when it is not open.</summary>
    internal static RocksDbStore AcquireOpen(string path)
    {
        lock (OpenStoresLock)
        {
            if (!OpenStores.TryGetValue(System.IO.Path.GetFullPath(path), out var store))
                throw new InvalidOperationException($"No RocksDB database is open at '{path}'.");
            store._references++;
            return store;
        }
    }

    /// <summary>Takes one more reference for work that may outlive its owner (a replay, a compaction); false once closed.</summary>
    internal bool TryAddReference()
    {
        lock (OpenStoresLock)
        {
            if (_references == 0) return false;
            _references++;
            return true;
        }
    }

    /// <summary>Drops one reference; the last one closes the database.</summary>
    public void Release()
    {
        lock (OpenStoresLock)
        {
            if (_references == 0) return;
            if (--_references > 0) return;
            OpenStores.Remove(Options.Path);
            Db.Dispose();
        }
    }

    /// <summary>Whether the database at <paramref name="path"/> is open in this process (for tests and diagnostics).</summary>
    public static bool IsOpen(string path)
    {
        lock (OpenStoresLock) return OpenStores.ContainsKey(System.IO.Path.GetFullPath(path));
    }

    internal bool TryGetPersistenceKey(string persistenceId, out uint key) => _persistenceKeys.TryGetValue(persistenceId, out key);

    /// <summary>
    /// The key of <paramref name="persistenceId"/>, assigning and durably recording a new one on first use
    /// (a synced write per new entity, so no event is ever stored under an unrecorded key).
    /// </summary>
    internal uint GetOrAddPersistenceKey(string persistenceId)
    {
        if (_persistenceKeys.TryGetValue(persistenceId, out var key)) return key;
        lock (_mappingLock)
        {
            if (_persistenceKeys.TryGetValue(persistenceId, out key)) return key;
            if (_lastPersistenceKey == uint.MaxValue - 1)
                throw CdcException.Fatal($"The RocksDB state at '{Options.Path}' has run out of persistence keys.");
            key = _lastPersistenceKey + 1;
            var value = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(value, key);
            Db.Put(MappingKey(persistenceId), value, Meta, _syncWrite);
            _lastPersistenceKey = key;
            _persistenceKeys[persistenceId] = key;
            return key;
        }
    }

    /// <summary>The highest sequence number ever written for the entity; kept under sequence number 0 and never lowered by deletes.</summary>
    internal long ReadHighestSequenceNr(uint persistenceKey)
    {
        Span<byte> key = stackalloc byte[StoreKeys.Length];
        StoreKeys.Write(key, persistenceKey, 0);
        var value = Db.Get(key, Journal);
        return value is { Length: 8 } ? BinaryPrimitives.ReadInt64LittleEndian(value) : 0;
    }

    private static byte[] MappingKey(string persistenceId)
    {
        var key = new byte[1 + Encoding.UTF8.GetByteCount(persistenceId)];
        key[0] = PersistenceIdPrefix;
        Encoding.UTF8.GetBytes(persistenceId, key.AsSpan(1));
        return key;
    }

    private void CheckFormat()
    {
        var format = Db.Get(FormatKey, Meta);
        if (format is null)
        {
            Db.Put(FormatKey, new[] { FormatVersion }, Meta, _syncWrite);
            return;
        }
        if (format.Length != 1 || format[0] != FormatVersion)
            throw CdcException.Fatal(
                $"The RocksDB state at '{Options.Path}' has format {(format.Length == 1 ? format[0] : -1)}, this version reads " +
                $"format {FormatVersion}. Start a version that wrote it, or restore this node from checkpoint storage into an empty directory.");
    }

    private void LoadPersistenceKeys()
    {
        var lower = new[] { PersistenceIdPrefix };
        var upper = new[] { (byte)(PersistenceIdPrefix + 1) };
        var readOptions = new ReadOptions().SetIterateLowerBound(lower).SetIterateUpperBound(upper);
        using var iterator = Db.NewIterator(Meta, readOptions);
        for (iterator.Seek(lower); iterator.Valid(); iterator.Next())
        {
            var id = Encoding.UTF8.GetString(iterator.GetKeySpan()[1..]);
            var key = BinaryPrimitives.ReadUInt32BigEndian(iterator.GetValueSpan());
            _persistenceKeys[id] = key;
            if (key > _lastPersistenceKey) _lastPersistenceKey = key;
        }
        GC.KeepAlive(readOptions); // the native iterator uses its bounds
    }
}
