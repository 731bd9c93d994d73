using Microsoft.Extensions.DependencyInjection;

namespace ActorCdc.Node.Cmd;

/// <summary>Registers the command host; palettes are added by registering <c>ICommandPaletteHandler</c> singletons.</summary>
public static class CommandHostServiceCollectionExtensions
{
    public static IServiceCollection AddCommandHost(this IServiceCollection services, CmdSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton<CommandHostService>();
        services.AddHostedService(sp => sp.GetRequiredService<CommandHostService>());
        return services;
    }
}
