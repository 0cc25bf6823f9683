using System.Diagnostics;

namespace JinDu.Benchmarks;

/// <summary>
/// Where the machine's CPU went during a round, from /proc (Linux only; elsewhere <see cref="Create"/>
/// returns null): this benchmark process (the load client), each platform process it started, the
/// servers started for it (PostgreSQL, RabbitMQ, Redis: every process whose command line names their
/// folder, and their children), and the rest of the machine's busy time as "other" (kernel work for the
/// loopback network that no process is charged for, and anything else running on the machine).
/// </summary>
public sealed class CpuSampler
{
    internal const double TicksPerSecond = 100; // USER_HZ, 100 on every Linux this runs on
    private static readonly (string Dll, string Group)[] PlatformProcesses =
    [
        ("JinDu.Gateway.dll", "gateway"), ("JinDu.Screening.dll", "screening"),
        ("JinDu.Leads.dll", "leads"), ("JinDu.Cooperation.dll", "cooperation"),
    ];

    public static readonly string[] Groups = ["client", "gateway", "screening", "leads", "cooperation", "postgres", "rabbitmq", "redis", "other"];

    private readonly int _self = Environment.ProcessId;
    private readonly string? _serversDirectory;

    private CpuSampler(string? serversDirectory) => _serversDirectory = serversDirectory;

    public static CpuSampler? Create(string? serversDirectory) =>
        OperatingSystem.IsLinux() && File.Exists("/proc/stat") ? new CpuSampler(serversDirectory) : null;

    /// <param name="Unclassified">Processes in none of the groups (by pid: a short name and their ticks), so that
    /// <see cref="CpuUsage.OtherTop"/> can say what "other" was: another build or benchmark on the machine, kernel threads.</param>
    /// <param name="JitTicks">CPU of the platform processes' tiered-compilation threads by thread id (the JIT
    /// re-compiling hot methods in the background), already counted in their groups: says whether a warm-up has let the
    /// JIT settle. By thread, as the runtime ends the worker when it has nothing to do and starts another later.</param>
    public sealed record Snapshot(long Timestamp, long MachineBusy, IReadOnlyDictionary<string, long> Ticks,
        IReadOnlyDictionary<int, (string Name, long Ticks)>? Unclassified = null, IReadOnlyDictionary<int, long>? JitTicks = null);

    public Snapshot Take()
    {
        var procs = new Dictionary<int, (int Parent, string Comm, string Cmdline, long Ticks)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var (comm, parent, ticks) = ReadStat(dir);
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                procs[pid] = (parent, comm, cmdline, ticks);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we read it.
            }
        }

        var groups = Groups.ToDictionary(g => g, _ => 0L);
        var unclassified = new Dictionary<int, (string, long)>();
        var jit = new Dictionary<int, long>();
        foreach (var (pid, p) in procs)
        {
            if (GroupOf(pid, p.Parent, p.Comm, p.Cmdline, procs) is { } group)
            {
                groups[group] += p.Ticks;
                if (group is not ("client" or "postgres" or "rabbitmq" or "redis")) TieredCompilationTicks(pid, jit);
            }
            else unclassified[pid] = (ShortName(p.Comm, p.Cmdline), p.Ticks);
        }
        return new Snapshot(Stopwatch.GetTimestamp(), MachineBusyTicks(), groups, unclassified, jit);
    }

    /// <summary>The name, parent pid and CPU ticks (utime + stime) in a process's or thread's /proc stat file.</summary>
    private static (string Comm, int Parent, long Ticks) ReadStat(string directory)
    {
        var stat = File.ReadAllText(Path.Combine(directory, "stat"));
        var open = stat.IndexOf('(');
        var close = stat.LastIndexOf(')'); // the name may hold spaces and parentheses
        var fields = stat[(close + 2)..].Split(' '); // fields[0] is field 3 (state)
        return (stat[(open + 1)..close], int.Parse(fields[1]), long.Parse(fields[11]) + long.Parse(fields[12]));
    }

    /// <summary>utime + stime of the process's ".NET Tiered Compilation Worker" threads (the name is cut to 15 characters).</summary>
    private static void TieredCompilationTicks(int pid, Dictionary<int, long> ticks)
    {
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    var (comm, _, threadTicks) = ReadStat(task);
                    if (comm.StartsWith(".NET Tiered Com", StringComparison.Ordinal)) ticks[int.Parse(Path.GetFileName(task))] = threadTicks;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
                {
                    // The thread ended while we read it (the runtime stops the worker when it has nothing to do).
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended.
        }
    }

    private string? GroupOf(int pid, int parent, string comm, string cmdline,
        Dictionary<int, (int Parent, string Comm, string Cmdline, long Ticks)> procs)
    {
        if (pid == _self) return "client";
        if (parent == _self)
            foreach (var (dll, group) in PlatformProcesses)
                if (cmdline.Contains(dll, StringComparison.Ordinal)) return group;
        if (_serversDirectory is null) return null;
        // Redis rewrites its command line ("redis-server 127.0.0.1:PORT") and is daemonized away from the
        // servers' folder: it is known by the pid file up.sh gives it.
        if (pid == RedisPid()) return "redis";
        // A server process, or a child of one (PostgreSQL backends, RabbitMQ's helpers).
        for (int p = pid, depth = 0; p > 1 && depth < 6 && procs.TryGetValue(p, out var info); p = info.Parent, depth++)
        {
            if (!info.Cmdline.Contains(_serversDirectory, StringComparison.Ordinal)) continue;
            if (comm.StartsWith("postgres", StringComparison.Ordinal)) return "postgres";
            if (comm.StartsWith("redis", StringComparison.Ordinal)) return "redis";
            return "rabbitmq"; // beam.smp, erl_child_setup, inet_gethost…
        }
        return null;
    }

    /// <summary>"csc", "dotnet build tests/X", "beam.smp /tmp/…": enough to tell whose process it is.</summary>
    private static string ShortName(string comm, string cmdline)
    {
        var args = cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (args.Length == 0) return "[" + comm + "]"; // a kernel thread
        var name = Path.GetFileName(args[0]);
        if (name == "dotnet" && args.Length > 1) name += " " + string.Join(' ', args.Skip(1).Take(2).Select(a => a.Length > 40 ? "…" + a[^40..] : a));
        return name;
    }

    private int? _redisPid;

    private int? RedisPid()
    {
        if (_redisPid is null && _serversDirectory is not null)
        {
            try
            {
                if (int.TryParse(File.ReadAllText(Path.Combine(_serversDirectory, "redis", "redis.pid")).Trim(), out var pid)) _redisPid = pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not a local server set (Testcontainers or servers named by the environment): no Redis column.
            }
        }
        return _redisPid;
    }

    private static long MachineBusyTicks()
    {
        // cpu  user nice system idle iowait irq softirq steal …: busy is everything but idle and iowait.
        var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var v = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        return v.Take(8).Sum() - v[3] - v[4];
    }
}

/// <summary>CPU used during a round, in cores (1.0 = one core busy the whole round).</summary>
public sealed record CpuUsage(double Seconds, double MachineBusyCores, IReadOnlyDictionary<string, double> Cores)
{
    /// <summary>Of the platform processes' cores, those their background JIT (tiered compilation) used.</summary>
    public double JitCores { get; init; }

    /// <summary>The processes outside every group that used the most CPU (cores), by name; what is left of "other" is the kernel's.</summary>
    public IReadOnlyList<(string Name, double Cores)> OtherTop { get; init; } = [];

    /// <summary>CPU milliseconds one successful request cost in <paramref name="group"/>.</summary>
    public double MsPerRequest(string group, long requests) =>
        requests == 0 ? double.NaN : Cores.GetValueOrDefault(group) * Seconds * 1000 / requests;
}

public static class CpuSnapshotExtensions
{
    public static CpuUsage Since(this CpuSampler.Snapshot after, CpuSampler.Snapshot before)
    {
        var seconds = (after.Timestamp - before.Timestamp) / (double)Stopwatch.Frequency;
        double Cores(long ticks) => ticks / CpuSampler.TicksPerSecond / seconds;
        var cores = new Dictionary<string, double>();
        foreach (var (group, ticks) in after.Ticks)
            if (group != "other")
                cores[group] = Cores(Math.Max(0, ticks - before.Ticks.GetValueOrDefault(group)));
        var machine = Cores(after.MachineBusy - before.MachineBusy);
        cores["other"] = Math.Max(0, machine - cores.Values.Sum());
        var top = new List<(string, double)>();
        if (after.Unclassified is { } now)
        {
            var old = before.Unclassified ?? new Dictionary<int, (string, long)>();
            // A process that started during the round counts whole; one that ended is lost (its ticks went with it).
            top = now.Select(p => (p.Value.Name, Ticks: p.Value.Ticks - (old.TryGetValue(p.Key, out var o) ? o.Ticks : 0)))
                .GroupBy(p => p.Name).Select(g => (g.Key, Cores(g.Sum(p => Math.Max(0, p.Ticks)))))
                .Where(p => p.Item2 >= 0.005).OrderByDescending(p => p.Item2).Take(6).ToList();
        }
        // A worker thread that started during the round counts whole; one that ended took its last ticks with it.
        var jit = after.JitTicks?.Sum(t => Math.Max(0, t.Value - (before.JitTicks?.GetValueOrDefault(t.Key) ?? 0))) ?? 0;
        return new CpuUsage(seconds, machine, cores) { OtherTop = top, JitCores = Cores(jit) };
    }
}
