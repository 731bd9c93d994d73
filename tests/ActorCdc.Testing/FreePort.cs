using System.Net;
using System.Net.Sockets;

namespace ActorCdc.Testing;

/// <summary>
/// Hands out TCP ports on loopback that were free a moment ago, each once per process. They come from below Linux's
/// ephemeral range (32768–60999): a port taken from that range can be given to the next outgoing connection (or to
/// the next caller asking the kernel for any port) before the node that was told to listen on it binds it.
/// </summary>
public static class FreePort
{
    private const int First = 20000, Last = 32767;
    private static readonly HashSet<int> Given = new();

    public static int Next()
    {
        lock (Given)
        {
            for (var tries = 0; tries < 1000; tries++)
            {
                var port = Random.Shared.Next(First, Last + 1);
                if (Given.Contains(port) || !IsFree(port)) continue;
                Given.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"no free TCP port on loopback between {First} and {Last} after 1000 tries");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
