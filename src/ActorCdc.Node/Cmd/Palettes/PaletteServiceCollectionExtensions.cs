using ActorCdc.Cmd.Palettes;
using ActorCdc.Node.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>Registers the palettes the node's command host serves, and the recent-log buffer <c>log peek</c> reads.</summary>
public static class PaletteServiceCollectionExtensions
{
    public static IServiceCollection AddNodePalettes(this IServiceCollection services)
    {
        // The log buffer is a logger provider: everything logged through Microsoft.Extensions.Logging (Akka included) lands there.
        services.AddSingleton<RecentLogs>();
        services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<RecentLogs>());
        services.AddSingleton<PipelineAccess>();
        services.AddSingleton<ICommandPaletteHandler, ClusterPaletteHandler>();
        services.AddSingleton<ICommandPaletteHandler, ClusterShardingPaletteHandler>();
        services.AddSingleton<ICommandPaletteHandler, CdcPaletteHandler>();
        services.AddSingleton<ICommandPaletteHandler, StatePaletteHandler>();
        services.AddSingleton<ICommandPaletteHandler, ActorPaletteHandler>();
        services.AddSingleton<ICommandPaletteHandler, LogPaletteHandler>();
        return services;
    }
}
