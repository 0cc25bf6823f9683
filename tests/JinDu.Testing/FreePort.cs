using System.Net;
using System.Net.Sockets;

namespace JinDu.Testing;

/// <summary>Free TCP ports on 127.0.0.1 for tests that start their own processes on loopback.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Given = [];
    private static readonly Lock Gate = new();

    /// <summary>
    /// A port nothing listens on right now, never the same one twice in this process. Another
    /// process may still take it before you bind it: bind soon after asking.
    /// </summary>
    public static int Next()
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < 100; attempt++)
            {
                using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
                if (Given.Add(port))
                {
                    return port;
                }
            }
            throw new InvalidOperationException("no free loopback port found in 100 attempts");
        }
    }
}
