using System.Net.Sockets;
using ActorCdc.Core.Failures;
using MySqlConnector;

namespace ActorCdc.Sink.StarRocks.Failures;

/// <summary>Turns what reaching StarRocks can throw (HTTP, sockets, timeouts, MySQL) into transient <see cref="CdcException"/>s with what to check.</summary>
internal static class TransportFailures
{
    public static bool IsTransport(Exception e) => e is HttpRequestException or TimeoutException or IOException or SocketException or MySqlException;

    public static CdcException Transient(string pipeline, string doing, Exception e) => CdcException.Transient(
        $"Pipeline '{pipeline}': reaching StarRocks failed while {doing} ({e.Message}); it is retried — check that the FE (sink.load-url, " +
        "sink.jdbc-url) and every BE http port are reachable.", e);
}
