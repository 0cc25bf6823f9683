using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Grpc.Net.Client;
using JinDu.BuildingBlocks.Identifiers;
using JinDu.DataGenerator;
using JinDu.Testing;

namespace JinDu.Benchmarks;

/// <summary>
/// DESIGN.md §7 "memory": each service under 300 MB resident under the target load, flat over a 10-minute soak.
/// The target load is the platform's two steady flows at once, both through the gateway: inspection posts with
/// watchlist matches at a fixed rate (the open loop of inspection-rate, <see cref="InspectionRateOpenLoop"/>) and
/// a courier parcel feed streaming continuously through one gRPC stream (<see cref="MemorySoakFeed"/>). After a
/// warm-up at the same load, the soak runs in one-minute open-loop rounds back to back while the resident memory
/// of the gateway and the three services is read every few seconds (<see cref="MemorySoakRss"/>). There is no
/// baseline to run beside it: the comparison is each service with itself, last minute against first.
/// </summary>
public sealed class MemorySoakCommand : IBenchmarkCommand
{
    private const string InspectionsPath = "/api/screening/v1/inspections";
    private static readonly string[] CpuColumns = ["client", "gateway", "screening", "leads", "cooperation", "postgres", "rabbitmq", "redis", "other"];

    public string Name => "memory-soak";
    public string Summary => "each service's resident memory over a 10-minute soak at the target load (300 inspections/s + 2,000 parcels/s via the gateway): under 300 MB and flat";
    public string Usage => """
        options:
          --minutes N             length of the soak, in one-minute rounds (default 10, the goal's length; 1 for a quick try)
          --warmup-seconds N      the same load before the soak, not counted (default 60: the JIT's tier-up, and the
                                  after-effects of seeding the watchlist, see README.md, inspection-rate); the first
                                  15 s (at most half) are a closed loop of 4 workers for the inspections
          --rate N                inspection posts per second through the gateway, open loop (default 300)
          --parcels-per-second N  courier parcels per second through one gRPC stream via the gateway (default 2000; 0 leaves the feed out)
          --sample-seconds N      how often each service's VmRSS is read (default 5)
          --limit-mb N            the resident-memory limit per service (default 300)
          --max-slope N           flat: the least-squares slope over the soak's second half stays below this, MB per minute (default 1)
          --max-drift-percent P   flat: the last minute's mean RSS within this of the first minute's (default 10)
          --watchlisted N         persons put on the watchlist first by posting seizures (default 300)
          --watchlist-percent P   share of the posts that are "clear" checks of those persons (default 10)
          --flagged-percent P     share of the other posts that are "suspicious" (outbox → lead → notification) (default 2)
          --max-in-flight N       concurrency cap of the inspection load generator (default 256)
          --seed N                seed of the generated posts and parcels (default 42)
          --results FILE          markdown file the run is appended to
                                  (default tests/JinDu.Benchmarks/results/memory-soak.md; pass another for trial runs)
        Errors, watchlist-unchecked or unsent inspections, rejected parcels, a broken feed stream or a service that
        exits are reported under a !! banner and give exit code 1.
        """;

    public sealed record Parameters(int Minutes, double WarmupSeconds, double Rate, double ParcelsPerSecond, double SampleSeconds, double LimitMb,
        double MaxSlope, double MaxDriftPercent, int Watchlisted, double WatchlistPercent, double FlaggedPercent, int MaxInFlight, int Seed);

    /// <summary>One measured minute: the inspection round, and what the feed and the CPU did over the same span.</summary>
    public sealed record Minute(int Number, long Start, long End, InspectionRateRound Inspections, MemorySoakFeed.Counts FeedBefore,
        MemorySoakFeed.Counts FeedAfter, CpuUsage? Cpu)
    {
        public double Seconds => (End - Start) / (double)Stopwatch.Frequency;
        public double ParcelsAcceptedPerSecond => (FeedAfter.Accepted - FeedBefore.Accepted) / Seconds;
        public double ParcelsWrittenPerSecond => (FeedAfter.Written - FeedBefore.Written) / Seconds;
        public long ParcelsRejected => FeedAfter.Rejected - FeedBefore.Rejected;
        public double OtherCores => Cpu?.Cores.GetValueOrDefault("other") ?? double.NaN;
    }

    public async Task<int> RunAsync(Options options, CancellationToken ct)
    {
        var p = new Parameters(
            Minutes: options.Int("minutes", 10, 1, 120),
            WarmupSeconds: options.Double("warmup-seconds", 60, 0, 600),
            Rate: options.Double("rate", 300, 1, 5_000),
            ParcelsPerSecond: options.Double("parcels-per-second", 2_000, 0, 50_000),
            SampleSeconds: options.Double("sample-seconds", 5, 0.5, 60),
            LimitMb: options.Double("limit-mb", 300, 1, 100_000),
            MaxSlope: options.Double("max-slope", 1, 0, 1_000),
            MaxDriftPercent: options.Double("max-drift-percent", 10, 0, 100),
            Watchlisted: options.Int("watchlisted", 300, 0, 100_000),
            WatchlistPercent: options.Double("watchlist-percent", 10, 0, 100),
            FlaggedPercent: options.Double("flagged-percent", 2, 0, 100),
            MaxInFlight: options.Int("max-in-flight", 256, 1, 10_000),
            Seed: options.Int("seed", 42, 0, int.MaxValue - 1000));
        var resultsFile = options.String("results")
                          ?? Path.Combine(ServiceProcess.RepoRoot(), "tests", "JinDu.Benchmarks", "results", "memory-soak.md");
        options.EnsureAllRead();
        if (p.Watchlisted == 0 && p.WatchlistPercent > 0)
            throw new ArgumentException("--watchlist-percent needs --watchlisted > 0 (the persons its posts are about)");
        if (!OperatingSystem.IsLinux()) throw new ArgumentException("memory-soak reads /proc: Linux only");

        var machine = MachineDescription.Current();
        Console.WriteLine($"memory-soak: {machine.Summary}");
        Console.WriteLine($"  {p.Minutes} minute(s) after a {p.WarmupSeconds:0} s warm-up: {p.Rate:0.#} inspection posts/s (open loop) and " +
                          $"{p.ParcelsPerSecond:0.#} parcels/s (one gRPC stream), both through the gateway; VmRSS of each service every {p.SampleSeconds:0.#} s; " +
                          $"limit {p.LimitMb:0} MB, flat = last/first minute within ±{p.MaxDriftPercent:0.#}% and slope of the second half < {p.MaxSlope:0.##} MB/min");
        return await BenchmarkPlatform.RunAsync(Name, machine, async (platform, startSeconds) =>
        {
            var result = await MeasureAsync(platform, p, machine, startSeconds, ct);
            Console.WriteLine();
            Console.Write(result.Text());
            result.Append(resultsFile);
            Console.WriteLine($"results appended to {resultsFile}");
            return result.Clean ? 0 : 1;
        }, ct);
    }

    private static ParcelGenerator Generator(int seed, int count) => new(seed, new ParcelOptions
    {
        // As feed-ingest: today in China time, nothing later than a minute ago (the platform refuses times in the future).
        Day = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)),
        NotAfter = DateTimeOffset.UtcNow.AddMinutes(-1),
        Count = count,
        Companies = [CourierCompany.SF], // the courier-sf client's token names SF: the only company it may send
        OutletsPerCompany = 20,
        NonCompliantShare = 0.02,
        SuspiciousShare = 0.001,
        DuplicateShare = 0.01,
    });

    private static async Task<MemorySoakResult> MeasureAsync(DistributedPlatform platform, Parameters p, MachineDescription machine, double startSeconds,
        CancellationToken ct)
    {
        // Sampling starts at once, so the report can show where each service stood before the load and after the warm-up.
        await using var rss = MemorySoakRss.Start(MemorySoakRss.FindServices(), TimeSpan.FromSeconds(p.SampleSeconds));
        var atRest = rss.Read();

        var client = platform.Platform();
        var tokens = await LoadClient.OfficerTokensAsync(client);
        var courierToken = await client.ClientTokenAsync("courier-sf", "sf-demo-secret");
        // The same client set-up as inspection-rate.
        using var http = LoadClient.Create(p.MaxInFlight, connectTimeout: TimeSpan.FromSeconds(5), requestTimeout: TimeSpan.FromSeconds(10));
        var gatewayUrl = new Uri(new Uri(platform.GatewayUrl), InspectionsPath);

        var watchlist = InspectionRateWatchlist.Generate(p.Watchlisted, p.Seed + 1000, tokens);
        var seed = new InspectionRateWatchlist.SeedResult(0, 0, 0, 0, 0);
        if (p.Watchlisted > 0)
        {
            Console.WriteLine($"seeding the watchlist: {p.Watchlisted} seizures, then checks until each person answers with a hit…");
            seed = await watchlist.SeedAsync(http, gatewayUrl, parallel: 8, TimeSpan.FromSeconds(120), ct);
            Console.WriteLine($"  {seed.Posted} seizures posted in {seed.PostSeconds:0.0} s; {seed.Confirmed} persons answered with a hit {seed.PropagationSeconds:0.0} s later");
            if (seed.Confirmed == 0) throw new InvalidOperationException("no seeded person ever answered with a watchlist hit: the flag → lead → watchlist path is broken");
        }
        var workload = GatewayOverheadCommand.Workload.Generate(p.Seed, p.FlaggedPercent, tokens);
        var target = watchlist.Mix(workload.Target("gateway", http, gatewayUrl), gatewayUrl, p.WatchlistPercent);
        using (var response = await http.SendAsync(target.NewRequest(0), ct))
            if (response.StatusCode != HttpStatusCode.Created)
                throw new InvalidOperationException($"the first post answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");

        // The feed runs from the warm-up's start to the soak's end, one stream, its generator sized for the whole time
        // (plus slack for catching up after a stall).
        using var channel = GrpcChannel.ForAddress(platform.GatewayGrpcUrl, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan, UseProxy = false, EnableMultipleHttp2Connections = false },
        });
        var parcelCount = (int)Math.Min(int.MaxValue, Math.Ceiling(p.ParcelsPerSecond * (p.WarmupSeconds + p.Minutes * 60 + 120)) + 1_000);
        await using var feed = p.ParcelsPerSecond > 0 ? MemorySoakFeed.Start(channel, courierToken, Generator(p.Seed, parcelCount), p.ParcelsPerSecond, ct) : null;

        // Warm-up at the same load, not counted. The inspections start with a closed loop of a few workers (a cold open
        // loop at the full rate queues for seconds and runs into Screening's 500 ms watchlist deadline), then the open loop.
        var loop = new InspectionRateOpenLoop(p.MaxInFlight, lateMs: 5);
        long next = 1; // request index across the run, so every minute sends other posts
        var closedSeconds = Math.Min(15, p.WarmupSeconds / 2);
        var warmup = "none";
        if (p.WarmupSeconds > 0)
        {
            var closed = await new ClosedLoop(concurrency: 4, maxRequestsPerRound: 200_000).RunAsync(target, 0, TimeSpan.FromSeconds(closedSeconds), null, ct);
            Console.WriteLine($"  warm-up, closed loop, 4 workers, {closedSeconds:0.#} s: {closed.RequestsPerSecond,6:0} req/s  p50 {closed.P50Ms:0.00} p99 {closed.P99Ms:0.00} ms" +
                              $"{(closed.Errors > 0 ? $"  errors {closed.Errors}" : "")}{(closed.Degraded > 0 ? $"  watchlist-unchecked {closed.Degraded}" : "")}");
            warmup = $"{p.WarmupSeconds:0} s with the feed at {p.ParcelsPerSecond:0.#}/s: {closedSeconds:0.#} s closed loop (4 workers)";
            var openSeconds = p.WarmupSeconds - closedSeconds;
            if (openSeconds >= 1)
            {
                var open = await loop.RunAsync(target, InspectionRateWatchlist.IsHit, p.Rate, TimeSpan.FromSeconds(openSeconds), next, null, ct);
                next += open.Scheduled;
                Console.WriteLine($"  warm-up, open loop, {openSeconds:0.#} s: {InspectionRateReport.Brief(open)}");
                warmup += $", then {openSeconds:0.#} s open loop at {p.Rate:0.#} req/s";
            }
            if (feed is not null) Console.WriteLine($"  warm-up, feed: {feed.Now().Accepted:N0} parcels accepted, {feed.Now().Rejected:N0} rejected");
        }
        if (feed?.Failure is { } early) throw new InvalidOperationException($"the parcel feed failed during the warm-up: {early}");
        var afterWarmup = rss.Read();

        // The soak: one-minute open-loop rounds back to back (the gap between two is the last answers' drain, milliseconds),
        // each minute's feed and CPU taken at the same boundaries.
        var cpu = CpuSampler.Create(platform.Servers.ServersDirectory);
        var minutes = new List<Minute>();
        var soakStart = Stopwatch.GetTimestamp();
        var feedBefore = feed?.Now() ?? new MemorySoakFeed.Counts(0, 0, 0, 0, 0);
        var cpuBefore = cpu?.Take();
        var start = soakStart;
        Console.WriteLine("soak:");
        for (var m = 1; m <= p.Minutes; m++)
        {
            var round = await loop.RunAsync(target, InspectionRateWatchlist.IsHit, p.Rate, TimeSpan.FromSeconds(60), next, null, ct);
            next += round.Scheduled;
            var end = Stopwatch.GetTimestamp();
            var feedAfter = feed?.Now() ?? feedBefore;
            var cpuAfter = cpu?.Take();
            var minute = new Minute(m, start, end, round, feedBefore, feedAfter, cpuAfter is null ? null : cpuAfter.Since(cpuBefore!));
            minutes.Add(minute);
            var means = MemorySoakResult.MeanRss(rss.Samples, start, end);
            Console.WriteLine($"  minute {m,3}: RSS " + string.Join(" ", MemorySoakRss.Services.Select((s, i) => $"{s.Name} {means[i]:0}")) + " MB; " +
                              $"{InspectionRateReport.Brief(round)}; parcels {minute.ParcelsWrittenPerSecond:0}/s written, {minute.ParcelsAcceptedPerSecond:0}/s accepted" +
                              (minute.ParcelsRejected > 0 ? $", {minute.ParcelsRejected} REJECTED" : "") +
                              (feedAfter.Backlog > 0 ? $", writer {feedAfter.Backlog:N0} behind" : "") +
                              (minute.Cpu is { } c ? $"; CPU {c.MachineBusyCores:0.00} busy, other {minute.OtherCores:0.00}" : ""));
            foreach (var sample in round.ErrorSamples) Console.WriteLine($"      error: {sample}");
            (start, feedBefore, cpuBefore) = (end, feedAfter, cpuAfter);
        }
        var soakEnd = start;

        if (feed is not null) await feed.StopAsync(drainSeconds: 30);
        await rss.StopAsync();
        var exited = platform.Processes.Where(x => x.HasExited).Select(x => x.Name).ToList();
        return new MemorySoakResult(p, machine, startSeconds, warmup, seed, atRest, afterWarmup, rss.Samples, soakStart, soakEnd, minutes,
            feed?.Now(), feed?.Failure, feed?.RejectSamples ?? [], feed?.MaxBehind ?? 0, exited);
    }
}

/// <summary>What memory-soak prints and appends to its results file.</summary>
public sealed record MemorySoakResult(
    MemorySoakCommand.Parameters P,
    MachineDescription Machine,
    double StartSeconds,
    string Warmup,
    InspectionRateWatchlist.SeedResult Seed,
    MemorySoakRss.Sample AtRest,
    MemorySoakRss.Sample AfterWarmup,
    IReadOnlyList<MemorySoakRss.Sample> Samples,
    long SoakStart,
    long SoakEnd,
    IReadOnlyList<MemorySoakCommand.Minute> Minutes,
    MemorySoakFeed.Counts? Feed,
    string? FeedFailure,
    IReadOnlyList<string> RejectSamples,
    long FeedMaxBehind,
    IReadOnlyList<string> Exited)
{
    private static readonly string[] CpuColumns = ["client", "gateway", "screening", "leads", "cooperation", "postgres", "rabbitmq", "redis", "other"];

    /// <summary>One service's verdict: peak against the limit, and flatness (last/first minute, slope of the second half).</summary>
    public sealed record Verdict(string Service, double FirstMinuteMb, double LastMinuteMb, double SlopeMbPerMinute, double PeakMb, double WarmupPeakMb,
        int SecondHalfSamples, bool Under, bool Flat)
    {
        public double Ratio => LastMinuteMb / FirstMinuteMb;
        public bool Met => Under && Flat;
    }

    /// <summary>Mean RSS per service over the samples taken in [start, end).</summary>
    public static double[] MeanRss(IReadOnlyList<MemorySoakRss.Sample> samples, long start, long end) =>
        MemorySoakRss.Services.Select((_, i) =>
        {
            var v = samples.Where(s => s.Timestamp >= start && s.Timestamp < end).Select(s => s.Mb[i]).ToList();
            return v.Count == 0 ? double.NaN : v.Average();
        }).ToArray();

    private IEnumerable<MemorySoakRss.Sample> Soak => Samples.Where(s => s.Timestamp >= SoakStart && s.Timestamp <= SoakEnd);

    /// <summary>Too short a soak to call anything flat: first and last minute are (nearly) the same, and the second half is a few samples.</summary>
    public bool TooShort => P.Minutes < 3;

    public IReadOnlyList<Verdict> Verdicts() => MemorySoakRss.Services.Select((s, i) =>
    {
        var first = MeanRss(Samples, Minutes[0].Start, Minutes[0].End)[i];
        var last = MeanRss(Samples, Minutes[^1].Start, Minutes[^1].End)[i];
        var halfway = SoakStart + (SoakEnd - SoakStart) / 2;
        var secondHalf = Soak.Where(x => x.Timestamp >= halfway)
            .Select(x => ((x.Timestamp - SoakStart) / (double)Stopwatch.Frequency / 60, x.Mb[i])).ToList();
        var slope = MemorySoakStats.Slope(secondHalf);
        var peak = Soak.Select(x => x.Mb[i]).DefaultIfEmpty(double.NaN).Max();
        var warmupPeak = Samples.Where(x => x.Timestamp < SoakStart && x.Timestamp >= AtRest.Timestamp).Select(x => x.Mb[i]).DefaultIfEmpty(double.NaN).Max();
        var under = peak < P.LimitMb; // NaN (the process was gone) is not under
        var flat = Math.Abs(last / first - 1) * 100 <= P.MaxDriftPercent && slope < P.MaxSlope;
        return new Verdict(s.Name, first, last, slope, peak, warmupPeak, secondHalf.Count, under, flat);
    }).ToList();

    public InspectionRateRound Inspections => InspectionRateRound.Merge(Minutes.Select(m => m.Inspections).ToList());
    public long InspectionErrors => Minutes.Sum(m => m.Inspections.Errors + m.Inspections.NotSent);
    public long InspectionUnchecked => Minutes.Sum(m => (long)m.Inspections.Unchecked);
    public long ParcelsRejected => Feed?.Rejected ?? 0;

    /// <summary>The load itself succeeded: else the memory figures are of a load that was not the target load.</summary>
    public bool Clean => InspectionErrors == 0 && InspectionUnchecked == 0 && ParcelsRejected == 0 && FeedFailure is null && Exited.Count == 0 &&
                         Soak.All(x => x.Mb.All(v => !double.IsNaN(v)));

    private double SoakSeconds => (SoakEnd - SoakStart) / (double)Stopwatch.Frequency;
    private double ParcelsAcceptedPerSecond => Minutes.Count == 0 ? 0 : (Minutes[^1].FeedAfter.Accepted - Minutes[0].FeedBefore.Accepted) / SoakSeconds;

    private static string F(double v, string format = "0") =>
        double.IsPositiveInfinity(v) ? "∞" : double.IsNaN(v) ? "–" : v.ToString(format, CultureInfo.InvariantCulture);

    private string Thresholds => $"flat = last-minute mean within ±{P.MaxDriftPercent:0.#}% of the first minute's and least-squares slope over the " +
                                 $"second half < {P.MaxSlope:0.##} MB/min; limit {P.LimitMb:0} MB resident (VmRSS, peak of the {P.SampleSeconds:0.#} s samples)";

    private string FlatWord(Verdict v) => (v.Flat ? "flat" : "NOT flat") + (TooShort ? " (too short to judge: --minutes 3 or more, the goal is 10)" : "");

    private string VerdictLine(Verdict v) =>
        $"{v.Service,-12} last/first minute {F(v.Ratio, "0.00")} ({F(v.FirstMinuteMb)} → {F(v.LastMinuteMb)} MB), slope {F(v.SlopeMbPerMinute, "+0.00;-0.00")} MB/min " +
        $"({v.SecondHalfSamples} samples): {FlatWord(v)}; peak {F(v.PeakMb)} MB: {(v.Under ? $"under {P.LimitMb:0}" : $"OVER {P.LimitMb:0}")}" +
        (v.WarmupPeakMb >= P.LimitMb ? $" (!! {F(v.WarmupPeakMb)} MB before the soak: seeding and warm-up)" : "");

    private string LoadLine()
    {
        var all = Inspections;
        return $"inspections through the gateway {P.Rate:0.#}/s offered: {all.AnsweredPerSecond:0.0} answered/s, p50 {F(all.Ms(0.5), "0.0")} ms, p99 {F(all.Ms(0.99), "0.0")} ms " +
               $"(from the due time), errors {InspectionErrors}, watchlist-unchecked {InspectionUnchecked}, hit share {F(all.HitShare * 100, "0.0")}%; " +
               (P.ParcelsPerSecond > 0
                   ? $"parcels via one gRPC stream {P.ParcelsPerSecond:0.#}/s offered: {ParcelsAcceptedPerSecond:0.0} accepted/s, {ParcelsRejected} rejected (whole run), " +
                     $"writer at most {FeedMaxBehind:N0} records behind schedule"
                   : "no parcel feed (--parcels-per-second 0)");
    }

    /// <summary>What makes the run's figures less trustworthy without making the load fail: other work on the cores, a feed behind its schedule.</summary>
    public IEnumerable<string> Warnings()
    {
        var other = Minutes.Select(m => m.OtherCores).Where(v => !double.IsNaN(v)).DefaultIfEmpty(0).Max();
        if (other > 0.15)
            yield return $"processes outside this run (and the kernel) took up to {other:0.00} cores in a minute: the load competed for the 2 cores, latencies and backlogs are inflated";
        var behind = Minutes.Select(m => m.FeedAfter.Backlog).DefaultIfEmpty(0).Max();
        if (P.ParcelsPerSecond > 0 && Math.Max(behind, FeedMaxBehind) > P.ParcelsPerSecond)
            yield return $"the parcel feed fell behind its schedule (up to {FeedMaxBehind:N0} records at a tick, {behind:N0} at a minute's end) and caught up " +
                         "by writing faster than the rate: the services held bursts above the target load";
    }

    public string Text()
    {
        var b = new StringBuilder();
        if (!Clean)
        {
            b.AppendLine("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
            b.AppendLine("!! THE LOAD DID NOT FULLY SUCCEED:");
            if (InspectionErrors > 0 || InspectionUnchecked > 0)
            {
                b.AppendLine($"!!   inspections: {InspectionErrors} errors or not sent, {InspectionUnchecked} watchlist-unchecked");
                foreach (var (kind, n) in Inspections.ErrorsByKind) b.AppendLine($"!!     {kind}: {n}");
                foreach (var s in Inspections.ErrorSamples) b.AppendLine($"!!     {s}");
            }
            if (ParcelsRejected > 0)
            {
                b.AppendLine($"!!   parcels: {ParcelsRejected} REJECTED");
                foreach (var s in RejectSamples) b.AppendLine($"!!     {s}");
            }
            if (FeedFailure is not null) b.AppendLine($"!!   parcel feed: {FeedFailure}");
            if (Exited.Count > 0) b.AppendLine($"!!   process(es) ended during the run: {string.Join(", ", Exited)}");
            if (Soak.Any(x => x.Mb.Any(double.IsNaN))) b.AppendLine("!!   a service's VmRSS could not be read in some samples (the process was gone)");
            b.AppendLine("!! The memory figures below are of a load that was not the target load.");
            b.AppendLine("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        }
        foreach (var warning in Warnings()) b.AppendLine($"  !! {warning}");
        var verdicts = Verdicts();
        var failing = verdicts.Where(v => !v.Met).Select(v => v.Service).ToList();
        b.AppendLine($"MEMORY over a {Minutes.Count}-minute soak (DESIGN.md §7: each service under {P.LimitMb:0} MB resident under the target load, flat): " +
                     (TooShort ? "not judged, the soak is too short" : failing.Count == 0 ? "goal met by every service" : $"goal NOT met by {string.Join(", ", failing)}"));
        foreach (var v in verdicts) b.AppendLine("  " + VerdictLine(v));
        b.AppendLine($"  ({Thresholds})");
        b.AppendLine($"  load: {LoadLine()}");
        b.AppendLine("  RSS MB        " + string.Join(" ", MemorySoakRss.Services.Select(s => $"{s.Name,11}")));
        b.AppendLine("  at rest       " + string.Join(" ", AtRest.Mb.Select(v => $"{F(v),11}")) + $"   (platform up, before the watchlist seeding)");
        b.AppendLine("  after warm-up " + string.Join(" ", AfterWarmup.Mb.Select(v => $"{F(v),11}")));
        b.AppendLine();
        b.AppendLine("  minute |  RSS MB: gateway screening  leads coop. | inspections/s  p50 ms  p99 ms errors unchecked | parcels/s: written accepted rejected backlog | CPU busy other");
        foreach (var m in Minutes)
        {
            var mean = MeanRss(Samples, m.Start, m.End);
            var r = m.Inspections;
            b.AppendLine($"  {m.Number,6} | {F(mean[0]),15} {F(mean[1]),9} {F(mean[2]),6} {F(mean[3]),5} | {r.AnsweredPerSecond,13:0.0} {F(r.Ms(0.5), "0.0"),7} {F(r.Ms(0.99), "0.0"),7} " +
                         $"{r.Errors + r.NotSent,6} {r.Unchecked,9} | {m.ParcelsWrittenPerSecond,18:0.0} {m.ParcelsAcceptedPerSecond,8:0.0} {m.ParcelsRejected,8} {m.FeedAfter.Backlog,7} | " +
                         $"{(m.Cpu is { } c ? F(c.MachineBusyCores, "0.00") : "–"),8} {F(m.OtherCores, "0.00"),5}");
        }
        if (Minutes.Any(m => m.Cpu is not null))
        {
            b.AppendLine();
            b.AppendLine("  CPU (cores) minute " + string.Join(" ", CpuColumns.Select(g => $"{g,11}")));
            foreach (var m in Minutes.Where(m => m.Cpu is not null))
                b.AppendLine($"  {m.Number,17} " + string.Join(" ", CpuColumns.Select(g => $"{m.Cpu!.Cores.GetValueOrDefault(g),11:0.00}")));
        }
        b.AppendLine($"  warm-up: {Warmup}; platform up in {StartSeconds:0} s");
        return b.ToString();
    }

    public void Append(string file)
    {
        var verdicts = Verdicts();
        var failing = verdicts.Where(v => !v.Met).Select(v => v.Service).ToList();
        var b = ResultsFile.Section(file, "memory-soak", Machine,
            "DESIGN.md §7 goal: each service under 300 MB resident under the target load (inspection posts at a fixed rate and a",
            "courier parcel feed, both through the gateway), flat over a 10-minute soak. See the memory-soak section of",
            "tests/JinDu.Benchmarks/README.md.");
        b.AppendLine($"- Parameters: `--minutes {P.Minutes} --warmup-seconds {P.WarmupSeconds} --rate {P.Rate} --parcels-per-second {P.ParcelsPerSecond} " +
                     $"--sample-seconds {P.SampleSeconds} --limit-mb {P.LimitMb} --max-slope {P.MaxSlope} --max-drift-percent {P.MaxDriftPercent} " +
                     $"--watchlisted {P.Watchlisted} --watchlist-percent {P.WatchlistPercent} --flagged-percent {P.FlaggedPercent} --max-in-flight {P.MaxInFlight} --seed {P.Seed}`");
        b.AppendLine($"- Warm-up: {Warmup}; watchlist: {Seed.Confirmed} of {Seed.Posted} seeded persons confirmed; platform up in {StartSeconds:0} s");
        b.AppendLine($"- Load: {LoadLine()}");
        if (!Clean)
            b.AppendLine($"- **NOT CLEAN**: inspections {InspectionErrors} errors or not sent, {InspectionUnchecked} watchlist-unchecked; parcels {ParcelsRejected} rejected" +
                         (FeedFailure is null ? "" : $"; feed: {FeedFailure}") + (Exited.Count == 0 ? "" : $"; ended: {string.Join(", ", Exited)}") +
                         "; the memory figures are of a load that was not the target load");
        else
            b.AppendLine("- Errors, watchlist-unchecked, rejected parcels: none");
        foreach (var warning in Warnings()) b.AppendLine($"- **Warning**: {warning}");
        b.AppendLine($"- **Memory goal: {(TooShort ? "not judged (soak too short)" : failing.Count == 0 ? "met by every service" : $"NOT met by {string.Join(", ", failing)}")}** ({Thresholds})");
        b.AppendLine();
        b.AppendLine("| service | last/first minute | first minute MB | last minute MB | slope, second half, MB/min | flat | peak MB | under the limit | at rest MB | after warm-up MB | peak before the soak (seeding, warm-up) MB |");
        b.AppendLine("|---|---:|---:|---:|---:|---|---:|---|---:|---:|---:|");
        for (var i = 0; i < verdicts.Count; i++)
        {
            var v = verdicts[i];
            b.AppendLine($"| {v.Service} | **{F(v.Ratio, "0.00")}** | {F(v.FirstMinuteMb, "0.0")} | {F(v.LastMinuteMb, "0.0")} | {F(v.SlopeMbPerMinute, "+0.00;-0.00")} | " +
                         $"{(v.Flat ? "yes" : "**no**")}{(TooShort ? " (too short)" : "")} | {F(v.PeakMb, "0.0")} | {(v.Under ? "yes" : "**no**")} | " +
                         $"{F(AtRest.Mb[i], "0.0")} | {F(AfterWarmup.Mb[i], "0.0")} | {F(v.WarmupPeakMb, "0.0")} |");
        }
        b.AppendLine();
        b.AppendLine("| minute | gateway MB | screening MB | leads MB | cooperation MB | inspections answered/s | p50 ms | p99 ms | errors | watchlist-unchecked | parcels written/s | parcels accepted/s | parcels rejected | feed backlog at the end | CPU busy (cores) | " +
                     string.Join(" | ", CpuColumns) + " |");
        b.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + string.Concat(CpuColumns.Select(_ => "---:|")));
        foreach (var m in Minutes)
        {
            var mean = MeanRss(Samples, m.Start, m.End);
            var r = m.Inspections;
            b.AppendLine($"| {m.Number} | {F(mean[0], "0.0")} | {F(mean[1], "0.0")} | {F(mean[2], "0.0")} | {F(mean[3], "0.0")} | {F(r.AnsweredPerSecond, "0.0")} | " +
                         $"{F(r.Ms(0.5), "0.00")} | {F(r.Ms(0.99), "0.00")} | {r.Errors + r.NotSent} | {r.Unchecked} | {F(m.ParcelsWrittenPerSecond, "0.0")} | {F(m.ParcelsAcceptedPerSecond, "0.0")} | {m.ParcelsRejected} | {m.FeedAfter.Backlog} | " +
                         $"{(m.Cpu is { } c ? F(c.MachineBusyCores, "0.00") : "")} | " +
                         string.Join(" | ", CpuColumns.Select(g => m.Cpu is { } cu ? F(cu.Cores.GetValueOrDefault(g), "0.00") : "")) + " |");
        }
        ResultsFile.Append(file, b);
    }
}
