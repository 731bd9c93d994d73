using System.Globalization;
using System.Text;
using ActorCdc.Cmd.Palettes;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Snapshots;
using Akka.Actor;
using static ActorCdc.Node.Cmd.Palettes.PaletteArguments;

namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>
/// The <c>cdc</c> palette: pipelines, their tables, status and lag (once or watched), pause and resume, re-snapshot of a
/// table, and the profile in force.
/// </summary>
public sealed class CdcPaletteHandler(PipelineAccess pipelines, NodeOptions options) : ICommandPaletteHandler
{
    private static readonly ArgumentDefinition Pipeline = Arg("pipeline", "-p", "the pipeline's name", mandatory: true);
    private static readonly ArgumentDefinition AnyPipeline = Arg("pipeline", "-p", "the pipeline's name; default every pipeline");

    public CommandPalette Palette { get; } = new("cdc", "pipelines: state, lag, tables, pause, resume, re-snapshot, profile",
    [
        new CommandDefinition("pipelines", "every pipeline: state, reason, lag", []),
        new CommandDefinition("tables", "a pipeline's tables: rows sent and applied, bytes in flight, backfill", [Pipeline]),
        new CommandDefinition("status", "state, lag, confirmed LSN, rows and rate per table, backfill progress; --watch refreshes until cancelled",
            [AnyPipeline, Flag("watch", "refresh every interval until cancelled"),
             Arg("interval", "-i", "refresh interval of --watch, e.g. 2s or 500ms; default the node's status-interval, else 2s")], Streaming: true),
        new CommandDefinition("lag", "replication lag in bytes and seconds", [AnyPipeline]),
        new CommandDefinition("pause", "stops sending changes to the tables (the slot keeps what is not durable) until resume", [Pipeline]),
        new CommandDefinition("resume", "sends changes again after pause", [Pipeline]),
        new CommandDefinition("resnapshot", "copies a table's rows again while streaming goes on",
            [Pipeline, Arg("table", "-t", "schema.table", mandatory: true)]),
        new CommandDefinition("profile get", "the profile in force and how it was chosen", [Pipeline]),
        new CommandDefinition("profile set", "forces the backfill or steady profile, or auto (backfill while copying, then steady)",
            [Pipeline, Arg("value", "-v", "backfill | steady | auto", mandatory: true)]),
    ]);

    public Task<CommandResult> ExecuteAsync(CommandRequest request, ICommandOutput output, CancellationToken cancellation)
    {
        var needsPipeline = request.Command is not ("pipelines" or "status" or "lag");
        var pipeline = request.Get("pipeline");
        if ((needsPipeline || pipeline is not null) && pipelines.Unknown(pipeline) is { } unknown)
            return Task.FromResult(CommandResult.Fail(unknown));
        return request.Command switch
        {
            "pipelines" => PipelinesAsync(request, output, cancellation),
            "tables" => TablesAsync(request, pipeline!, output, cancellation),
            "status" => StatusAsync(request, output, cancellation),
            "lag" => LagAsync(request, output, cancellation),
            "pause" => ControlAsync(request, pipeline!, PausePipeline.Instance, output, cancellation),
            "resume" => ControlAsync(request, pipeline!, ResumePipeline.Instance, output, cancellation),
            "resnapshot" => ResnapshotAsync(request, pipeline!, output, cancellation),
            "profile get" => ProfileAsync(request, pipeline!, GetProfile.Instance, output, cancellation),
            "profile set" => SetProfileAsync(request, pipeline!, output, cancellation),
            _ => Task.FromResult(CommandResult.Fail($"cdc has no command '{request.Command}'; commands: {string.Join(", ", Palette.Commands.Select(c => c.Name))}")),
        };
    }

    private IEnumerable<string> Selected(CommandRequest request) => request.Get("pipeline") is { } p ? [p] : pipelines.Names;

    /// <summary>A pipeline's status, or one that says it could not be had (its manager is moving or starting).</summary>
    private async Task<PipelineStatus> StatusOrUnavailableAsync(string pipeline, CancellationToken ct)
    {
        try { return await pipelines.StatusAsync(pipeline, ct).ConfigureAwait(false); }
        catch (Exception e) when (e is TimeoutException or AskTimeoutException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new PipelineStatus(pipeline, PipelineState.Starting, "status unavailable: the pipeline's manager did not answer (it may be moving to another node); try again",
                default, default, 0, 0, 0, 0, []);
        }
    }

    private async Task<CommandResult> PipelinesAsync(CommandRequest request, ICommandOutput output, CancellationToken ct)
    {
        var list = new List<PipelineStatus>();
        foreach (var name in pipelines.Names) list.Add(await StatusOrUnavailableAsync(name, ct).ConfigureAwait(false));
        if (request.Json)
            await output.WriteAsync(CommandJson.Line(new
            {
                Pipelines = list.Select(s => new { s.Pipeline, s.State, s.Reason, s.LagBytes, s.LagSeconds, Tables = s.Tables.Count }),
            }), ct).ConfigureAwait(false);
        else
            await output.WriteAsync(TextTable.Render(["PIPELINE", "STATE", "LAG", "LAG (s)", "REASON"], list.Select(s => (IReadOnlyList<string>)
                [s.Pipeline, s.State.ToString(), StatusFormatter.Bytes(s.LagBytes), Fixed(s.LagSeconds), s.Reason ?? "-"])), ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private async Task<CommandResult> TablesAsync(CommandRequest request, string pipeline, ICommandOutput output, CancellationToken ct)
    {
        var status = await pipelines.StatusAsync(pipeline, ct).ConfigureAwait(false);
        var backfill = (await pipelines.BackfillAsync(pipeline, ct).ConfigureAwait(false)).ToDictionary(b => b.Table);
        var tables = new SortedSet<TableId>(status.Tables.Select(t => t.Table).Concat(backfill.Keys));
        var byTable = status.Tables.ToDictionary(t => t.Table);
        var rows = tables.Select(t =>
        {
            var s = byTable.GetValueOrDefault(t);
            var b = backfill.GetValueOrDefault(t);
            return new
            {
                Table = t.ToString(),
                RowsSent = s?.RowsSent ?? 0,
                RowsApplied = s?.RowsApplied ?? 0,
                InFlightBytes = s?.InFlightBytes ?? 0,
                Backfill = b is null ? "unknown" : BackfillText(b),
                BackfillPercent = b is null ? (double?)null : Math.Round(StatusFormatter.Percent(b), 1),
            };
        }).ToList();
        if (request.Json)
            await output.WriteAsync(CommandJson.Line(new { Pipeline = pipeline, status.State, Tables = rows }), ct).ConfigureAwait(false);
        else
            await output.WriteAsync(TextTable.Render(["TABLE", "ROWS SENT", "ROWS APPLIED", "IN FLIGHT", "BACKFILL"], rows.Select(r => (IReadOnlyList<string>)
                [r.Table, Num(r.RowsSent), Num(r.RowsApplied), StatusFormatter.Bytes(r.InFlightBytes), r.Backfill])), ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private static string BackfillText(BackfillTableProgress b) => b.Note ?? b.Status switch
    {
        TableBackfillStatus.Done => "done",
        TableBackfillStatus.Skipped => "skipped (snapshot mode never)",
        _ => string.Create(CultureInfo.InvariantCulture, $"running {StatusFormatter.Percent(b):0.0}% ({b.RowsCopied:N0}/~{b.EstimatedRows:N0} rows)"),
    };

    private async Task<CommandResult> StatusAsync(CommandRequest request, ICommandOutput output, CancellationToken ct)
    {
        var formatter = new StatusFormatter();
        if (!request.Flag("watch"))
        {
            await output.WriteAsync(await FrameAsync(request, formatter, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
            return CommandResult.Ok;
        }
        if (!TryInterval(request.Get("interval"), out var interval))
            return CommandResult.Fail($"interval '{request.Get("interval")}' is not a duration; give e.g. 2s or 500ms");
        try
        {
            while (true)
            {
                await output.WriteAsync(await FrameAsync(request, formatter, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
                await Task.Delay(interval, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return CommandResult.Ok;
        }
    }

    /// <summary>One view of the selected pipelines: text blocks as the node's status line prints them, or one JSON line.</summary>
    private async Task<string> FrameAsync(CommandRequest request, StatusFormatter formatter, CancellationToken ct)
    {
        var sb = new StringBuilder();
        var views = new List<object>();
        foreach (var name in Selected(request))
        {
            var status = await StatusOrUnavailableAsync(name, ct).ConfigureAwait(false);
            var backfill = status.State is PipelineState.Failed ? [] : await pipelines.BackfillAsync(name, ct).ConfigureAwait(false);
            var rates = formatter.Observe(status, DateTime.UtcNow);
            if (request.Json) views.Add(StatusView(status, backfill, rates));
            else sb.Append(StatusFormatter.Format(status, backfill, rates, DateTime.Now)).Append('\n');
        }
        return request.Json ? CommandJson.Line(new { Time = DateTime.UtcNow, Pipelines = views }) : sb.ToString();
    }

    /// <summary>The JSON shape of one pipeline's status.</summary>
    public static object StatusView(PipelineStatus s, IReadOnlyList<BackfillTableProgress> backfill, IReadOnlyDictionary<TableId, double> rates) => new
    {
        s.Pipeline,
        s.State,
        s.Reason,
        ConfirmedLsn = s.ConfirmedLsn.ToString(),
        ReceivedLsn = s.ReceivedLsn.ToString(),
        s.LagBytes,
        s.LagSeconds,
        s.InFlightBytes,
        s.Reconnects,
        Tables = s.Tables.Select(t => new
        {
            Table = t.Table.ToString(),
            t.RowsSent,
            t.RowsApplied,
            t.InFlightBytes,
            RowsPerSecond = Math.Round(rates.TryGetValue(t.Table, out var r) ? r : 0, 1),
        }),
        Backfill = backfill.Select(b => new
        {
            Table = b.Table.ToString(),
            b.Status,
            b.RowsCopied,
            b.EstimatedRows,
            Percent = Math.Round(StatusFormatter.Percent(b), 1),
            b.ChunksDone,
            b.ChunksTotal,
            b.ChunksTotalExact,
            b.RowsPerSecond,
            EtaSeconds = b.EstimatedTimeLeft?.TotalSeconds,
            b.Note,
        }),
    };

    private bool TryInterval(string? text, out TimeSpan interval)
    {
        var configured = options.Settings.Node.StatusInterval;
        interval = configured > TimeSpan.Zero ? configured : TimeSpan.FromSeconds(2);
        if (text is null) return true;
        var (number, scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0) : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value * scale < 0.05 || value * scale > 3600) return false;
        interval = TimeSpan.FromSeconds(value * scale);
        return true;
    }

    private async Task<CommandResult> LagAsync(CommandRequest request, ICommandOutput output, CancellationToken ct)
    {
        var list = new List<PipelineStatus>();
        foreach (var name in Selected(request)) list.Add(await StatusOrUnavailableAsync(name, ct).ConfigureAwait(false));
        if (request.Json)
            await output.WriteAsync(CommandJson.Line(new
            {
                Pipelines = list.Select(s => new
                {
                    s.Pipeline,
                    s.State,
                    s.LagBytes,
                    s.LagSeconds,
                    ConfirmedLsn = s.ConfirmedLsn.ToString(),
                    ReceivedLsn = s.ReceivedLsn.ToString(),
                }),
            }), ct).ConfigureAwait(false);
        else
            await output.WriteAsync(TextTable.Render(["PIPELINE", "STATE", "LAG", "LAG BYTES", "LAG (s)", "CONFIRMED", "RECEIVED"], list.Select(s => (IReadOnlyList<string>)
                [s.Pipeline, s.State.ToString(), StatusFormatter.Bytes(s.LagBytes), Num(s.LagBytes), Fixed(s.LagSeconds), s.ConfirmedLsn.ToString(), s.ReceivedLsn.ToString()])), ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private async Task<CommandResult> ControlAsync(CommandRequest request, string pipeline, object message, ICommandOutput output, CancellationToken ct)
    {
        var reply = await pipelines.AskAsync<PipelineControlled>(pipeline, message, ct).ConfigureAwait(false);
        if (!reply.Succeeded) return CommandResult.Fail(reply.Message);
        await output.WriteAsync(request.Json ? CommandJson.Line(new { reply.Pipeline, reply.Message }) : reply.Message + "\n", ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private async Task<CommandResult> ResnapshotAsync(CommandRequest request, string pipeline, ICommandOutput output, CancellationToken ct)
    {
        TableId table;
        try { table = TableId.Parse(request.Get("table") ?? ""); }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return CommandResult.Fail($"'{request.Get("table")}' is not a table name; give schema.table, e.g. public.orders");
        }
        var status = await pipelines.StatusAsync(pipeline, ct).ConfigureAwait(false);
        var tables = await pipelines.TablesAsync(pipeline, status, ct).ConfigureAwait(false);
        if (!tables.Contains(table))
            return CommandResult.Fail($"pipeline {pipeline} does not capture {table}; its tables: {(tables.Count == 0 ? "(none yet)" : string.Join(", ", tables))} (`cdc tables -p {pipeline}`)");
        var reply = await pipelines.AskAsync<string>(pipeline, new Resnapshot(table), ct).ConfigureAwait(false);
        if (reply.Contains("not captured", StringComparison.Ordinal)) return CommandResult.Fail(reply);
        await output.WriteAsync(request.Json ? CommandJson.Line(new { Pipeline = pipeline, Table = table.ToString(), Message = reply }) : reply + "; `cdc status -p " + pipeline + "` shows its progress\n", ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private async Task<CommandResult> ProfileAsync(CommandRequest request, string pipeline, object message, ICommandOutput output, CancellationToken ct)
    {
        var p = await pipelines.AskAsync<ProfileInForce>(pipeline, message, ct).ConfigureAwait(false);
        var profile = p.Profile.ToString().ToLowerInvariant();
        var mode = p.Mode == ProfileMode.Auto ? "auto" : "forced";
        await output.WriteAsync(request.Json
            ? CommandJson.Line(new { p.Pipeline, Profile = profile, Mode = mode })
            : $"{p.Pipeline}: profile {profile} in force ({(p.Mode == ProfileMode.Auto ? "auto: backfill while tables are copied, then steady" : "forced by an operator or the configuration")})\n", ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private Task<CommandResult> SetProfileAsync(CommandRequest request, string pipeline, ICommandOutput output, CancellationToken ct)
    {
        ProfileMode? mode = request.Get("value")?.ToLowerInvariant() switch
        {
            "backfill" => ProfileMode.Backfill,
            "steady" => ProfileMode.Steady,
            "auto" => ProfileMode.Auto,
            _ => null,
        };
        if (mode is null)
            return Task.FromResult(CommandResult.Fail($"'{request.Get("value")}' is not a profile; give -v backfill, steady or auto"));
        return ProfileAsync(request, pipeline, new SetProfileMode(mode.Value), output, ct);
    }

    private static string Num(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Fixed(double d) => d.ToString("0.0", CultureInfo.InvariantCulture);
}
