using System.Collections;
using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Logging;

namespace ActorCdc.Node.Logging;

/// <summary>
/// Akka's log into Microsoft.Extensions.Logging like Akka.Hosting's <see cref="LoggerFactoryLogger"/>, but as structured
/// events: the category is the logging class (e.g. <c>ActorCdc.Engine.Wal.WalReader</c>), the message is Akka's formatted
/// message without its own level/time/thread prefix (the console formatter adds those), and the properties carry the
/// actor path, thread, template and arguments — so <c>log-format = json</c> gives one useful object per event.
/// </summary>
public sealed class StructuredAkkaLogger : LoggerFactoryLogger
{
    private readonly ILoggerFactory _factory;
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public StructuredAkkaLogger() =>
        _factory = Context.System.Settings.Setup.Get<LoggerFactorySetup>().Value.LoggerFactory;

    protected override void Log(LogEvent log, ActorPath path)
    {
        // Messages logged with a string source (remoting, cluster daemons) carry a placeholder class.
        var category = log.LogClass is { Name: not "DummyClassForStringSources" } c ? c.FullName ?? "Akka" : "Akka";
        var logger = _loggers.GetOrAdd(category, c => _factory.CreateLogger(c));
        var level = log.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => Microsoft.Extensions.Logging.LogLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => Microsoft.Extensions.Logging.LogLevel.Information,
            Akka.Event.LogLevel.WarningLevel => Microsoft.Extensions.Logging.LogLevel.Warning,
            _ => Microsoft.Extensions.Logging.LogLevel.Error,
        };
        if (!logger.IsEnabled(level)) return;
        string message;
        try { message = log.Message?.ToString() ?? ""; }
        catch (FormatException) { message = $"(malformed log message) {(log.Message as LogMessage)?.Format}"; }
        logger.Log(level, default, new Entry(log, message), log.Cause, static (e, _) => e.Message);
    }

    /// <summary>The event's properties: actor (log source), thread, template and each argument as Arg0..ArgN.</summary>
    private sealed class Entry : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?>[] _items;

        public Entry(LogEvent log, string message)
        {
            Message = message;
            var args = log.Message is LogMessage lm ? lm.Parameters().ToArray() : [];
            _items = new KeyValuePair<string, object?>[3 + args.Length];
            _items[0] = new("Actor", log.LogSource);
            _items[1] = new("Thread", log.Thread.ManagedThreadId);
            for (var i = 0; i < args.Length; i++) _items[2 + i] = new($"Arg{i}", args[i]?.ToString());
            _items[^1] = new("{OriginalFormat}", log.Message is LogMessage m ? m.Format : message);
        }

        public string Message { get; }
        public int Count => _items.Length;
        public KeyValuePair<string, object?> this[int index] => _items[index];
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_items).GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => Message;
    }
}
