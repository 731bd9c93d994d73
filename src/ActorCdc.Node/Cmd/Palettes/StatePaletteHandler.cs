using System.Globalization;
using ActorCdc.Cmd.Palettes;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Savepoints;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Microsoft.Extensions.DependencyInjection;
using static ActorCdc.Node.Cmd.Palettes.PaletteArguments;

namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>The <c>state</c> palette: checkpoints and savepoints of a pipeline, and where state and checkpoints live.</summary>
public sealed class StatePaletteHandler(IServiceProvider services, PipelineAccess pipelines, NodeOptions options) : ICommandPaletteHandler
{
    private static readonly ArgumentDefinition Pipeline = Arg("pipeline", "-p", "the pipeline's name", mandatory: true);

    /// <summary>How long a savepoint may take: the pipeline drains everything sent, then every entity's state is written.</summary>
    private static readonly TimeSpan SavepointTimeout = TimeSpan.FromMinutes(10);

    public CommandPalette Palette { get; } = new("state", "checkpoints, savepoints and the state backend",
    [
        new CommandDefinition("checkpoint", "every table of a pipeline takes a checkpoint now (snapshot saved and in checkpoint storage)", [Pipeline]),
        new CommandDefinition("savepoint", "a consistent, portable copy of the pipeline's state in checkpoint storage (start from it with --from-savepoint)", [Pipeline]),
        new CommandDefinition("savepoints", "a pipeline's savepoints, newest first", [Pipeline]),
        new CommandDefinition("backend", "the state backend, its paths and checkpoint storage (credentials masked)", []),
    ]);

    private ActorSystem System => services.GetRequiredService<ActorSystem>();

    public Task<CommandResult> ExecuteAsync(CommandRequest request, ICommandOutput output, CancellationToken cancellation)
    {
        if (request.Command != "backend" && pipelines.Unknown(request.Get("pipeline")) is { } unknown)
            return Task.FromResult(CommandResult.Fail(unknown));
        var pipeline = request.Get("pipeline")!;
        return request.Command switch
        {
            "checkpoint" => CheckpointAsync(request, pipeline, output, cancellation),
            "savepoint" => SavepointAsync(request, pipeline, output, cancellation),
            "savepoints" => SavepointsAsync(request, pipeline, output, cancellation),
            "backend" => BackendAsync(request, output, cancellation),
            _ => Task.FromResult(CommandResult.Fail($"state has no command '{request.Command}'; commands: {string.Join(", ", Palette.Commands.Select(c => c.Name))}")),
        };
    }

    private async Task<CommandResult> CheckpointAsync(CommandRequest request, string pipeline, ICommandOutput output, CancellationToken ct)
    {
        var status = await pipelines.StatusAsync(pipeline, ct).ConfigureAwait(false);
        var tables = await pipelines.TablesAsync(pipeline, status, ct).ConfigureAwait(false);
        if (tables.Count == 0)
            return CommandResult.Fail($"pipeline {pipeline} has no tables yet ({status.State}); try again once `cdc status -p {pipeline}` shows it streaming");
        var region = ClusterSharding.Get(System).ShardRegion(PipelineHost.TableRegion);
        // The entity waits for checkpoint storage to confirm, up to the pipeline's flush timeout.
        var timeout = options.Settings.Pipelines.First(p => p.Name == pipeline).Checkpoints.FlushTimeout + TimeSpan.FromSeconds(10);
        var results = await Task.WhenAll(tables.Select(async t =>
        {
            try { return await region.Ask<CheckpointTaken>(new TakeCheckpoint(pipeline, t), timeout, ct).ConfigureAwait(false); }
            catch (AskTimeoutException)
            {
                return new CheckpointTaken(t, default, 0, $"no answer within {timeout.TotalSeconds:0}s (the entity may be recovering or moving); try again");
            }
        })).ConfigureAwait(false);
        var failed = results.Count(r => r.Error is not null);
        if (request.Json)
            await output.WriteAsync(CommandJson.Line(new
            {
                Pipeline = pipeline,
                Tables = results.Select(r => new { Table = r.Table.ToString(), Succeeded = r.Error is null, Applied = r.Applied.ToString(), r.SequenceNr, r.Error }),
            }), ct).ConfigureAwait(false);
        else
            await output.WriteAsync(TextTable.Render(["TABLE", "CHECKPOINT", "APPLIED", "SNAPSHOT SEQ"], results.Select(r => (IReadOnlyList<string>)
                [r.Table.ToString(), r.Error is null ? "ok" : "FAILED: " + r.Error, r.Applied.ToString(), r.SequenceNr.ToString(CultureInfo.InvariantCulture)])), ct).ConfigureAwait(false);
        return failed == 0
            ? CommandResult.Ok
            : CommandResult.Fail($"{failed} of {results.Length} table(s) could not take a checkpoint (see above); the periodic checkpoints retry, or run `state checkpoint -p {pipeline}` again");
    }

    private async Task<CommandResult> SavepointAsync(CommandRequest request, string pipeline, ICommandOutput output, CancellationToken ct)
    {
        var reply = await pipelines.AskAsync<object>(pipeline, new TakeSavepoint(), ct, SavepointTimeout).ConfigureAwait(false);
        switch (reply)
        {
            case SavepointTaken t:
                await output.WriteAsync(request.Json
                    ? CommandJson.Line(new { t.Pipeline, t.SavepointId, t.Location, t.Entities })
                    : $"savepoint {t.Pipeline}/{t.SavepointId} written to {t.Location} ({t.Entities} entities); start from it with --from-savepoint {t.Pipeline}/{t.SavepointId}\n", ct).ConfigureAwait(false);
                return CommandResult.Ok;
            case SavepointFailed f:
                return CommandResult.Fail($"savepoint of {f.Pipeline} failed: {f.Reason}");
            default:
                return CommandResult.Fail($"unexpected answer {reply.GetType().Name} to a savepoint request");
        }
    }

    private async Task<CommandResult> SavepointsAsync(CommandRequest request, string pipeline, ICommandOutput output, CancellationToken ct)
    {
        var store = CheckpointStorage.Get(System).Savepoints;
        if (store is null) return CommandResult.Fail("this node has no checkpoint storage (actorcdc.state.checkpoints.storage is empty), so there are no savepoints");
        var list = await store.ListAsync(pipeline, ct).ConfigureAwait(false);
        if (request.Json)
            await output.WriteAsync(CommandJson.Line(new
            {
                Pipeline = pipeline,
                store.Location,
                Savepoints = list.Select(m => new { m.SavepointId, m.CreatedUtc, Entities = m.Entries.Count }),
            }), ct).ConfigureAwait(false);
        else if (list.Count == 0)
            await output.WriteAsync($"no savepoints of pipeline {pipeline} in {store.Location}\n", ct).ConfigureAwait(false);
        else
            await output.WriteAsync(TextTable.Render(["SAVEPOINT", "CREATED (UTC)", "ENTITIES"], list.Select(m => (IReadOnlyList<string>)
                [$"{m.Pipeline}/{m.SavepointId}", m.CreatedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), m.Entries.Count.ToString(CultureInfo.InvariantCulture)])), ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private async Task<CommandResult> BackendAsync(CommandRequest request, ICommandOutput output, CancellationToken ct)
    {
        var state = options.Settings.State;
        var storage = CheckpointStorage.Get(System);
        var s3 = storage.Settings.S3;
        var lag = storage.Store?.Lag;
        var view = new
        {
            Backend = state.Backend.ToString().ToLowerInvariant(),
            state.DataDirectory,
            RocksdbPath = state.RocksDbPath,
            CheckpointStorage = CredentialMask.Uri(storage.Store?.Location ?? state.CheckpointStorage),
            S3 = state.CheckpointStorage.StartsWith("s3://", StringComparison.Ordinal)
                ? new
                {
                    Endpoint = CredentialMask.Uri(s3.GetString("endpoint", "")),
                    Region = s3.GetString("region", ""),
                    AccessKey = CredentialMask.Secret(s3.GetString("access-key", ""), showPrefix: true),
                    SecretKey = CredentialMask.Secret(s3.GetString("secret-key", "")),
                }
                : null,
            Retain = storage.Settings.Retain,
            UploadsQueued = lag?.QueuedObjects,
            UploadsQueuedBytes = lag?.QueuedBytes,
            LastUploadError = lag?.LastError,
        };
        if (request.Json)
        {
            await output.WriteAsync(CommandJson.Line(view), ct).ConfigureAwait(false);
            return CommandResult.Ok;
        }
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "backend", view.Backend },
            new[] { "data directory", view.DataDirectory },
            new[] { "rocksdb path", view.Backend == "rocksdb" ? view.RocksdbPath : "(not used: journal in memory)" },
            new[] { "checkpoint storage", view.CheckpointStorage },
            new[] { "retain", view.Retain.ToString(CultureInfo.InvariantCulture) },
        };
        if (view.S3 is { } s)
        {
            rows.Add(["s3 endpoint", s.Endpoint.Length == 0 ? "(AWS)" : s.Endpoint]);
            rows.Add(["s3 region", s.Region]);
            rows.Add(["s3 access key", s.AccessKey]);
            rows.Add(["s3 secret key", s.SecretKey]);
        }
        if (lag is not null)
            rows.Add(["uploads queued", $"{lag.QueuedObjects} ({StatusFormatter.Bytes(lag.QueuedBytes)}){(lag.LastError is null ? "" : "; last error: " + lag.LastError)}"]);
        await output.WriteAsync(TextTable.Render(["SETTING", "VALUE"], rows), ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }
}
