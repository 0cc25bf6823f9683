namespace JinDu.Benchmarks;

/// <summary>
/// The machine's speed over a while, with nothing of the platform running: <see cref="CpuCheck"/> and
/// <see cref="LoopbackCheck"/> again and again. Every
/// other command prints one check at its start; this one shows whether the machine's speed holds still, which on the
/// shared machines here it does not always do (on 2026-12-04 the same check gave 74 and 185 a minute apart).
/// </summary>
public sealed class CpuCheckCommand : IBenchmarkCommand
{
    public string Name => "cpu-check";
    public string Summary => "the machine's single-thread speed and loopback round trips, checked repeatedly with nothing else running (is it fast right now?)";
    public string Usage => """
        options:
          --checks N           how many checks (default 20)
          --interval-seconds N pause between checks (default 3)
        """;

    public async Task<int> RunAsync(Options options, CancellationToken ct)
    {
        var checks = options.Int("checks", 20, 1, 1000);
        var interval = options.Double("interval-seconds", 3, 0, 600);
        options.EnsureAllRead();
        var cpu = new List<double>();
        var loopback = new List<double>();
        for (var i = 1; i <= checks; i++)
        {
            var check = CpuCheck.ThousandsPerSecond();
            var hop = LoopbackCheck.ThousandsPerSecond();
            cpu.Add(check);
            loopback.Add(hop);
            Console.WriteLine($"  {DateTimeOffset.UtcNow:HH:mm:ss} UTC  check {i,3}: {check,6:0} k round trips/s on one thread; loopback {hop,5:0.0} k TCP round trips/s");
            if (i < checks) await Task.Delay(TimeSpan.FromSeconds(interval), ct);
        }
        Console.WriteLine($"cpu-check: {Spread(cpu, "0")} k round trips/s on one thread; loopback {Spread(loopback, "0.0")} k TCP round trips/s; over {checks} checks");
        return 0;

        static string Spread(List<double> values, string format)
        {
            values.Sort();
            return $"min {values[0].ToString(format)}, median {values[values.Count / 2].ToString(format)}, max {values[^1].ToString(format)}";
        }
    }
}
