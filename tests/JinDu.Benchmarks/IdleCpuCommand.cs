using System.Diagnostics;
using JinDu.Testing;

namespace JinDu.Benchmarks;

/// <summary>
/// The platform at rest: CPU each process uses while nobody calls it. What it uses here it takes from
/// every load benchmark on the same cores; on 2 cores a few percent idle is already visible.
/// </summary>
public sealed class IdleCpuCommand : IBenchmarkCommand
{
    public string Name => "idle-cpu";
    public string Summary => "CPU each platform process uses at rest, no load (a noise floor for the other commands)";
    public string Usage => """
        options:
          --settle-seconds N   wait after start-up before measuring, for start-up work to finish (default 10)
          --seconds N          length of each measured interval (default 10)
          --rounds N           measured intervals (default 3)
        """;

    public async Task<int> RunAsync(Options options, CancellationToken ct)
    {
        var settle = options.Double("settle-seconds", 10, 0, 300);
        var seconds = options.Double("seconds", 10, 1, 300);
        var rounds = options.Int("rounds", 3, 1, 30);
        options.EnsureAllRead();

        var machine = MachineDescription.Current();
        Console.WriteLine($"idle-cpu: {machine.Summary}");
        var platform = new DistributedPlatform { LogLevel = "Warning" };
        var clock = Stopwatch.StartNew();
        try
        {
            await platform.InitializeAsync().WaitAsync(ct);
            Console.WriteLine($"  up in {clock.Elapsed.TotalSeconds:0.0} s; settling {settle:0.#} s");
            var cpu = CpuSampler.Create(platform.Servers.ServersDirectory)
                      ?? throw new InvalidOperationException("idle-cpu reads /proc: Linux only");
            await Task.Delay(TimeSpan.FromSeconds(settle), ct);
            for (var i = 1; i <= rounds; i++)
            {
                var before = cpu.Take();
                await Task.Delay(TimeSpan.FromSeconds(seconds), ct);
                var usage = cpu.Take().Since(before);
                Console.WriteLine($"  interval {i}: machine {usage.MachineBusyCores:0.000} cores busy; " +
                                  string.Join(", ", CpuSampler.Groups.Select(g => $"{g} {usage.Cores.GetValueOrDefault(g):0.000}")));
            }
            return 0;
        }
        finally
        {
            await platform.DisposeAsync();
        }
    }
}
