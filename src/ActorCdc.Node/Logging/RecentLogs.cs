using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ActorCdc.Node.Logging;

/// <summary>
/// A logger provider that keeps the node's last <see cref="Capacity"/> log lines in memory for <c>log peek</c>. Akka's
/// log reaches it too (Akka logs through Microsoft.Extensions.Logging). Bounded and thread-safe: a ring buffer under a lock.
/// </summary>
public sealed class RecentLogs : ILoggerProvider
{
    /// <summary>Lines kept; older ones are overwritten.</summary>
    public const int Capacity = 2000;

    private readonly string[] _lines;
    private readonly object _lock = new();
    private long _written;

    public RecentLogs(int capacity = Capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _lines = new string[capacity];
    }

    /// <summary>Lines logged since the node started (including those no longer kept).</summary>
    public long Written { get { lock (_lock) return _written; } }

    public void Add(string line)
    {
        lock (_lock)
        {
            _lines[_written % _lines.Length] = line;
            _written++;
        }
    }

    /// <summary>The last <paramref name="count"/> lines, oldest first.</summary>
    public IReadOnlyList<string> Last(int count)
    {
        lock (_lock)
        {
            var n = (int)Math.Min(Math.Min(count, _lines.Length), _written);
            var result = new string[Math.Max(0, n)];
            for (var i = 0; i < result.Length; i++) result[i] = _lines[(_written - n + i) % _lines.Length];
            return result;
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(RecentLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            if (exception is not null) message += " | " + exception.GetType().Name + ": " + exception.Message;
            owner.Add(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {Level(logLevel)} {category}: {message}"));
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            LogLevel.Critical => "crit",
            _ => "none",
        };
    }
}
