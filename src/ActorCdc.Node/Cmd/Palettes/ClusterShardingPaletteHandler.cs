using System.Globalization;
using ActorCdc.Cmd.Palettes;
using ActorCdc.Engine.Pipelines;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Microsoft.Extensions.DependencyInjection;
using static ActorCdc.Node.Cmd.Palettes.PaletteArguments;

namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>The <c>cluster-sharding</c> palette: shard regions, shards and entities per node and per shard.</summary>
public sealed class ClusterShardingPaletteHandler(IServiceProvider services) : ICommandPaletteHandler
{
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(5);

    public CommandPalette Palette { get; } = new("cluster-sharding", "shard regions, shards and entities",
    [
        new CommandDefinition("regions", "the shard regions (entity types) started on this node, with their local shards and entities", []),
        new CommandDefinition("region-stats", "per node: shards and entities of a region",
            [Arg("region", "-r", "the entity type", defaultValue: PipelineHost.TableRegion)]),
        new CommandDefinition("shard-stats", "per shard: the node holding it and its entity count",
            [Arg("region", "-r", "the entity type", defaultValue: PipelineHost.TableRegion)]),
    ]);

    private ClusterSharding Sharding => ClusterSharding.Get(services.GetRequiredService<ActorSystem>());

    public Task<CommandResult> ExecuteAsync(CommandRequest request, ICommandOutput output, CancellationToken cancellation) => request.Command switch
    {
        "regions" => RegionsAsync(request, output, cancellation),
        "region-stats" => RegionStatsAsync(request, output, cancellation),
        "shard-stats" => ShardStatsAsync(request, output, cancellation),
        _ => Task.FromResult(CommandResult.Fail($"cluster-sharding has no command '{request.Command}'; commands: {string.Join(", ", Palette.Commands.Select(c => c.Name))}")),
    };

    private async Task<CommandResult> RegionsAsync(CommandRequest request, ICommandOutput output, CancellationToken ct)
    {
        var sharding = Sharding;
        var rows = new List<(string Type, int Shards, int Entities)>();
        foreach (var type in sharding.ShardTypeNames.OrderBy(t => t, StringComparer.Ordinal))
        {
            var state = await sharding.ShardRegion(type).Ask<CurrentShardRegionState>(GetShardRegionState.Instance, StatsTimeout, ct).ConfigureAwait(false);
            rows.Add((type, state.Shards.Count, state.Shards.Sum(s => s.EntityIds.Count)));
        }
        if (request.Json)
            await output.WriteAsync(CommandJson.Line(new { Regions = rows.Select(r => new { r.Type, LocalShards = r.Shards, LocalEntities = r.Entities }) }), ct).ConfigureAwait(false);
        else
            await output.WriteAsync(TextTable.Render(["REGION", "LOCAL SHARDS", "LOCAL ENTITIES"],
                rows.Select(r => (IReadOnlyList<string>)[r.Type, Num(r.Shards), Num(r.Entities)])), ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private async Task<CommandResult> RegionStatsAsync(CommandRequest request, ICommandOutput output, CancellationToken ct)
    {
        var (stats, error) = await StatsAsync(request, ct).ConfigureAwait(false);
        if (stats is null) return CommandResult.Fail(error!);
        var rows = stats.Regions.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal).Select(r => new
        {
            Address = r.Key.ToString(),
            Shards = r.Value.Stats.Count,
            Entities = r.Value.Stats.Values.Sum(),
            FailedShards = r.Value.Failed.OrderBy(s => s, StringComparer.Ordinal).ToList(),
        }).ToList();
        if (request.Json)
            await output.WriteAsync(CommandJson.Line(new { Region = request.Get("region"), Nodes = rows }), ct).ConfigureAwait(false);
        else
            await output.WriteAsync(TextTable.Render(["NODE", "SHARDS", "ENTITIES", "UNANSWERED SHARDS"],
                rows.Select(r => (IReadOnlyList<string>)[r.Address, Num(r.Shards), Num(r.Entities), r.FailedShards.Count == 0 ? "-" : string.Join(",", r.FailedShards)])), ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private async Task<CommandResult> ShardStatsAsync(CommandRequest request, ICommandOutput output, CancellationToken ct)
    {
        var (stats, error) = await StatsAsync(request, ct).ConfigureAwait(false);
        if (stats is null) return CommandResult.Fail(error!);
        var rows = stats.Regions
            .SelectMany(r => r.Value.Stats.Select(s => new { Shard = s.Key, Node = r.Key.ToString(), Entities = s.Value }))
            .OrderBy(s => int.TryParse(s.Shard, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue)
            .ThenBy(s => s.Shard, StringComparer.Ordinal)
            .ToList();
        if (request.Json)
            await output.WriteAsync(CommandJson.Line(new { Region = request.Get("region"), Shards = rows }), ct).ConfigureAwait(false);
        else
            await output.WriteAsync(TextTable.Render(["SHARD", "NODE", "ENTITIES"], rows.Select(r => (IReadOnlyList<string>)[r.Shard, r.Node, Num(r.Entities)])), ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private async Task<(ClusterShardingStats? Stats, string? Error)> StatsAsync(CommandRequest request, CancellationToken ct)
    {
        var type = request.Get("region") ?? PipelineHost.TableRegion;
        var sharding = Sharding;
        if (!sharding.ShardTypeNames.Contains(type))
            return (null, $"no shard region '{type}' on this node; regions: {string.Join(", ", sharding.ShardTypeNames.OrderBy(t => t, StringComparer.Ordinal))}");
        var stats = await sharding.ShardRegion(type).Ask<ClusterShardingStats>(new GetClusterShardingStats(StatsTimeout), StatsTimeout + TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
        return (stats, null);
    }

    private static string Num(int n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
