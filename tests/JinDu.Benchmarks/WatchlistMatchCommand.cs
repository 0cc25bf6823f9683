using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using JinDu.BuildingBlocks.Caching;
using JinDu.Testing;
using StackExchange.Redis;

namespace JinDu.Benchmarks;

/// <summary>
/// Issue 4 "MatchIdentifiers latency with 1,000,000 active tokens, in memory and Redis". The tokens are written
/// straight into Redis in <see cref="WatchlistCache"/>'s layout (pipelined, before anything is timed): that is the
/// index Leads answers from in the distributed mode. Then, per call shape (an inspection post's 3 tokens, a courier
/// batch's 6,000), closed loops of a few workers against: Leads' gRPC MatchIdentifiers (Redis index); the raw Redis
/// round trip of the same lookup (<see cref="WatchlistCache.MatchAsync"/>) from this process, the baseline; and the
/// in-memory index (standalone mode only) called in this process over the same entries.
/// </summary>
public sealed class WatchlistMatchCommand : IBenchmarkCommand
{
    public string Name => "watchlist-match";
    public string Summary => "Leads' gRPC MatchIdentifiers p50/p99 with 1,000,000 watchlist tokens vs. the raw Redis lookup, and the in-memory index";
    public string Usage => """
        options:
          --tokens N           active tokens put on the watchlist in Redis and in the in-memory index (default 1000000)
          --seconds N          length of each measured round (default 15)
          --warmup-seconds N   every path once per shape before the rounds, not counted (default 3)
          --workers N          closed-loop workers, each waiting for its answer before the next call (default 4)
          --batch-tokens N     tokens per call of the courier batch shape (default 6000; 0 leaves it out)
          --hit-percent N      share of 3-token calls holding one watchlisted token (default 10)
          --via-gateway 0|1    call MatchIdentifiers through the gateway's gRPC listener instead of Leads' own (default 0)
          --seed N             seed of the tokens and calls (default 42)
          --results FILE       markdown file the run is appended to
                               (default tests/JinDu.Benchmarks/results/watchlist-match.md)
        """;

    private const int TokenLength = 43; // base64url of an HMAC-SHA256 without padding, like PersonalDataProtector.Token
    private static readonly string[] Agencies = ["522722", "522726", "522701"];

    public sealed record Parameters(int Tokens, double Seconds, double WarmupSeconds, int Workers, int BatchTokens, double HitPercent, bool ViaGateway, int Seed);

    public async Task<int> RunAsync(Options options, CancellationToken ct)
    {
        var p = new Parameters(
            Tokens: options.Int("tokens", 1_000_000, 1_000, 10_000_000),
            Seconds: options.Double("seconds", 15, 1, 600),
            WarmupSeconds: options.Double("warmup-seconds", 3, 0, 60),
            Workers: options.Int("workers", 4, 1, 64),
            BatchTokens: options.Int("batch-tokens", 6_000, 0, 10_000),
            HitPercent: options.Double("hit-percent", 10, 0, 100),
            ViaGateway: options.Int("via-gateway", 0, 0, 1) == 1,
            Seed: options.Int("seed", 42, 0, int.MaxValue));
        var resultsFile = options.String("results")
                          ?? Path.Combine(ServiceProcess.RepoRoot(), "tests", "JinDu.Benchmarks", "results", "watchlist-match.md");
        options.EnsureAllRead();

        var machine = MachineDescription.Current();
        Console.WriteLine($"watchlist-match: {machine.Summary}");
        Console.WriteLine($"  {p.Tokens:N0} watchlist tokens; {p.Workers} workers, {p.Seconds:0} s per round; shapes: 3 tokens ({p.HitPercent:0}% of calls with a hit)" +
                          (p.BatchTokens > 0 ? $", {p.BatchTokens:N0} tokens (0.1% hits)" : ""));
        return await BenchmarkPlatform.RunAsync(Name, machine, (platform, _) => MeasureAsync(platform, p, machine, resultsFile, ct), ct);
    }

    private static async Task<int> MeasureAsync(DistributedPlatform platform, Parameters p, MachineDescription machine, string resultsFile, CancellationToken ct)
    {
        var cpu = CpuSampler.Create(platform.Servers.ServersDirectory);
        var random = new Random(p.Seed);
        var entries = new WatchlistCache.Entry[p.Tokens];
        for (var i = 0; i < entries.Length; i++)
            entries[i] = new WatchlistCache.Entry(RandomToken(random), $"XS-{Agencies[i % 3]}-20261125-{i:X6}", Agencies[i % 3], 1 + i % 5);

        // 1. Redis, in the layout Leads writes and Screening reads, in pipelined batches: load time is not what is measured.
        // Admin mode for INFO only: the Redis server is the one this run started.
        var redisOptions = ConfigurationOptions.Parse(platform.Servers.RedisConfiguration);
        redisOptions.AllowAdmin = true;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisOptions);
        var db = redis.GetDatabase();
        var loading = Stopwatch.StartNew();
        const int loadBatch = 10_000;
        for (var from = 0; from < entries.Length; from += loadBatch)
        {
            var batch = db.CreateBatch();
            var writes = new List<Task>(2 * loadBatch);
            for (var i = from; i < Math.Min(entries.Length, from + loadBatch); i++) writes.AddRange(WatchlistCache.Add(batch, entries[i]));
            batch.Execute();
            await Task.WhenAll(writes);
        }
        var members = await db.SetLengthAsync(WatchlistCache.Members);
        var info = (await db.ExecuteAsync("INFO", "memory")).ToString();
        var usedMemory = info.Split('\n').FirstOrDefault(l => l.StartsWith("used_memory_human:", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?";
        var loadSeconds = loading.Elapsed.TotalSeconds;
        // CpuSampler's redis group read 0 for this Redis while it was busy (Redis rewrites its process title, which
        // then no longer names the servers' folder CpuSampler looks for): its CPU is read from /proc by the process
        // id Redis reports itself.
        var serverInfo = (await db.ExecuteAsync("INFO", "server")).ToString();
        var redisPid = serverInfo.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("process_id:", StringComparison.Ordinal)) is { } pidLine
            ? int.Parse(pidLine["process_id:".Length..], CultureInfo.InvariantCulture) : 0;
        Func<long>? redisTicks = redisPid > 0 && File.Exists($"/proc/{redisPid}/stat") ? () => ProcessTicks(redisPid) : null;
        Console.WriteLine($"  Redis: {entries.Length:N0} entries written in {loadSeconds:0.0} s; the member set holds {members:N0} tokens; used memory {usedMemory}");

        // The in-memory index (standalone mode), built from the same entries.
        var memory = new InMemoryIndex();
        foreach (var e in entries) memory.Add(e);
        var gcMb = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0;

        // 2. The gRPC client: Leads' own listener, or the gateway's.
        var leadsGrpc = p.ViaGateway ? null : LeadsGrpcUrl();
        var target = leadsGrpc ?? platform.GatewayGrpcUrl;
        var path = leadsGrpc is null ? "gRPC via gateway → Leads" : "gRPC to Leads";
        if (!p.ViaGateway && leadsGrpc is null) Console.WriteLine("  !! Leads' gRPC address not found in /proc: calling through the gateway");
        var token = await platform.Platform().TokenAsync("officer.522722");
        using var channel = GrpcChannel.ForAddress(target, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan, UseProxy = false, EnableMultipleHttp2Connections = true },
        });
        var invoker = channel.CreateCallInvoker();
        var headers = new Metadata { { "authorization", "Bearer " + token } };

        // Sanity: a watchlisted token answers with its entry on every path, a fresh one with nothing.
        var probe = entries[entries.Length / 2];
        var grpcProbe = (await invoker.AsyncUnaryCall(MatchMethod, null, new CallOptions(headers, cancellationToken: ct), Request([probe.Token, RandomToken(random)]))).Count;
        var redisProbe = await WatchlistCache.MatchAsync(db, [probe.Token, RandomToken(random)]);
        if (grpcProbe != 1 || redisProbe.Count != 1 || memory.Match([probe.Token]) != 1)
            throw new InvalidOperationException($"the probe token should match once on every path: gRPC {grpcProbe}, Redis {redisProbe.Count}, in memory {memory.Match([probe.Token])}");

        var shapes = new List<Shape> { Shape.Make("inspection post, 3 tokens", 3, 4_096, p.HitPercent / 100, 1, entries, random) };
        if (p.BatchTokens > 0)
            shapes.Add(Shape.Make($"courier batch, {p.BatchTokens:N0} tokens", p.BatchTokens, 32, 1, Math.Max(1, p.BatchTokens / 1000), entries, random));

        var rounds = new List<(Shape Shape, LoopResult Grpc, LoopResult Redis, LoopResult Memory)>();
        foreach (var shape in shapes)
        {
            var grpcCall = new Func<long, Task<int>>(async n =>
                (await invoker.AsyncUnaryCall(MatchMethod, null, new CallOptions(headers, cancellationToken: ct), shape.Requests[n % shape.Requests.Length])).Count);
            var redisCall = new Func<long, Task<int>>(async n => (await WatchlistCache.MatchAsync(db, shape.Calls[n % shape.Calls.Length])).Count);
            var memoryCall = new Func<long, Task<int>>(n => Task.FromResult(memory.Match(shape.Calls[n % shape.Calls.Length])));
            if (p.WarmupSeconds > 0)
                foreach (var call in new[] { grpcCall, redisCall, memoryCall })
                    await LoopAsync(p.Workers, TimeSpan.FromSeconds(p.WarmupSeconds), call, null, null, ct);
            var grpc = await LoopAsync(p.Workers, TimeSpan.FromSeconds(p.Seconds), grpcCall, cpu, redisTicks, ct);
            Console.WriteLine($"  {shape.Name}: {path,-28} {grpc.Line}");
            var raw = await LoopAsync(p.Workers, TimeSpan.FromSeconds(p.Seconds), redisCall, cpu, redisTicks, ct);
            Console.WriteLine($"  {shape.Name}: {"raw Redis (baseline)",-28} {raw.Line}");
            var mem = await LoopAsync(p.Workers, TimeSpan.FromSeconds(p.Seconds), memoryCall, cpu, redisTicks, ct);
            Console.WriteLine($"  {shape.Name}: {"in-memory index, in process",-28} {mem.Line}");
            rounds.Add((shape, grpc, raw, mem));
        }

        var result = new Result(p, machine, path, loadSeconds, members, usedMemory, gcMb, rounds);
        Console.WriteLine();
        Console.Write(result.Text());
        result.Append(resultsFile);
        Console.WriteLine($"results appended to {resultsFile}");
        return result.Clean ? 0 : 1;
    }

    private static long ProcessTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime + stime
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string RandomToken(Random random)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return string.Create(TokenLength, random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[r.Next(64)];
        });
    }

    /// <summary>
    /// Leads' gRPC listener, from the environment DistributedPlatform gave the Leads process (it only publishes
    /// Leads' HTTP address). Null when not found: the caller goes through the gateway instead.
    /// </summary>
    private static string? LeadsGrpcUrl()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (!File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("JinDu.Leads.dll", StringComparison.Ordinal)) continue;
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (parent != Environment.ProcessId) continue;
                foreach (var variable in File.ReadAllText(Path.Combine(dir, "environ")).Split('\0'))
                    if (variable.StartsWith("Kestrel__Endpoints__Grpc__Url=", StringComparison.Ordinal)) return variable[(variable.IndexOf('=') + 1)..];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // Not ours, or it ended while we read it.
            }
        }
        return null;
    }

    // MatchIdentifiers without compiling watchlist.proto into this project: the request is serialized once
    // beforehand (field 1, repeated string), so neither side pays for building it while measured, and the
    // answer is read only as far as counting its matches (field 1, repeated message).
    private static readonly Method<byte[], Matches> MatchMethod = new(MethodType.Unary, "jindu.leads.v1.Watchlist", "MatchIdentifiers",
        Marshallers.Create<byte[]>(b => b, b => b),
        Marshallers.Create<Matches>(_ => throw new NotSupportedException(), CountMatches));

    private sealed record Matches(int Count);

    private static byte[] Request(IReadOnlyList<string> tokens)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var t in tokens)
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteString(t);
        }
        output.Flush();
        return buffer.ToArray();
    }

    private static Matches CountMatches(byte[] response)
    {
        var input = new CodedInputStream(response);
        var count = 0;
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1) count++;
            input.SkipLastField();
        }
        return new Matches(count);
    }

    /// <summary>
    /// The index Leads uses in the standalone mode (InMemoryWatchlistIndex: a concurrent dictionary by token of
    /// concurrent dictionaries by lead reference, ordinal keys), rebuilt here from its source because the benchmark
    /// does not load the Leads assembly.
    /// </summary>
    private sealed class InMemoryIndex
    {
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, WatchlistCache.Entry>> _byToken = new(StringComparer.Ordinal);

        public void Add(WatchlistCache.Entry e) =>
            _byToken.GetOrAdd(e.Token, _ => new ConcurrentDictionary<string, WatchlistCache.Entry>(StringComparer.Ordinal))[e.LeadReference] = e;

        public int Match(IReadOnlyList<string> tokens)
        {
            var hits = new List<WatchlistCache.Entry>();
            foreach (var t in tokens)
                if (_byToken.TryGetValue(t, out var leads)) hits.AddRange(leads.Values);
            return hits.Count;
        }
    }

    /// <summary>Pre-made calls of one shape: the token lists (Redis, in memory) and the same lists serialized for gRPC.</summary>
    private sealed record Shape(string Name, int TokensPerCall, string[][] Calls, byte[][] Requests, long ExpectedHitsPerCycle)
    {
        /// <param name="hitShare">share of calls holding watchlisted tokens</param>
        /// <param name="hitsPerCall">watchlisted tokens in such a call</param>
        public static Shape Make(string name, int tokensPerCall, int distinctCalls, double hitShare, int hitsPerCall, WatchlistCache.Entry[] entries, Random random)
        {
            var calls = new string[distinctCalls][];
            long hits = 0;
            for (var c = 0; c < distinctCalls; c++)
            {
                var tokens = new string[tokensPerCall];
                for (var i = 0; i < tokensPerCall; i++) tokens[i] = RandomToken(random);
                // Spread evenly: call c holds hits when the running share crosses a whole number.
                if (Math.Floor(c * hitShare) != Math.Floor((c + 1) * hitShare))
                    for (var h = 0; h < Math.Min(hitsPerCall, tokensPerCall); h++, hits++)
                        tokens[random.Next(tokensPerCall)] = entries[random.Next(entries.Length)].Token;
                calls[c] = tokens;
            }
            return new Shape(name, tokensPerCall, calls, calls.Select(Request).ToArray(), hits);
        }
    }

    public sealed record LoopResult(double Seconds, long Calls, long Errors, long Hits, string? ErrorSample, double P50Ms, double P99Ms, double MaxMs, CpuUsage? Cpu, double? RedisCores)
    {
        public double CallsPerSecond => Calls / Seconds;
        public double CpuUsPerCall(string group) =>
            Calls == 0 ? double.NaN
            : group == "redis" && RedisCores is { } redis ? redis * Seconds * 1e6 / Calls
            : Cpu is null ? double.NaN : Cpu.Cores.GetValueOrDefault(group) * Cpu.Seconds * 1e6 / Calls;
        public string Line => $"p50 {P50Ms * 1000,8:0.0} µs  p99 {P99Ms * 1000,8:0.0} µs  max {MaxMs * 1000,8:0} µs  {CallsPerSecond,8:0} calls/s" +
                              (Errors > 0 ? $"  !! {Errors} errors: {ErrorSample}" : "");
    }

    /// <summary>
    /// A closed loop like <see cref="ClosedLoop"/> for any call (that one sends HTTP requests): each worker calls,
    /// waits for the answer and calls again until the time is up; latencies of successful calls in Stopwatch ticks.
    /// </summary>
    private static async Task<LoopResult> LoopAsync(int workers, TimeSpan duration, Func<long, Task<int>> call, CpuSampler? cpu, Func<long>? redisTicks, CancellationToken ct)
    {
        var redisBefore = redisTicks?.Invoke() ?? 0;
        long issued = 0, errors = 0, hits = 0;
        string? sample = null;
        var latencies = new List<long>[workers];
        var before = cpu?.Take();
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);

        async Task Worker(int w)
        {
            var mine = latencies[w] = new List<long>(1 << 16);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                ct.ThrowIfCancellationRequested();
                var n = Interlocked.Increment(ref issued) - 1;
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    var found = await call(n);
                    mine.Add(Stopwatch.GetTimestamp() - t0);
                    Interlocked.Add(ref hits, found);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref errors);
                    sample ??= $"{ex.GetType().Name}: {ex.Message}";
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => Worker(w), ct)));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var usage = before is null ? null : cpu!.Take().Since(before);
        double? redisCores = redisTicks is null ? null : (redisTicks() - redisBefore) / CpuSampler.TicksPerSecond / seconds;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        double Percentile(double q) => all.Length == 0 ? double.NaN : Ms(all[Math.Clamp((int)Math.Ceiling(q * all.Length) - 1, 0, all.Length - 1)]);
        return new LoopResult(seconds, all.Length, errors, hits, sample, Percentile(0.50), Percentile(0.99), all.Length == 0 ? double.NaN : Ms(all[^1]), usage, redisCores);
    }

    private sealed record Result(Parameters P, MachineDescription Machine, string GrpcPath, double LoadSeconds, long Members, string RedisMemory, double GcMb,
        IReadOnlyList<(Shape Shape, LoopResult Grpc, LoopResult Redis, LoopResult Memory)> Rounds)
    {
        public bool Clean => Rounds.All(r => r.Grpc.Errors == 0 && r.Redis.Errors == 0 && r.Memory.Errors == 0 && r.Grpc.Calls > 0);

        private static string Us(LoopResult r, string group) => double.IsNaN(r.CpuUsPerCall(group)) ? "-" : r.CpuUsPerCall(group).ToString("0", CultureInfo.InvariantCulture);

        public string Text()
        {
            var b = new StringBuilder();
            if (!Clean) b.AppendLine("!! some calls failed: the figures below are NOT a valid measurement.");
            foreach (var (shape, grpc, redis, _) in Rounds)
                b.AppendLine($"RATIO {GrpcPath} / raw Redis lookup, {shape.Name}: p50 {grpc.P50Ms / redis.P50Ms:0.00}×, p99 {grpc.P99Ms / redis.P99Ms:0.00}×");
            b.AppendLine();
            b.AppendLine("  shape                          path                          p50 µs    p99 µs    max µs   calls/s  hits/call  CPU µs/call: client  leads  redis");
            foreach (var (shape, grpc, redis, memory) in Rounds)
                foreach (var (name, r) in new[] { (GrpcPath, grpc), ("raw Redis (baseline)", redis), ("in-memory index, in process", memory) })
                    b.AppendLine($"  {shape.Name,-30} {name,-28} {r.P50Ms * 1000,8:0.0} {r.P99Ms * 1000,9:0.0} {r.MaxMs * 1000,9:0} {r.CallsPerSecond,9:0} {(double)r.Hits / Math.Max(1, r.Calls),10:0.000}" +
                                 $"  {Us(r, "client"),19} {Us(r, "leads"),6} {Us(r, "redis"),6}");
            b.AppendLine();
            b.AppendLine($"  {P.Tokens:N0} tokens written to Redis in {LoadSeconds:0.0} s (pipelined, not timed); member set {Members:N0}; Redis used memory {RedisMemory}; " +
                         $"this process's heap with the in-memory index {GcMb:0} MB");
            b.AppendLine($"  {P.Workers} closed-loop workers, {P.Seconds:0} s per round; the in-memory index is what Leads uses only in the standalone mode, " +
                         "measured as its own lookup in this process (no gRPC, no network): the floor of a call, not Leads' answer");
            return b.ToString();
        }

        public void Append(string file)
        {
            var b = ResultsFile.Section(file, "watchlist-match", Machine,
                "Issue 4: Leads' gRPC `MatchIdentifiers` p50/p99 with 1,000,000 active tokens, Redis index (distributed mode) against the raw",
                "Redis lookup of the same tokens, and the in-memory index (standalone mode) in process. See tests/JinDu.Benchmarks/README.md, watchlist-match.");
            b.AppendLine($"- Parameters: `--tokens {P.Tokens} --seconds {P.Seconds} --warmup-seconds {P.WarmupSeconds} --workers {P.Workers} --batch-tokens {P.BatchTokens} " +
                         $"--hit-percent {P.HitPercent} --via-gateway {(P.ViaGateway ? 1 : 0)} --seed {P.Seed}`");
            if (!Clean) b.AppendLine("- **NOT CLEAN**: some calls failed; the figures are not a valid measurement");
            foreach (var (shape, grpc, redis, _) in Rounds)
                b.AppendLine($"- **{shape.Name}: {GrpcPath} / raw Redis lookup: p50 {grpc.P50Ms / redis.P50Ms:0.00}×, p99 {grpc.P99Ms / redis.P99Ms:0.00}×**");
            b.AppendLine($"- {P.Tokens:N0} tokens loaded in {LoadSeconds:0.0} s; member set {Members:N0}; Redis used memory {RedisMemory}");
            b.AppendLine("- In-memory index: Leads' standalone-mode index, measured as its own lookup in this process (no gRPC)");
            b.AppendLine();
            b.AppendLine("| shape | path | p50 µs | p99 µs | max µs | calls/s | hits/call | CPU µs/call client | leads | redis |");
            b.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (shape, grpc, redis, memory) in Rounds)
                foreach (var (name, r) in new[] { (GrpcPath, grpc), ("raw Redis (baseline)", redis), ("in-memory index, in process", memory) })
                    b.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {shape.Name} | {name} | {r.P50Ms * 1000:0.0} | {r.P99Ms * 1000:0.0} | {r.MaxMs * 1000:0} | {r.CallsPerSecond:0} | {(double)r.Hits / Math.Max(1, r.Calls):0.000} | {Us(r, "client")} | {Us(r, "leads")} | {Us(r, "redis")} |"));
            ResultsFile.Append(file, b);
        }
    }
}
