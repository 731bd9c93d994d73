using System.Net;
using System.Net.Sockets;

namespace ActorCdc.Testing;

/// <summary>Hands out TCP ports on loopback that were free a moment ago.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
