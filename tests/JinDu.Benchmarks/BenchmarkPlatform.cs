using System.Diagnostics;
using JinDu.Testing;

namespace JinDu.Benchmarks;

/// <summary>
/// What every benchmark command does around its measurement: warn about a Debug build or a busy
/// machine, start the distributed platform (quiet logs), measure, show the processes' logs when
/// something fails, and always stop everything it started.
/// </summary>
public static class BenchmarkPlatform
{
    public static async Task<int> RunAsync(string command, MachineDescription machine,
        Func<DistributedPlatform, double, Task<int>> measure, CancellationToken ct)
    {
        if (machine.Configuration != "Release")
            Console.WriteLine("  !! not a Release build: the services run from their Debug output. Use dotnet run -c Release.");
        if (machine.LoadAverage is > 0.5)
            Console.WriteLine($"  !! load average {machine.LoadAverage:0.00} before the start: something else is using the CPU, the figures will be noisy.");

        var clock = Stopwatch.StartNew();
        var platform = new DistributedPlatform { LogLevel = "Warning" };
        Console.WriteLine("starting PostgreSQL, RabbitMQ, Redis, the gateway and the three services…");
        try
        {
            await platform.InitializeAsync().WaitAsync(ct);
            var startSeconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"  up in {startSeconds:0.0} s: gateway {platform.GatewayUrl} (gRPC {platform.GatewayGrpcUrl}), screening {platform.ScreeningUrl}");
            return await measure(platform, startSeconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Console.Error.WriteLine($"{command} failed: {ex}");
            if (platform.Processes.Count > 0) Console.Error.WriteLine(platform.Logs());
            Console.Error.WriteLine($"(process logs in {platform.LogDirectory})");
            return 1;
        }
        finally
        {
            Console.WriteLine("stopping the platform…");
            await platform.DisposeAsync();
            Console.WriteLine($"done in {clock.Elapsed.TotalSeconds:0} s.");
        }
    }
}
