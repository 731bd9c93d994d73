using System.Threading.Channels;
using ActorCdc.Cmd.Palettes;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;
using static ActorCdc.Node.Cmd.Palettes.PaletteArguments;

namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>The <c>cluster</c> palette: members and their state, join, leave, down unreachable members, follow membership events.</summary>
public sealed class ClusterPaletteHandler(IServiceProvider services) : ICommandPaletteHandler
{
    public CommandPalette Palette { get; } = new("cluster", "cluster membership of this node's cluster",
    [
        new CommandDefinition("show", "members: address, status, roles, reachability, leader and oldest", []),
        new CommandDefinition("join", "makes this node join the cluster of the node at an address (a node not yet in a cluster)",
            [Arg("address", "-a", "a member's address, e.g. akka.tcp://actorcdc@10.0.0.1:4053", mandatory: true)]),
        new CommandDefinition("leave", "a member leaves gracefully (singletons hand over, entities hand off); default this node",
            [Arg("address", "-a", "the member's address; default this node")]),
        new CommandDefinition("down-unreachable", "downs every unreachable member, so its singletons and entities restart elsewhere", []),
        new CommandDefinition("tail", "prints membership and reachability events until cancelled", [], Streaming: true),
    ]);

    private Cluster Cluster => Cluster.Get(services.GetRequiredService<ActorSystem>());

    public Task<CommandResult> ExecuteAsync(CommandRequest request, ICommandOutput output, CancellationToken cancellation) => request.Command switch
    {
        "show" => ShowAsync(request, output, cancellation),
        "join" => JoinAsync(request, output, cancellation),
        "leave" => LeaveAsync(request, output, cancellation),
        "down-unreachable" => DownUnreachableAsync(request, output, cancellation),
        "tail" => TailAsync(request, output, cancellation),
        _ => Task.FromResult(CommandResult.Fail($"cluster has no command '{request.Command}'; commands: {string.Join(", ", Palette.Commands.Select(c => c.Name))}")),
    };

    private async Task<CommandResult> ShowAsync(CommandRequest request, ICommandOutput output, CancellationToken ct)
    {
        var cluster = Cluster;
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members.Concat(state.Unreachable.Where(u => !state.Members.Contains(u))).ToList();
        var oldest = members.Where(m => m.Status is MemberStatus.Up or MemberStatus.Leaving)
            .Aggregate((Member?)null, (o, m) => o is null || m.IsOlderThan(o) ? m : o);
        var rows = members.Select(m => new
        {
            Address = m.Address.ToString(),
            Status = m.Status.ToString(),
            Roles = m.Roles.OrderBy(r => r, StringComparer.Ordinal).ToList(),
            Reachable = !unreachable.Contains(m.Address),
            Leader = m.Address.Equals(state.Leader),
            Oldest = oldest is not null && m.Address.Equals(oldest.Address),
            Self = m.Address.Equals(cluster.SelfAddress),
        }).ToList();
        if (request.Json)
        {
            await output.WriteAsync(CommandJson.Line(new { Self = cluster.SelfAddress.ToString(), Leader = state.Leader?.ToString(), Members = rows }), ct).ConfigureAwait(false);
            return CommandResult.Ok;
        }
        var table = TextTable.Render(["ADDRESS", "STATUS", "ROLES", "REACHABLE", "MARKS"], rows.Select(r => (IReadOnlyList<string>)
        [
            r.Address, r.Status, r.Roles.Count == 0 ? "-" : string.Join(",", r.Roles), r.Reachable ? "yes" : "NO",
            string.Join(" ", new[] { r.Leader ? "leader" : null, r.Oldest ? "oldest" : null, r.Self ? "self" : null }.Where(x => x is not null)),
        ]));
        await output.WriteAsync(table, ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private async Task<CommandResult> JoinAsync(CommandRequest request, ICommandOutput output, CancellationToken ct)
    {
        if (!TryAddress(request.Get("address"), out var address, out var error)) return CommandResult.Fail(error!);
        var cluster = Cluster;
        var self = cluster.SelfMember;
        if (self.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining)
        {
            if (cluster.State.Members.Any(m => m.Address.Equals(address)))
            {
                await output.WriteAsync($"{address} is already a member of this node's cluster; nothing to do\n", ct).ConfigureAwait(false);
                return CommandResult.Ok;
            }
            return CommandResult.Fail($"this node ({cluster.SelfAddress}) is already {self.Status} in a cluster and cannot join another; " +
                                      $"run `cluster join` on a node that has not joined one, or make {address} leave its cluster and join this one");
        }
        cluster.Join(address);
        await output.WriteAsync($"joining {address}; `cluster show` follows the membership\n", ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private async Task<CommandResult> LeaveAsync(CommandRequest request, ICommandOutput output, CancellationToken ct)
    {
        var cluster = Cluster;
        var address = cluster.SelfAddress;
        if (request.Get("address") is { } text && !TryAddress(text, out address, out var error)) return CommandResult.Fail(error!);
        if (!cluster.State.Members.Any(m => m.Address.Equals(address)))
            return CommandResult.Fail($"{address} is not a member of this cluster; `cluster show` lists the members");
        cluster.Leave(address);
        var message = address.Equals(cluster.SelfAddress)
            ? $"this node ({address}) is leaving the cluster: its singletons hand over and its entities hand off, then it shuts down\n"
            : $"{address} is leaving the cluster: its singletons hand over and its entities hand off, then it shuts down\n";
        await output.WriteAsync(message, ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private async Task<CommandResult> DownUnreachableAsync(CommandRequest request, ICommandOutput output, CancellationToken ct)
    {
        var cluster = Cluster;
        var downed = cluster.State.Unreachable.Select(m => m.Address).ToList();
        foreach (var a in downed) cluster.Down(a);
        if (request.Json) await output.WriteAsync(CommandJson.Line(new { Downed = downed.Select(a => a.ToString()) }), ct).ConfigureAwait(false);
        else if (downed.Count == 0) await output.WriteAsync("no unreachable members; nothing downed\n", ct).ConfigureAwait(false);
        else
            await output.WriteAsync(string.Concat(downed.Select(a => $"downed {a}: its singletons and entities restart on the remaining nodes\n")), ct).ConfigureAwait(false);
        return CommandResult.Ok;
    }

    private async Task<CommandResult> TailAsync(CommandRequest request, ICommandOutput output, CancellationToken ct)
    {
        var system = services.GetRequiredService<ActorSystem>();
        var channel = Channel.CreateUnbounded<ClusterEvent.IClusterDomainEvent>(new UnboundedChannelOptions { SingleReader = true });
        var listener = system.ActorOf(ClusterEventListener.Props(channel.Writer));
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var (kind, address, status) = Describe(e);
                var text = request.Json
                    ? CommandJson.Line(new { Time = DateTime.UtcNow, Event = kind, Address = address, Status = status })
                    : $"{DateTime.Now:HH:mm:ss} {kind,-18} {address}{(status is null ? "" : " " + status)}\n";
                await output.WriteAsync(text, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            system.Stop(listener);
        }
        return CommandResult.Ok;
    }

    /// <summary>Event name, address and member status of a cluster event.</summary>
    public static (string Kind, string? Address, string? Status) Describe(ClusterEvent.IClusterDomainEvent e) => e switch
    {
        ClusterEvent.LeaderChanged l => ("LeaderChanged", l.Leader?.ToString(), null),
        ClusterEvent.UnreachableMember u => ("Unreachable", u.Member.Address.ToString(), u.Member.Status.ToString()),
        ClusterEvent.ReachableMember r => ("Reachable", r.Member.Address.ToString(), r.Member.Status.ToString()),
        ClusterEvent.MemberStatusChange m => (m.GetType().Name, m.Member.Address.ToString(), m.Member.Status.ToString()),
        _ => (e.GetType().Name, null, null),
    };

    private static bool TryAddress(string? text, out Address address, out string? error)
    {
        address = Address.AllSystems;
        error = null;
        if (text is not null && text.Contains("://", StringComparison.Ordinal))
        {
            try
            {
                address = Address.Parse(text);
                if (address.Host is not null && address.Port is not null) return true;
            }
            catch (UriFormatException) { }
            catch (ArgumentException) { }
        }
        error = $"'{text}' is not a node address; give one such as akka.tcp://actorcdc@10.0.0.1:4053 (`cluster show` lists them)";
        return false;
    }
}
