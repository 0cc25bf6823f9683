using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace JinDu.Benchmarks;

/// <summary>
/// How fast this machine passes a small message to another thread over loopback TCP and back: what every hop of the
/// platform pays (HTTP, AMQP, the PostgreSQL and Redis protocols), in system calls, wake-ups and context switches rather
/// than in computing, which <see cref="CpuCheck"/> does not see: on 2026-12-04 that check stood at its faster level
/// through runs that could not keep up, while `perf bench sched pipe` took 17.5 µs a round trip (two wake-ups) and a
/// bare system call 0.44 µs.
/// </summary>
public static class LoopbackCheck
{
    /// <summary>Round trips a second (thousands) of 64 bytes between two threads, the best of five 200 ms windows after a 1 s warm-up.</summary>
    public static double ThousandsPerSecond()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect((IPEndPoint)listener.LocalEndpoint);
        using var server = listener.AcceptSocket();
        server.NoDelay = true;
        // The echo side: a thread of its own, blocking reads, as a server's connection waits for the next request.
        using var serverStream = new NetworkStream(server);
        using var clientStream = new NetworkStream(client);
        var echo = new Thread(() =>
        {
            var buffer = new byte[64];
            try
            {
                while (true)
                {
                    serverStream.ReadExactly(buffer);
                    serverStream.Write(buffer);
                }
            }
            catch (Exception ex) when (ex is EndOfStreamException or IOException or ObjectDisposedException) { } // the client hung up
        }) { IsBackground = true, Name = "loopback-check echo" };
        echo.Start();

        var message = new byte[64];
        var answer = new byte[64];
        int Run(TimeSpan length)
        {
            var watch = Stopwatch.StartNew();
            var count = 0;
            while (watch.Elapsed < length)
            {
                clientStream.Write(message);
                clientStream.ReadExactly(answer);
                count++;
            }
            return count;
        }
        Run(TimeSpan.FromSeconds(1));
        var window = TimeSpan.FromMilliseconds(200);
        var best = Enumerable.Range(0, 5).Max(_ => Run(window));
        client.Shutdown(SocketShutdown.Both);
        echo.Join(TimeSpan.FromSeconds(2));
        return best / window.TotalSeconds / 1000;
    }
}
