using ActorCdc.Core.Changes;
using ActorCdc.Engine.Protocol;
using ActorCdc.Source.Postgres;
using ActorCdc.Source.Postgres.Snapshots;
using Akka.Actor;
using Akka.Event;
using Npgsql;

namespace ActorCdc.Engine.Snapshots;

/// <summary>
/// Job: reads one chunk at a time (DESIGN.md §3.5): low watermark into the WAL, the chunk's rows by binary COPY in a
/// short REPEATABLE READ transaction whose snapshot it records, high watermark, then the end marker; the rows go to the
/// table's entity in parts, at most a few unacknowledged at once, so memory stays bounded.
/// State: the chunk in progress and the acknowledgement window.
/// Supervision: child of the SnapshotCoordinator; a failed read is reported, not thrown, and the coordinator abandons
/// the attempt and tries again with backoff.
/// </summary>
public sealed class ChunkReaderWorker : ReceiveActor
{
    private const int PartsInFlight = 4;
    private static readonly TimeSpan AckTimeout = TimeSpan.FromMinutes(2);

    private sealed record Finished(ChunkReadFinished Result, IActorRef ReplyTo);

    /// <summary>
    /// Stops reading the given attempt (the coordinator gave up on it): an entity that moved or died does not
    /// acknowledge rows, and waiting for it would hold this worker for the whole acknowledgement timeout.
    /// </summary>
    public sealed record CancelRead(long ChunkId, int Attempt);

    private readonly PostgresSourceSettings _source;
    private readonly string _pipeline;
    private readonly int _rowsPerMessage;
    private readonly IActorRef _region;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private SemaphoreSlim _window = new(PartsInFlight);
    private CancellationTokenSource _cts = new();
    private (long Chunk, int Attempt) _current;

    public ChunkReaderWorker(string pipeline, PostgresSourceSettings source, int rowsPerMessage, IActorRef region)
    {
        _pipeline = pipeline;
        _source = source;
        _rowsPerMessage = rowsPerMessage;
        _region = region;

        // The coordinator hands a chunk only to an idle worker, so one read runs at a time.
        Receive<ReadChunk>(r =>
        {
            _current = (r.Chunk.Id, r.Chunk.Attempt);
            _window = new SemaphoreSlim(PartsInFlight);
            _cts = new CancellationTokenSource();
            var coordinator = Sender;
            ReadAsync(r, coordinator, Self, _window, _cts.Token).PipeTo(Self, success: f => new Finished(f, coordinator));
        });
        Receive<ChunkRowsReceived>(_ => _window.Release());
        Receive<CancelRead>(c =>
        {
            if (_current == (c.ChunkId, c.Attempt)) _cts.Cancel();
        });
        Receive<Finished>(f => f.ReplyTo.Tell(f.Result));
    }

    public static Props Props(string pipeline, PostgresSourceSettings source, int rowsPerMessage, IActorRef region) =>
        Akka.Actor.Props.Create(() => new ChunkReaderWorker(pipeline, source, rowsPerMessage, region));

    private async Task<ChunkReadFinished> ReadAsync(ReadChunk r, IActorRef coordinator, IActorRef self, SemaphoreSlim window, CancellationToken ct)
    {
        var table = r.Schema.Table;
        var chunk = r.Chunk;
        try
        {
            await using var admin = new NpgsqlConnection(_source.ConnectionString);
            await admin.OpenAsync(ct).ConfigureAwait(false);
            await Watermarks.EmitAsync(admin, new Watermark(_pipeline, table, chunk.Id, chunk.Attempt, WatermarkKind.Low), ct).ConfigureAwait(false);

            await using var reader = await ChunkReader.OpenAsync(_source.ConnectionString, ct).ConfigureAwait(false);
            var part = 0;
            var region = _region;
            var pipeline = _pipeline;
            Func<IReadOnlyList<ColumnValue[]>, CancellationToken, ValueTask> send = async (rows, token) =>
            {
                if (!await window.WaitAsync(AckTimeout, token).ConfigureAwait(false))
                    throw new TimeoutException($"the table entity of {table} did not acknowledge chunk rows within {AckTimeout}");
                // The reader reuses nothing it hands over, but copy the list: the message outlives this callback.
                var copy = new List<ColumnValue[]>(rows);
                region.Tell(new ChunkRows(pipeline, chunk.Id, chunk.Attempt, ++part, r.Schema, copy), self);
            };
            var result = r.Key.Kind == KeyKind.FullRowNoKey
                ? await reader.ReadWholeTableAsync(r.Schema, _rowsPerMessage, send, ct).ConfigureAwait(false)
                : await reader.ReadAsync(r.Key, r.Schema, chunk.Range, _rowsPerMessage, send, ct).ConfigureAwait(false);

            await Watermarks.EmitAsync(admin, new Watermark(_pipeline, table, chunk.Id, chunk.Attempt, WatermarkKind.High), ct).ConfigureAwait(false);
            _region.Tell(new ChunkEnd(_pipeline, table, chunk.Id, chunk.Attempt, part, result.Rows, result.Snapshot.ToString()), coordinator);
            return new ChunkReadFinished(table, chunk.Id, chunk.Attempt, result.Rows, null);
        }
        catch (Exception e)
        {
            return new ChunkReadFinished(table, chunk.Id, chunk.Attempt, 0, e);
        }
    }

    protected override void PostStop() => _cts.Cancel();
}
