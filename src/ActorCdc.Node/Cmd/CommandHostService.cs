using System.Net.Sockets;
using ActorCdc.Cmd.Hosting;
using ActorCdc.Cmd.Palettes;
using ActorCdc.Engine.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorCdc.Node.Cmd;

/// <summary>
/// Runs the node's <see cref="CommandHost"/> with every <see cref="ICommandPaletteHandler"/> registered in DI. The
/// handlers are resolved when the service starts, after the actor system (registered before this service) is up,
/// so a handler may take the ActorSystem or the ActorRegistry in its constructor.
/// </summary>
public sealed class CommandHostService(CmdSettings settings, IServiceProvider services, ILogger<CommandHostService> logger) : IHostedService, IAsyncDisposable
{
    private CommandHost? _host;

    /// <summary>Where the host listens once started (the chosen port when actorcdc.cmd.port = 0).</summary>
    public System.Net.IPEndPoint? BoundEndPoint => _host?.BoundEndPoint;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Enabled)
        {
            logger.LogInformation("command host disabled (actorcdc.cmd.enabled = off)");
            return;
        }
        var handlers = services.GetServices<ICommandPaletteHandler>().ToList();
        var host = new CommandHost(settings.ToHostSettings(), handlers, Describe(), logger);
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CommandHostSettingsException e)
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw new SettingsException($"actorcdc.cmd.{e.Setting}", e.Value, e.Expected);
        }
        catch (SocketException e)
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw new SettingsException("actorcdc.cmd.port", settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"a port free on {settings.Host} ({e.Message}; each node on a machine needs its own actorcdc.cmd.port, or 0 for any)");
        }
        _host = host;
        var palettes = host.Palettes.Count == 0 ? "none" : string.Join(", ", host.Palettes.Select(p => p.Name));
        logger.LogInformation("command host listening on {EndPoint} (palettes: {Palettes})", host.BoundEndPoint, palettes);
    }

    private string Describe() =>
        services.GetService<NodeOptions>()?.Settings.Node is { } node
            ? $"{node.SystemName}@{node.Hostname}:{node.Port}"
            : Environment.MachineName;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_host is { } host) await host.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is { } host) await host.DisposeAsync().ConfigureAwait(false);
    }
}
