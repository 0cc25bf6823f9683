using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using JinDu.Testing;

namespace JinDu.Benchmarks;

/// <summary>
/// DESIGN.md §7 "gateway cost": proxied throughput at least 0.8 of calling the service directly.
/// Posts inspections (POST /api/screening/v1/inspections, each one a gRPC watchlist call to Leads and
/// a PostgreSQL insert in Screening) through the gateway and straight to Screening, in alternating
/// rounds of the same closed loop against the same platform, and compares the two.
/// </summary>
public sealed class GatewayOverheadCommand : IBenchmarkCommand
{
    private const string InspectionsPath = "/api/screening/v1/inspections";

    public string Name => "gateway-overhead";
    public string Summary => "inspection posts through the gateway vs. straight to Screening (goal: ratio >= 0.8)";
    public string Usage => """
        options:
          --seconds N          length of each measured round (default 10)
          --rounds N           measured rounds per path; they alternate direct/gateway, ABBA (default 3)
          --concurrency N      closed-loop workers sharing one HttpClient (default 16; enough to keep 2 cores busy)
          --warmup-seconds N   load before measuring, not counted: 5 s windows alternating between the paths,
                               this long in all (default 60). On 2 saturated cores the services keep speeding
                               up for about a minute (tiered compilation and PGO on a starved JIT thread)
          --pause-seconds N    idle time between rounds, for the outbox and consumers to drain (default 1)
          --flagged-percent P  share of posts with result "suspicious", which go through the outbox to
                               RabbitMQ and create leads; the rest are "clear" (default 2; 0 leaves them out)
          --max-requests N     cap on requests per round, a second bound next to --seconds (default 1000000)
          --seed N             seed of the generated subjects (default 42)
          --results FILE       markdown file the run is appended to
                               (default tests/JinDu.Benchmarks/results/gateway-overhead.md)
        """;

    public async Task<int> RunAsync(Options options, CancellationToken ct)
    {
        var p = new Parameters(
            Seconds: options.Double("seconds", 10, 1, 600),
            Rounds: options.Int("rounds", 3, 1, 20),
            Concurrency: options.Int("concurrency", 16, 1, 1024),
            WarmupSeconds: options.Double("warmup-seconds", 60, 0, 600),
            PauseSeconds: options.Double("pause-seconds", 1, 0, 60),
            FlaggedPercent: options.Double("flagged-percent", 2, 0, 100),
            MaxRequests: options.Int("max-requests", 1_000_000, 1, 50_000_000),
            Seed: options.Int("seed", 42, 0, int.MaxValue));
        var resultsFile = options.String("results")
                          ?? Path.Combine(ServiceProcess.RepoRoot(), "tests", "JinDu.Benchmarks", "results", "gateway-overhead.md");
        options.EnsureAllRead();

        var machine = MachineDescription.Current();
        Console.WriteLine($"gateway-overhead: {machine.Summary}");
        Console.WriteLine($"  {p.Rounds} round(s) of {p.Seconds:0.#} s per path, concurrency {p.Concurrency}, warm-up {p.WarmupSeconds:0.#} s, " +
                          $"{p.FlaggedPercent:0.##}% of posts flagged (\"suspicious\"), the rest \"clear\"");
        return await BenchmarkPlatform.RunAsync(Name, machine, (platform, _) => MeasureAsync(platform, p, machine, resultsFile, ct), ct);
    }

    private static async Task<int> MeasureAsync(DistributedPlatform platform, Parameters p, MachineDescription machine, string resultsFile, CancellationToken ct)
    {
        var client = platform.Platform();
        var tokens = await LoadClient.OfficerTokensAsync(client);

        var workload = Workload.Generate(p.Seed, p.FlaggedPercent, tokens);
        using var http = LoadClient.Create(p.Concurrency, connectTimeout: TimeSpan.FromSeconds(10), requestTimeout: TimeSpan.FromSeconds(30));

        var direct = workload.Target("direct", http, new Uri(new Uri(platform.ScreeningUrl), InspectionsPath));
        var gateway = workload.Target("gateway", http, new Uri(new Uri(platform.GatewayUrl), InspectionsPath));

        // One post each way first: a set-up problem (401, 404, 400) fails here, with its answer, not as a wall of errors.
        foreach (var target in new[] { direct, gateway })
        {
            using var response = await http.SendAsync(target.NewRequest(0), ct);
            if (response.StatusCode != HttpStatusCode.Created)
                throw new InvalidOperationException($"the first post {target.Name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        var loop = new ClosedLoop(p.Concurrency, p.MaxRequests);
        var cpu = CpuSampler.Create(platform.Servers.ServersDirectory);
        var warmup = await WarmUpAsync(loop, direct, gateway, p.WarmupSeconds, ct);

        // ABBA: direct, gateway, gateway, direct, direct, … so that a drift in the machine's speed over the
        // run falls on both paths alike.
        var rounds = new List<RoundResult>();
        for (var i = 0; i < 2 * p.Rounds; i++)
        {
            var pair = i / 2;
            var first = pair % 2 == 0 ? direct : gateway;
            var target = i % 2 == 0 ? first : (first == direct ? gateway : direct);
            if (p.PauseSeconds > 0) await Task.Delay(TimeSpan.FromSeconds(p.PauseSeconds), ct);
            var r = await loop.RunAsync(target, pair + 1, TimeSpan.FromSeconds(p.Seconds), cpu, ct);
            rounds.Add(r);
            Console.WriteLine(Report.RoundLine(r));
            foreach (var sample in r.ErrorSamples) Console.WriteLine($"      error: {sample}");
        }

        var summary = RunSummary.Of(rounds, p.Rounds);
        Console.WriteLine();
        Console.Write(Report.Text(summary, p, workload, warmup));
        Report.Append(resultsFile, summary, p, machine, workload, warmup);
        Console.WriteLine($"results appended to {resultsFile}");
        return summary.Errors > 0 || summary.Degraded > 0 ? 1 : 0;
    }

    /// <summary>
    /// Alternating 5 s windows on both paths for <paramref name="seconds"/> in all (a fixed time: on 2
    /// saturated cores the services speed up for about a minute, in steps, as tiered compilation and
    /// dynamic PGO recompile their hot code on a starved background thread, and a rule that stops at the
    /// first flat window stops on a step). Returns a line for the report: the rates of the last two
    /// windows per path, and whether the last still rose by more than 5%.
    /// </summary>
    private static async Task<string> WarmUpAsync(ClosedLoop loop, LoadTarget direct, LoadTarget gateway, double seconds, CancellationToken ct)
    {
        const double window = 5, tolerance = 0.05;
        var rates = new Dictionary<string, List<double>> { [direct.Name] = [], [gateway.Name] = [] };
        var spent = 0.0;
        while (spent + window <= seconds + 0.001)
        {
            foreach (var target in new[] { direct, gateway })
            {
                if (spent + window > seconds + 0.001) break;
                var w = await loop.RunAsync(target, 0, TimeSpan.FromSeconds(window), null, ct);
                spent += window;
                rates[target.Name].Add(w.RequestsPerSecond);
                Console.WriteLine($"  warm-up {target.Name,-7}: {w.RequestsPerSecond,8:0} req/s{(w.Errors > 0 ? $", {w.Errors} errors" : "")}" +
                                  $"{(w.Degraded > 0 ? $", {w.Degraded} watchlist-unchecked" : "")}");
            }
        }
        if (spent == 0) return "none";
        var rising = rates.Where(kv => kv.Value.Count >= 2 && kv.Value[^1] > (1 + tolerance) * kv.Value[^2]).Select(kv => kv.Key).ToList();
        var line = $"{spent:0} s, alternating 5 s windows; last windows " +
                   string.Join(", ", rates.Where(kv => kv.Value.Count > 0).Select(kv => $"{kv.Key} {string.Join(" → ", kv.Value.TakeLast(2).Select(r => r.ToString("0", CultureInfo.InvariantCulture)))} req/s"));
        if (rising.Count > 0)
        {
            line += $"; STILL RISING ({string.Join(", ", rising)}): the first rounds may be slower, use a longer --warmup-seconds";
            Console.WriteLine("  !! warm-up: " + line);
        }
        return line;
    }

    public sealed record Parameters(double Seconds, int Rounds, int Concurrency, double WarmupSeconds, double PauseSeconds,
        double FlaggedPercent, int MaxRequests, int Seed);

    /// <summary>
    /// Pregenerated posts of the three demo officers at their own checkpoints, with varied subjects: ID
    /// numbers from the counties of 黔南州, plates, phone numbers. Bodies are UTF-8 bytes made once, so the
    /// client spends little CPU per request on the shared cores.
    /// </summary>
    public sealed class Workload
    {
        public static readonly Dictionary<string, Guid> Agencies = new()
        {
            ["522722"] = Guid.Parse("52272200-0000-4000-8000-000000000001"),
            ["522726"] = Guid.Parse("52272600-0000-4000-8000-000000000001"),
            ["522701"] = Guid.Parse("52270100-0000-4000-8000-000000000001"),
        };

        private static readonly string[] Counties = ["522701", "522702", "522722", "522723", "522725", "522726", "522727", "522728", "522729", "522730", "522731", "522732", "520102", "520111", "530102", "450102"];
        private static readonly string[] Methods = ["manual_search", "manual_search", "manual_search", "x_ray", "dog", "drug_test"];
        private static readonly string[] Names = ["王伟", "李娜", "张敏", "刘洋", "陈杰", "杨静", "黄磊", "吴芳", "莫光荣", "蒙丽", "韦小兵", "潘金花"];
        private const string PlateChars = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";

        private readonly (byte[] Body, string Authorization, bool Flagged)[] _posts;

        private Workload((byte[], string, bool)[] posts) => _posts = posts;

        public int Count => _posts.Length;
        public int FlaggedCount => _posts.Count(x => x.Flagged);

        public static Workload Generate(int seed, double flaggedPercent, IReadOnlyDictionary<string, string> authorizationByAgency)
        {
            var random = new Random(seed);
            var agencies = Agencies.Keys.ToArray();
            var posts = new (byte[], string, bool)[8192];
            // An exact share, spread evenly, so that any stretch of requests carries it.
            var flaggedEvery = flaggedPercent <= 0 ? int.MaxValue : 100.0 / flaggedPercent;
            for (var i = 0; i < posts.Length; i++)
            {
                var agency = agencies[i % agencies.Length];
                var flagged = flaggedPercent > 0 && Math.Floor(i / flaggedEvery) != Math.Floor((i + 1) / flaggedEvery);
                string? id = null, name = null, plate = null, phone = null;
                if (random.NextDouble() < 0.8)
                {
                    var birth = new DateOnly(1960, 1, 1).AddDays(random.Next(0, 365 * 45)).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
                    id = TestIds.Person(Counties[random.Next(Counties.Length)], birth, random.Next(0, 1000));
                    if (random.NextDouble() < 0.3) name = Names[random.Next(Names.Length)];
                }
                if (random.NextDouble() < 0.7 || id is null)
                {
                    var plateChars = new char[5];
                    for (var c = 0; c < 5; c++) plateChars[c] = PlateChars[random.Next(PlateChars.Length)];
                    plate = "贵" + "JABCEFGHK"[random.Next(9)] + new string(plateChars);
                }
                if (random.NextDouble() < 0.6)
                    phone = "1" + "3456789"[random.Next(7)] + random.NextInt64(0, 1_000_000_000).ToString("000000000", CultureInfo.InvariantCulture);
                var body = new
                {
                    checkpointId = Agencies[agency],
                    method = Methods[random.Next(Methods.Length)],
                    result = flagged ? "suspicious" : "clear",
                    subject = new { idNumber = id, name, plate, phone },
                    notes = flagged ? "行为异常，已移交研判" : null,
                };
                posts[i] = (JsonSerializer.SerializeToUtf8Bytes(body, PlatformClient.Json), authorizationByAgency[agency], flagged);
            }
            return new Workload(posts);
        }

        public LoadTarget Target(string name, HttpClient http, Uri url) => new(name, http, n =>
        {
            var (body, authorization, _) = _posts[n % _posts.Length];
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-8");
            return request;
        }, HttpStatusCode.Created, IsWatchlistUnchecked);

        /// <summary>
        /// A 201 whose watchlist answer says "not checked": Screening gave up on Leads (its 500 ms gRPC
        /// deadline) and recorded the post anyway. It is a success for the officer but skipped part of the
        /// work, so it is counted and reported apart.
        /// </summary>
        private static bool IsWatchlistUnchecked(byte[] body) => body.AsSpan().IndexOf("\"checked\":false"u8) >= 0;
    }

    /// <summary>Medians over the rounds of one path.</summary>
    public sealed record PathSummary(string Path, double RequestsPerSecond, double P50Ms, double P99Ms, long Errors, long Degraded, long Requests,
        IReadOnlyDictionary<string, double> CpuMsPerRequest, IReadOnlyDictionary<string, double> CpuCores);

    /// <summary>
    /// The ratio is the median of the per-pair ratios (each pair: a direct and a gateway round next to each
    /// other). The per-core ratio divides each round's rate by the cores this run's own processes had
    /// (busy minus "other"): on a saturated machine that takes out CPU stolen by unrelated work.
    /// </summary>
    public sealed record RunSummary(double Ratio, IReadOnlyList<double> PairRatios, double PerCoreRatio, IReadOnlyList<double> PerCorePairRatios,
        PathSummary Direct, PathSummary Gateway, IReadOnlyList<RoundResult> Rounds, long Errors, long Degraded, IReadOnlyDictionary<string, long> ErrorsByKind, bool HitRequestCap)
    {
        public static RunSummary Of(IReadOnlyList<RoundResult> rounds, int pairs)
        {
            List<double> Ratios(Func<RoundResult, double> rate) => Enumerable.Range(1, pairs).Select(pair =>
            {
                var d = rate(rounds.Single(r => r.Round == pair && r.Path == "direct"));
                var g = rate(rounds.Single(r => r.Round == pair && r.Path == "gateway"));
                return d > 0 ? g / d : double.NaN;
            }).ToList();
            var ratios = Ratios(r => r.RequestsPerSecond);
            var perCore = Ratios(r => r.Cpu is { } c && c.MachineBusyCores - c.Cores.GetValueOrDefault("other") > 0.1
                ? r.RequestsPerSecond / (c.MachineBusyCores - c.Cores.GetValueOrDefault("other"))
                : double.NaN);
            var errorKinds = new Dictionary<string, long>();
            foreach (var r in rounds)
                foreach (var (kind, n) in r.ErrorsByKind)
                    errorKinds[$"{r.Path}: {kind}"] = errorKinds.GetValueOrDefault($"{r.Path}: {kind}") + n;
            return new RunSummary(Median(ratios), ratios, Median(perCore), perCore, Path("direct"), Path("gateway"), rounds,
                rounds.Sum(r => r.Errors), rounds.Sum(r => r.Degraded), errorKinds, rounds.Any(r => r.HitRequestCap));

            PathSummary Path(string path)
            {
                var own = rounds.Where(r => r.Path == path).ToList();
                var withCpu = own.Where(r => r.Cpu is not null).ToList();
                var msPerRequest = CpuSampler.Groups.ToDictionary(g => g, g => RunSummary.Median(withCpu.Select(r => r.Cpu!.MsPerRequest(g, r.Succeeded))));
                var cores = CpuSampler.Groups.Append("machine").ToDictionary(g => g,
                    g => RunSummary.Median(withCpu.Select(r => g == "machine" ? r.Cpu!.MachineBusyCores : r.Cpu!.Cores.GetValueOrDefault(g))));
                return new PathSummary(path, Median(own.Select(r => r.RequestsPerSecond)), Median(own.Select(r => r.P50Ms)),
                    Median(own.Select(r => r.P99Ms)), own.Sum(r => r.Errors), own.Sum(r => r.Degraded), own.Sum(r => r.Succeeded), msPerRequest, cores);
            }
        }

        public static double Median(IEnumerable<double> values)
        {
            var v = values.Where(x => !double.IsNaN(x)).Order().ToArray();
            if (v.Length == 0) return double.NaN;
            return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
        }
    }

    private static class Report
    {
        private static readonly string[] CpuColumns = ["client", "gateway", "screening", "leads", "cooperation", "postgres", "rabbitmq", "redis", "other"];

        public static string RoundLine(RoundResult r)
        {
            var line = $"  round {r.Round} {r.Path,-7}: {r.RequestsPerSecond,8:0.0} req/s  p50 {r.P50Ms,6:0.00} ms  p99 {r.P99Ms,7:0.00} ms  " +
                       $"errors {r.Errors}" + (r.Degraded > 0 ? $"  watchlist-unchecked {r.Degraded}" : "");
            if (r.Cpu is { } cpu)
                line += $"  | CPU {cpu.MachineBusyCores:0.00} cores busy: " +
                        string.Join(" ", CpuColumns.Select(g => $"{g} {cpu.Cores.GetValueOrDefault(g):0.00}"));
            if (r.HitRequestCap) line += "  (stopped at --max-requests)";
            return line;
        }

        public static string Text(RunSummary s, Parameters p, Workload w, string warmup)
        {
            var b = new StringBuilder();
            if (s.Errors > 0)
            {
                b.AppendLine("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
                b.AppendLine($"!! THIS RUN HAD {s.Errors} ERRORS (answers other than 201, or failed requests):");
                foreach (var (kind, n) in s.ErrorsByKind) b.AppendLine($"!!   {kind}: {n}");
                if (s.ErrorsByKind.Keys.Any(k => k.Contains("429")))
                    b.AppendLine("!! 429 is the gateway's per-caller rate limit (Gateway:RateLimit, 500/s per officer): the load exceeded it.");
                b.AppendLine("!! The figures below are NOT a valid measurement.");
                b.AppendLine("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
            }
            if (s.Degraded > 0)
            {
                b.AppendLine($"!! {s.Degraded} posts (direct {s.Direct.Degraded}, gateway {s.Gateway.Degraded}) were answered 201 with the watchlist NOT checked:");
                b.AppendLine("!! Screening's 500 ms deadline on the gRPC call to Leads ran out. Those posts skipped part of the work, and the");
                b.AppendLine("!! load is beyond what the platform serves properly; lower --concurrency for a fair comparison.");
            }
            b.AppendLine($"RATIO gateway/direct throughput: {s.Ratio:0.00}   (goal >= 0.8: {(s.Ratio >= 0.8 ? "met" : "NOT met")}; " +
                         $"per round pair: {string.Join(", ", s.PairRatios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))})");
            if (!double.IsNaN(s.PerCoreRatio))
                b.AppendLine($"  per core left to this run (busy minus \"other\"): {s.PerCoreRatio:0.00} " +
                             $"(per pair: {string.Join(", ", s.PerCorePairRatios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))})");
            b.AppendLine($"added latency through the gateway: p50 {s.Gateway.P50Ms - s.Direct.P50Ms:+0.00;-0.00} ms, p99 {s.Gateway.P99Ms - s.Direct.P99Ms:+0.00;-0.00} ms (at saturation, closed loop)");
            b.AppendLine();
            b.AppendLine($"  median of {p.Rounds} round(s)      req/s    p50 ms    p99 ms   errors  unchecked   requests");
            foreach (var x in new[] { s.Direct, s.Gateway })
                b.AppendLine($"  {x.Path,-24} {x.RequestsPerSecond,8:0.0} {x.P50Ms,9:0.00} {x.P99Ms,9:0.00} {x.Errors,8} {x.Degraded,10} {x.Requests,10}");
            if (s.Direct.CpuMsPerRequest.Values.Any(v => !double.IsNaN(v)))
            {
                b.AppendLine();
                b.AppendLine("  CPU ms per request (median)  " + string.Join(" ", CpuColumns.Select(g => $"{g,9}")) + "    total");
                foreach (var x in new[] { s.Direct, s.Gateway })
                    b.AppendLine($"  {x.Path,-28} " + string.Join(" ", CpuColumns.Select(g => $"{x.CpuMsPerRequest[g],9:0.000}")) +
                                 $" {CpuColumns.Sum(g => x.CpuMsPerRequest[g]),8:0.000}");
            }
            var other = s.Rounds.Where(r => r.Cpu is not null).Select(r => r.Cpu!.Cores.GetValueOrDefault("other")).DefaultIfEmpty(0).Max();
            if (other > 0.15)
                b.AppendLine($"  !! up to {other:0.00} cores went to \"other\" (processes this run did not start, and kernel work): the machine was " +
                             "shared, so the absolute figures are low and noisy; the ratio suffers less, since rounds alternate.");
            b.AppendLine($"  warm-up: {warmup}");
            b.AppendLine($"  workload: {w.Count} pregenerated posts of 3 officers, {w.FlaggedCount * 100.0 / w.Count:0.0}% \"suspicious\" (flagged → outbox → lead), the rest \"clear\"");
            if (s.HitRequestCap) b.AppendLine("  note: a round stopped at --max-requests before its time was up.");
            return b.ToString();
        }

        public static void Append(string file, RunSummary s, Parameters p, MachineDescription m, Workload w, string warmup)
        {
            var b = ResultsFile.Section(file, "gateway-overhead", m,
                "DESIGN.md §7 goal: proxied throughput at least 0.8 of calling Screening directly. What the",
                "figures mean on a 2-core machine: see tests/JinDu.Benchmarks/README.md.");
            b.AppendLine($"- Parameters: `--seconds {p.Seconds} --rounds {p.Rounds} --concurrency {p.Concurrency} --warmup-seconds {p.WarmupSeconds} " +
                         $"--flagged-percent {p.FlaggedPercent} --seed {p.Seed}`; rounds alternate ABBA; POST {InspectionsPath} as the " +
                         $"3 demo officers, {w.FlaggedCount * 100.0 / w.Count:0.0}% \"suspicious\", the rest \"clear\"");
            b.AppendLine($"- Warm-up: {warmup}");
            var others = s.Rounds.Where(r => r.Cpu is not null).Select(r => r.Cpu!.Cores.GetValueOrDefault("other")).ToList();
            if (others.Count > 0)
                b.AppendLine($"- CPU not used by this run's processes (\"other\": other work on the machine, kernel): median {RunSummary.Median(others):0.00}, " +
                             $"max {others.Max():0.00} cores{(others.Max() > 0.15 ? " — the machine was shared, figures are noisy" : "")}");
            b.AppendLine($"- **Ratio gateway/direct throughput: {s.Ratio:0.00}** (goal ≥ 0.8: {(s.Ratio >= 0.8 ? "met" : "not met")}); " +
                         $"per round pair {string.Join(", ", s.PairRatios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}");
            if (!double.IsNaN(s.PerCoreRatio))
                b.AppendLine($"- Ratio per core left to this run (rate ÷ (busy − other) cores): {s.PerCoreRatio:0.00}; " +
                             $"per round pair {string.Join(", ", s.PerCorePairRatios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}");
            b.AppendLine(s.Errors == 0
                ? "- Errors: none"
                : $"- **ERRORS: {s.Errors}** ({string.Join(", ", s.ErrorsByKind.Select(kv => $"{kv.Key} ×{kv.Value}"))}); the figures are not a valid measurement");
            b.AppendLine(s.Degraded == 0
                ? "- Watchlist checked on every post (no 201 with \"checked\": false)"
                : $"- **{s.Degraded} posts answered 201 with the watchlist not checked** (Screening's 500 ms deadline on Leads ran out): overloaded");
            b.AppendLine();
            b.AppendLine("| path (median of rounds) | req/s | p50 ms | p99 ms | errors | unchecked | CPU ms/request: client | gateway | screening | leads | cooperation | postgres | rabbitmq | redis | other |");
            b.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var x in new[] { s.Direct, s.Gateway })
                b.AppendLine($"| {x.Path} | {x.RequestsPerSecond:0} | {x.P50Ms:0.00} | {x.P99Ms:0.00} | {x.Errors} | {x.Degraded} | " +
                             string.Join(" | ", CpuColumns.Select(g => x.CpuMsPerRequest[g].ToString("0.000", CultureInfo.InvariantCulture))) + " |");
            b.AppendLine();
            b.AppendLine("| round | path | req/s | p50 ms | p99 ms | max ms | errors | unchecked | CPU busy (cores) | of which other (cores) |");
            b.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in s.Rounds)
                b.AppendLine($"| {r.Round} | {r.Path} | {r.RequestsPerSecond:0} | {r.P50Ms:0.00} | {r.P99Ms:0.00} | {r.MaxMs:0.0} | {r.Errors} | {r.Degraded} | " +
                             $"{(r.Cpu is null ? "" : r.Cpu.MachineBusyCores.ToString("0.00", CultureInfo.InvariantCulture))} | " +
                             $"{(r.Cpu is null ? "" : r.Cpu.Cores.GetValueOrDefault("other").ToString("0.00", CultureInfo.InvariantCulture))} |");
            ResultsFile.Append(file, b);
        }
    }
}

/// <summary>What the figures were measured on.</summary>
public sealed record MachineDescription(int Cores, string Runtime, string Os, string Cpu, string Configuration, double? LoadAverage, double CpuCheck,
    double LoopbackCheck)
{
    public string Summary => $"{Cores} cores ({Cpu}), {Os}, {Runtime}, {Configuration} build; CPU check {CpuCheck:0} k round trips/s on one thread " +
                             $"(see CpuCheck.cs), loopback check {LoopbackCheck:0.0} k TCP round trips/s between two threads (LoopbackCheck.cs)";

    public static MachineDescription Current()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        string cpu = RuntimeInformation.ProcessArchitecture.ToString();
        double? load = null;
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
            if (File.Exists("/proc/loadavg"))
                load = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        return new MachineDescription(Environment.ProcessorCount, RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription, cpu, configuration, load,
            JinDu.Benchmarks.CpuCheck.ThousandsPerSecond(), JinDu.Benchmarks.LoopbackCheck.ThousandsPerSecond());
    }
}
