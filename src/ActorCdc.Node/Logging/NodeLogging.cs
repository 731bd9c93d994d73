using ActorCdc.Engine.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorCdc.Node.Logging;

/// <summary>The node's console log: one line per event, as text or as a JSON object (<c>actorcdc.node.log-format</c>).</summary>
public static class NodeLogging
{
    /// <summary>The console provider in the configured format; every line passes the secret masker on its way out.</summary>
    public static ILoggingBuilder AddNodeConsole(this ILoggingBuilder logging, NodeSettings node)
    {
        MaskingTextWriter.Install(); // before the console provider caches Console.Out
        logging.Services.AddHostedService<SettingsLog>();
        if (node.LogFormat == LogFormat.Json)
            logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
                o.IncludeScopes = false;
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        else
            logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        return logging;
    }
}
