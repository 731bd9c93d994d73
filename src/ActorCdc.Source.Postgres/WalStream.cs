using System.Runtime.CompilerServices;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Source.Postgres.Admin;
using ActorCdc.Source.Postgres.Catalog;
using ActorCdc.Source.Postgres.Connections;
using ActorCdc.Source.Postgres.Decoding;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;

namespace ActorCdc.Source.Postgres;

/// <summary>
/// One replication session on the pipeline's slot: decodes pgoutput (protocol v2, text, streaming on, messages on)
/// into <see cref="SourceEvent"/>s and reports confirmed positions back to the server.
/// </summary>
public sealed class WalStream : IAsyncDisposable
{
    /// <summary>
    /// Key in <see cref="Exception.Data"/> of the transient <see cref="CdcException"/> thrown when the slot is held
    /// by another walsender; the value is that walsender's PID (an <see cref="int"/>).
    /// </summary>
    public const string ActivePidDataKey = "actorcdc.slot.active-pid";

    /// <summary>
    /// Key in <see cref="Exception.Data"/> of the fatal <see cref="CdcException"/> thrown when the slot does not exist
    /// (at open or while streaming); the value is the slot's name.
    /// </summary>
    public const string SlotMissingDataKey = "actorcdc.slot.missing";

    /// <summary>
    /// Key in <see cref="Exception.Data"/> of the fatal <see cref="CdcException"/> thrown when the publication does not
    /// exist (at open or while streaming); the value is the publication's name.
    /// </summary>
    public const string PublicationMissingDataKey = "actorcdc.publication.missing";

    private readonly PostgresSourceSettings _settings;
    private readonly LogicalReplicationConnection _connection;
    private readonly NpgsqlDataSource _catalogSource;
    private readonly PgOutputDecoder _decoder;
    private long _confirmed;
    private int _reading;
    private int _pushing;
    private int _dirty;

    private WalStream(PostgresSourceSettings settings, LogicalReplicationConnection connection,
        NpgsqlDataSource catalogSource, Lsn confirmed, TimeSpan statusInterval)
    {
        StatusInterval = statusInterval;
        _settings = settings;
        _connection = connection;
        _catalogSource = catalogSource;
        _confirmed = (long)confirmed.Value;
        _decoder = new PgOutputDecoder(new TypeCatalog(catalogSource, settings.ConnectionString), settings);
    }

    /// <summary>
    /// How often this session sends status updates: <see cref="PostgresSourceSettings.StatusInterval"/>, shortened to a
    /// third of the server's <c>wal_sender_timeout</c> when that is shorter, so the walsender never times us out.
    /// </summary>
    public TimeSpan StatusInterval { get; }

    /// <summary>True when <paramref name="error"/> says the slot does not exist (dropped, or never created).</summary>
    public static bool IsSlotMissing(Exception error) => error.Data[SlotMissingDataKey] is string;

    /// <summary>True when <paramref name="error"/> says the publication does not exist (dropped, or never created).</summary>
    public static bool IsPublicationMissing(Exception error) => error.Data[PublicationMissingDataKey] is string;

    /// <summary>The PID carried by a slot-in-use failure from <see cref="OpenAsync"/> or <see cref="ReadAsync"/>, else null.</summary>
    public static int? ActivePidOf(Exception error) => error.Data[ActivePidDataKey] as int?;

    /// <summary>The end of the last WAL data received from the server (for lag).</summary>
    public Lsn LastReceivedLsn => new((ulong)_connection.LastReceivedLsn);

    /// <summary>The highest position passed to <see cref="Confirm"/> (initially the slot's confirmed_flush_lsn).</summary>
    public Lsn ConfirmedLsn => new((ulong)Interlocked.Read(ref _confirmed));

    /// <summary>How long the stream must stay quiet before <see cref="StreamCaughtUp"/> reports the server's position.</summary>
    private TimeSpan QuietInterval => StatusInterval < TimeSpan.FromSeconds(1) ? StatusInterval : TimeSpan.FromSeconds(1);

    /// <summary>How many stream chunks of large in-progress transactions arrived.</summary>
    public long StreamChunks => _decoder.StreamChunks;

    /// <summary>Bytes of in-progress streamed transactions held in memory now.</summary>
    public long BufferedBytes => _decoder.Streams.MemoryBytes;

    /// <summary>The most bytes of in-progress streamed transactions ever held in memory at once.</summary>
    public long PeakBufferedBytes => _decoder.Streams.PeakMemoryBytes;

    /// <summary>Bytes of streamed transactions spilled to <see cref="PostgresSourceSettings.SpillDirectory"/> so far.</summary>
    public long SpilledBytes => _decoder.Streams.SpilledBytes;

    /// <summary>
    /// Checks the slot and publication and opens the replication connection. Throws a transient
    /// <see cref="CdcException"/> carrying <see cref="ActivePidDataKey"/> when another process holds the slot.
    /// </summary>
    public static async Task<WalStream> OpenAsync(PostgresSourceSettings settings, CancellationToken ct)
    {
        settings.Validate();
        var connectionString = SessionConnectionString.Build(settings.ConnectionString, "actorcdc-wal");
        var catalogSource = NpgsqlDataSource.Create(connectionString);
        LogicalReplicationConnection? connection = null;
        try
        {
            var (confirmed, senderTimeout) = await CheckSlotAndPublicationAsync(catalogSource, settings, ct);
            var statusInterval = StatusIntervalFor(settings.StatusInterval, senderTimeout);
            // Npgsql sends status updates from a timer, also while the pump waits for credit and reads nothing; the
            // walsender, blocked on a full socket, still reads them. Only their interval has to beat the server's timeout.
            connection = new LogicalReplicationConnection(connectionString) { WalReceiverStatusInterval = statusInterval };
            await connection.Open(ct);
            // Status updates report this until the first Confirm: never 0, which must not move the slot.
            connection.SetReplicationStatus(new NpgsqlLogSequenceNumber(confirmed.Value));
            return new WalStream(settings, connection, catalogSource, confirmed, statusInterval);
        }
        catch (Exception e)
        {
            if (connection is not null) await connection.DisposeAsync();
            await catalogSource.DisposeAsync();
            if (e is OperationCanceledException && ct.IsCancellationRequested) throw;
            throw PostgresErrors.Classify(e, settings.ConnectionString, "opening the replication connection", FailureKind.Fatal);
        }
    }

    /// <summary>
    /// Streams from the slot's confirmed position until <paramref name="ct"/> is cancelled or the connection fails
    /// (a classified <see cref="CdcException"/>). Expect replays of transactions after the confirmed position.
    /// Call once per <see cref="WalStream"/>; stop it before <see cref="DisposeAsync"/>.
    /// </summary>
    public async IAsyncEnumerable<SourceEvent> ReadAsync([EnumeratorCancellation] CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _reading, 1) == 1)
            throw new InvalidOperationException("ReadAsync runs once per WalStream; open a new WalStream to read again.");
        var options = new PgOutputReplicationOptions(_settings.Publication, PgOutputProtocolVersion.V2,
            binary: false, streamingMode: PgOutputStreamingMode.On, messages: true);
        // Our own token too: a consumer that stops while we wait for the next message (after a StreamCaughtUp) must not
        // leave that wait running under the disposal of Npgsql's enumerator, which throws.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var messages = _connection.StartReplication(new PgOutputReplicationSlot(_settings.Slot), options, stop.Token)
            .GetAsyncEnumerator(stop.Token);
        var output = _decoder.Output;
        var quiet = QuietInterval;
        var caughtUp = Lsn.Zero;
        Task<bool>? next = null;
        try
        {
            while (true)
            {
                IEnumerable<SourceEvent>? replay = null;
                try
                {
                    next = messages.MoveNextAsync().AsTask();
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    throw ClassifyStreamError(e);
                }
                // While no message comes, keepalives still move LastReceivedLsn to the server's sent position. Reported,
                // it lets an idle pipeline confirm it: a walsender shutting down (pg_ctl stop -m fast) waits until its
                // client has flushed all it sent, and the last record sent is often no commit (an abort, a checkpoint).
                while (!next.IsCompleted)
                {
                    await Task.WhenAny(next, Task.Delay(quiet, CancellationToken.None)).ConfigureAwait(false);
                    if (next.IsCompleted) break;
                    // Read after every earlier message was yielded. A data message whose header Npgsql has just read may
                    // already count here; its LSN is below its transaction's commit, which stays resent after a confirm.
                    var received = LastReceivedLsn;
                    if (received <= caughtUp) continue;
                    caughtUp = received;
                    yield return new StreamCaughtUp(received);
                }
                try
                {
                    if (!await next) break;
                    if (messages.Current is StreamCommitMessage commit) replay = _decoder.CommitStream(commit);
                    else await _decoder.HandleAsync(messages.Current, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    throw ClassifyStreamError(e);
                }
                while (output.TryDequeue(out var ev)) yield return ev;
                if (replay is not null)
                    foreach (var ev in replay) yield return ev;
            }
        }
        finally
        {
            // A Confirm made just before stopping must reach the server, or the next session replays more than needed.
            await TrySendStatusAsync();
            if (next is { IsCompleted: false })
            {
                await stop.CancelAsync();
                try { await next; }
                catch (Exception) { /* cancelled: this session ends here */ }
            }
            await messages.DisposeAsync();
        }
    }

    /// <summary>
    /// Records that everything up to <paramref name="flushed"/> (a <see cref="TransactionCommitted.EndLsn"/> or a
    /// message LSN) is durable, and sends a status update soon without blocking. Thread-safe; never moves backwards.
    /// </summary>
    public void Confirm(Lsn flushed)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _confirmed);
            if ((ulong)current >= flushed.Value) return;
        }
        while (Interlocked.CompareExchange(ref _confirmed, (long)flushed.Value, current) != current);
        _connection.SetReplicationStatus(new NpgsqlLogSequenceNumber(flushed.Value));
        Volatile.Write(ref _dirty, 1);
        if (Interlocked.CompareExchange(ref _pushing, 1, 0) == 0) _ = Task.Run(PushStatusAsync);
    }

    private async Task PushStatusAsync()
    {
        // One pusher at a time; confirms arriving meanwhile are coalesced into the next update.
        while (true)
        {
            while (Interlocked.Exchange(ref _dirty, 0) == 1) await TrySendStatusAsync();
            Volatile.Write(ref _pushing, 0);
            if (Volatile.Read(ref _dirty) == 0 || Interlocked.CompareExchange(ref _pushing, 1, 0) != 0) return;
        }
    }

    private async Task TrySendStatusAsync()
    {
        try
        {
            await _connection.SendStatusUpdate(CancellationToken.None);
        }
        catch (Exception)
        {
            // Not streaming (yet or any more) or the connection broke: the read loop reports real failures, and the
            // status set above goes out with the next periodic update of the next session.
        }
    }

    /// <summary>The configured interval, or a third of a shorter <c>wal_sender_timeout</c> (0 = no timeout).</summary>
    public static TimeSpan StatusIntervalFor(TimeSpan configured, TimeSpan walSenderTimeout) =>
        walSenderTimeout > TimeSpan.Zero && configured > walSenderTimeout / 3 ? walSenderTimeout / 3 : configured;

    private static async Task<(Lsn Confirmed, TimeSpan SenderTimeout)> CheckSlotAndPublicationAsync(NpgsqlDataSource dataSource, PostgresSourceSettings settings, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var slot = await SlotQueries.ReadAsync(connection, settings.Slot, ct);
        if (!slot.State.Exists)
            throw SlotMissing(settings.Slot, CdcException.Fatal(
                $"source.slot = \"{settings.Slot}\" does not exist in database \"{slot.CurrentDatabase}\"; set source.create-slot = on and restart, or create it with SELECT pg_create_logical_replication_slot('{settings.Slot}', 'pgoutput');."));
        SlotSetup.Check(slot, settings.Slot);
        if (slot.State.ActivePid is { } pid) throw PostgresErrors.SlotInUse(settings.Slot, pid);
        await using var cmd = new NpgsqlCommand("SELECT 1 FROM pg_publication WHERE pubname = @pub", connection);
        cmd.Parameters.AddWithValue("pub", settings.Publication);
        if (await cmd.ExecuteScalarAsync(ct) is null)
            throw Tag(PublicationMissingDataKey, settings.Publication, CdcException.Fatal(
                $"source.publication = \"{settings.Publication}\" does not exist in database \"{slot.CurrentDatabase}\"; set source.create-publication = on and restart, or create it with CREATE PUBLICATION."));
        await using var timeout = new NpgsqlCommand("SELECT setting::bigint FROM pg_settings WHERE name = 'wal_sender_timeout'", connection);
        var senderTimeoutMs = await timeout.ExecuteScalarAsync(ct) is long ms ? ms : 60_000;
        return (slot.State.ConfirmedFlushLsn, TimeSpan.FromMilliseconds(senderTimeoutMs));
    }

    private static CdcException SlotMissing(string slot, CdcException e) => Tag(SlotMissingDataKey, slot, e);

    private static CdcException Tag(string key, string name, CdcException e)
    {
        e.Data[key] = name;
        return e;
    }

    private CdcException ClassifyStreamError(Exception e)
    {
        if (e is PostgresException pg)
        {
            // Errors that no retry fixes: the slot or publication is gone, or the WAL it needs was removed.
            if (pg.SqlState == PostgresErrorCodes.UndefinedObject && pg.MessageText.Contains("publication", StringComparison.Ordinal))
                return Tag(PublicationMissingDataKey, _settings.Publication, CdcException.Fatal(
                    $"source.publication = \"{_settings.Publication}\" is missing on the server ({pg.MessageText}); PostgreSQL cannot decode slot {_settings.Slot} without it, " +
                    $"and recreating it does not resume the slot: recreate the publication, drop the slot (SELECT pg_drop_replication_slot('{_settings.Slot}')), " +
                    $"restart with source.create-slot = on and resnapshot every captured table; changes after LSN {ConfirmedLsn} are lost to this pipeline.", pg));
            if (pg.SqlState == PostgresErrorCodes.UndefinedObject && pg.MessageText.Contains("replication slot", StringComparison.Ordinal))
                return SlotMissing(_settings.Slot, CdcException.Fatal(
                    $"source.slot = \"{_settings.Slot}\" was dropped on the server ({pg.MessageText}); changes since it was dropped are lost: recreate it and take a new snapshot.", pg));
            if (pg.SqlState == PostgresErrorCodes.ObjectNotInPrerequisiteState || pg.SqlState == PostgresErrorCodes.UndefinedFile)
                return CdcException.Fatal(
                    $"source.slot = \"{_settings.Slot}\" can no longer be read ({pg.MessageText}); the WAL it needs is gone: drop and recreate the slot and take a new snapshot.", pg);
        }
        return PostgresErrors.Classify(e, _settings.ConnectionString, $"streaming from slot {_settings.Slot}", FailureKind.Transient);
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _decoder.Dispose();
        await _catalogSource.DisposeAsync();
    }
}
