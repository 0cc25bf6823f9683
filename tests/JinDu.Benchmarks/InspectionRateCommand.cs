using System.Diagnostics;
using System.Net;
using JinDu.Testing;

namespace JinDu.Benchmarks;

/// <summary>
/// DESIGN.md §7 / issue 3: inspection posts with watchlist matches through the gateway at a fixed
/// 500 requests/s, p99 under 25 ms; and the highest rate that keeps p99 under 25 ms. An open loop
/// (<see cref="InspectionRateOpenLoop"/>): requests leave on a schedule, latency from the due time. After a
/// few hundred persons are put on the watchlist through seizures, it runs the fixed rate through the gateway
/// and straight to Screening (the baseline) in alternating rounds, then steps the gateway's rate up
/// until p99 breaks the goal and refines between the last passing and the first failing step.
/// </summary>
public sealed class InspectionRateCommand : IBenchmarkCommand
{
    private const string InspectionsPath = "/api/screening/v1/inspections";

    public string Name => "inspection-rate";
    public string Summary => "open loop at a fixed 500 req/s of inspection posts with watchlist hits, through the gateway vs. direct; highest rate with p99 < 25 ms";
    public string Usage => """
        options:
          --rate N              the fixed rate, requests per second (default 500)
          --seconds N           time at the fixed rate per path (default 60), in --rounds rounds per path
          --rounds N            rounds per path at the fixed rate, alternating gateway/direct ABBA (default 2)
          --goal-ms N           the p99 goal (default 25)
          --warmup-seconds N    load before measuring, not counted, in 5 s windows alternating the paths: up to
                                15 s a closed loop of 4 workers, the rest the open loop at --rate (default 60; it
                                also absorbs the platform's after-effects of seeding 300 leads at once, see README)
          --search-budget-seconds N
                                time for the step search through the gateway; 0 leaves it out (default 160)
          --step-seconds N      length of each search step (default 20)
          --search-start N      first rate of the search (default 300)
          --search-step N       rise per step until a step fails; refined by halving after (default 100)
          --search-max N        highest rate tried (default 2000)
          --refine-to N         stop refining when passing and failing rates are this close (default 25)
          --max-in-flight N     concurrency cap of the load generator; a due request that finds it full waits
                                and counts as held (default 256)
          --late-ms N           a request leaving the client more than this after its due time counts as late (default 5)
          --watchlisted N       persons put on the watchlist first by posting seizures (default 300)
          --watchlist-percent P share of the load's posts that are "clear" checks of those persons (default 10)
          --flagged-percent P   share of the other posts that are "suspicious" (outbox → lead) (default 2)
          --pause-seconds N     idle time between rounds and steps, for the outbox and consumers to drain (default 2)
          --seed N              seed of the generated subjects (default 42)
          --results FILE        markdown file the run is appended to
                                (default tests/JinDu.Benchmarks/results/inspection-rate.md)
        Every request counts: one that failed, was not sent in time or answered "watchlist not checked" is
        counted as slower than the goal in the percentiles. A step passes when p99 < goal with no errors.
        """;

    public sealed record Parameters(double Rate, double Seconds, int Rounds, double GoalMs, double WarmupSeconds, double SearchBudgetSeconds,
        double StepSeconds, double SearchStart, double SearchStep, double SearchMax, double RefineTo, int MaxInFlight, double LateMs,
        int Watchlisted, double WatchlistPercent, double FlaggedPercent, double PauseSeconds, int Seed);

    /// <summary>One step of the search, and why it was run.</summary>
    public sealed record SearchStep(InspectionRateRound Round, string Phase, bool Passed);

    public sealed record Outcome(InspectionRateRound Gateway, InspectionRateRound Direct, IReadOnlyList<InspectionRateRound> Rounds,
        IReadOnlyList<SearchStep> Steps, double? HighestPassing, double? LowestFailing, string SearchNote, string Warmup,
        InspectionRateWatchlist.SeedResult Seed, int WorkloadPosts, double WorkloadFlaggedShare, double StartSeconds);

    public async Task<int> RunAsync(Options options, CancellationToken ct)
    {
        var p = new Parameters(
            Rate: options.Double("rate", 500, 1, 20_000),
            Seconds: options.Double("seconds", 60, 1, 600),
            Rounds: options.Int("rounds", 2, 1, 20),
            GoalMs: options.Double("goal-ms", 25, 0.1, 10_000),
            WarmupSeconds: options.Double("warmup-seconds", 60, 0, 600),
            SearchBudgetSeconds: options.Double("search-budget-seconds", 160, 0, 1800),
            StepSeconds: options.Double("step-seconds", 20, 1, 300),
            SearchStart: options.Double("search-start", 300, 1, 20_000),
            SearchStep: options.Double("search-step", 100, 1, 10_000),
            SearchMax: options.Double("search-max", 2000, 1, 20_000),
            RefineTo: options.Double("refine-to", 25, 1, 10_000),
            MaxInFlight: options.Int("max-in-flight", 256, 1, 10_000),
            LateMs: options.Double("late-ms", 5, 0, 10_000),
            Watchlisted: options.Int("watchlisted", 300, 0, 100_000),
            WatchlistPercent: options.Double("watchlist-percent", 10, 0, 100),
            FlaggedPercent: options.Double("flagged-percent", 2, 0, 100),
            PauseSeconds: options.Double("pause-seconds", 2, 0, 60),
            Seed: options.Int("seed", 42, 0, int.MaxValue - 1000));
        var resultsFile = options.String("results")
                          ?? Path.Combine(ServiceProcess.RepoRoot(), "tests", "JinDu.Benchmarks", "results", "inspection-rate.md");
        options.EnsureAllRead();
        if (p.Watchlisted == 0 && p.WatchlistPercent > 0)
            throw new ArgumentException("--watchlist-percent needs --watchlisted > 0 (the persons its posts are about)");

        var machine = MachineDescription.Current();
        Console.WriteLine($"inspection-rate: {machine.Summary}");
        Console.WriteLine($"  open loop at {p.Rate:0.#} req/s, {p.Seconds:0.#} s per path in {p.Rounds} round(s) (ABBA), goal p99 < {p.GoalMs:0.#} ms; " +
                          $"{p.Watchlisted} persons on the watchlist, {p.WatchlistPercent:0.##}% of posts about them; " +
                          $"step search {p.SearchBudgetSeconds:0} s in {p.StepSeconds:0.#} s steps");
        return await BenchmarkPlatform.RunAsync(Name, machine, async (platform, startSeconds) =>
        {
            var outcome = await MeasureAsync(platform, p, startSeconds, ct);
            Console.WriteLine();
            Console.Write(InspectionRateReport.Text(outcome, p));
            InspectionRateReport.Append(resultsFile, outcome, p, machine);
            Console.WriteLine($"results appended to {resultsFile}");
            return outcome.Rounds.Any(r => r.Errors > 0 || r.NotSent > 0 || r.Unchecked > 0) ? 1 : 0;
        }, ct);
    }

    private static async Task<Outcome> MeasureAsync(DistributedPlatform platform, Parameters p, double startSeconds, CancellationToken ct)
    {
        var client = platform.Platform();
        var tokens = await LoadClient.OfficerTokensAsync(client);
        using var http = LoadClient.Create(p.MaxInFlight, connectTimeout: TimeSpan.FromSeconds(5), requestTimeout: TimeSpan.FromSeconds(10));

        var gatewayUrl = new Uri(new Uri(platform.GatewayUrl), InspectionsPath);
        var directUrl = new Uri(new Uri(platform.ScreeningUrl), InspectionsPath);

        // The watchlist first, through the gateway as officers would.
        var watchlist = InspectionRateWatchlist.Generate(p.Watchlisted, p.Seed + 1000, tokens);
        var seed = new InspectionRateWatchlist.SeedResult(0, 0, 0, 0, 0);
        if (p.Watchlisted > 0)
        {
            Console.WriteLine($"seeding the watchlist: {p.Watchlisted} seizures, then checks until each person answers with a hit…");
            seed = await watchlist.SeedAsync(http, gatewayUrl, parallel: 8, TimeSpan.FromSeconds(120), ct);
            Console.WriteLine($"  {seed.Posted} seizures posted in {seed.PostSeconds:0.0} s; {seed.Confirmed} persons answered with a hit " +
                              $"{seed.PropagationSeconds:0.0} s later ({seed.CheckPosts} check posts)");
            if (seed.Confirmed == 0) throw new InvalidOperationException("no seeded person ever answered with a watchlist hit: the flag → lead → watchlist path is broken");
            if (seed.Confirmed < seed.Posted) Console.WriteLine($"  !! {seed.Posted - seed.Confirmed} persons never answered with a hit; the load leaves them out");
        }

        var workload = GatewayOverheadCommand.Workload.Generate(p.Seed, p.FlaggedPercent, tokens);
        var gateway = watchlist.Mix(workload.Target("gateway", http, gatewayUrl), gatewayUrl, p.WatchlistPercent);
        var direct = watchlist.Mix(workload.Target("direct", http, directUrl), directUrl, p.WatchlistPercent);

        // One post each way first: a set-up problem (401, 404, 400) fails here, with its answer, not as a wall of errors.
        foreach (var target in new[] { direct, gateway })
        {
            using var response = await http.SendAsync(target.NewRequest(0), ct);
            if (response.StatusCode != HttpStatusCode.Created)
                throw new InvalidOperationException($"the first post {target.Name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        var loop = new InspectionRateOpenLoop(p.MaxInFlight, p.LateMs);
        var cpu = CpuSampler.Create(platform.Servers.ServersDirectory);
        long next = 1; // request index across the whole run, so every round sends other posts
        async Task<InspectionRateRound> Run(LoadTarget target, double rate, double seconds, CpuSampler? sampler)
        {
            var r = await loop.RunAsync(target, InspectionRateWatchlist.IsHit, rate, TimeSpan.FromSeconds(seconds), next, sampler, ct);
            next += r.Scheduled;
            return r;
        }
        async Task Pause()
        {
            if (p.PauseSeconds > 0) await Task.Delay(TimeSpan.FromSeconds(p.PauseSeconds), ct);
        }

        // Warm-up, not counted, 5 s windows alternating the paths. First (up to 15 s): a closed loop of a few workers
        // (ClosedLoop), which cannot pile up a backlog while the services are still cold (a cold open loop at the
        // full rate queues for seconds and runs into Screening's 500 ms watchlist deadline). Second half: the
        // open loop at the fixed rate, below saturation, so the JIT's background tier-up gets its share. Seeding the
        // watchlist (hundreds of flags at once) has after-effects in Leads and Cooperation for about 40 s; the
        // warm-up outlasts them so the measured rounds see the steady state.
        var warmupWindows = (int)Math.Floor(p.WarmupSeconds / 5);
        var closedWindows = Math.Min(3, warmupWindows / 2);
        var warmLoop = new ClosedLoop(concurrency: 4, maxRequestsPerRound: 200_000);
        for (var w = 0; w < warmupWindows; w++)
        {
            var target = w % 2 == 0 ? gateway : direct;
            if (w < closedWindows)
            {
                var c = await warmLoop.RunAsync(target, 0, TimeSpan.FromSeconds(5), null, ct);
                Console.WriteLine($"  warm-up {c.Path,-7}: closed loop, 4 workers: {c.RequestsPerSecond,6:0} req/s  p50 {c.P50Ms:0.00} p99 {c.P99Ms:0.00} ms" +
                                  $"{(c.Errors > 0 ? $"  errors {c.Errors}" : "")}{(c.Degraded > 0 ? $"  watchlist-unchecked {c.Degraded}" : "")}");
            }
            else
            {
                var r = await Run(target, p.Rate, 5, null);
                Console.WriteLine($"  warm-up {r.Path,-7}: {InspectionRateReport.Brief(r)}");
            }
        }
        var warmup = warmupWindows == 0 ? "none" : $"{warmupWindows} window(s) of 5 s alternating the paths: {closedWindows} closed-loop (4 workers), " +
                                                   $"{warmupWindows - closedWindows} open-loop at {p.Rate:0.#} req/s";

        // The fixed rate, ABBA: gateway, direct, direct, gateway, … so drift falls on both paths alike.
        var rounds = new List<InspectionRateRound>();
        var roundSeconds = p.Seconds / p.Rounds;
        for (var i = 0; i < 2 * p.Rounds; i++)
        {
            var gatewayFirst = (i / 2) % 2 == 0;
            var target = (i % 2 == 0) == gatewayFirst ? gateway : direct;
            await Pause();
            var r = await Run(target, p.Rate, roundSeconds, cpu);
            rounds.Add(r);
            Console.WriteLine($"  round {i / 2 + 1} {r.Path,-7}: {InspectionRateReport.Brief(r)}{InspectionRateReport.CpuBrief(r)}");
            if (InspectionRateReport.WorstSeconds(r, p.GoalMs) is { } worst) Console.WriteLine($"      {worst}");
            foreach (var sample in r.ErrorSamples) Console.WriteLine($"      error: {sample}");
        }
        var gatewayAll = InspectionRateRound.Merge(rounds.Where(r => r.Path == "gateway").ToList());
        var directAll = InspectionRateRound.Merge(rounds.Where(r => r.Path == "direct").ToList());

        // The step search, through the gateway: up by --search-step while steps pass, then halve the gap.
        var steps = new List<SearchStep>();
        double? passing = null, failing = null;
        var note = "";
        var searchClock = Stopwatch.StartNew();
        bool Fits() => searchClock.Elapsed.TotalSeconds + p.StepSeconds + p.PauseSeconds <= p.SearchBudgetSeconds + 0.001;
        async Task<bool> Step(double rate, string phase)
        {
            await Pause();
            var r = await Run(gateway, rate, p.StepSeconds, cpu);
            var passed = r.Meets(p.GoalMs);
            steps.Add(new SearchStep(r, phase, passed));
            Console.WriteLine($"  step {rate,6:0} req/s ({phase}): {InspectionRateReport.Brief(r)}  → {(passed ? "pass" : "FAIL")}{InspectionRateReport.CpuBrief(r)}");
            if (!passed && InspectionRateReport.WorstSeconds(r, p.GoalMs) is { } worst) Console.WriteLine($"      {worst}");
            if (passed) passing = Math.Max(passing ?? 0, rate);
            else failing = Math.Min(failing ?? double.MaxValue, rate);
            return passed;
        }
        if (p.SearchBudgetSeconds > 0)
        {
            Console.WriteLine($"step search through the gateway (goal p99 < {p.GoalMs:0.#} ms, at most {p.SearchBudgetSeconds:0} s):");
            var rate = Math.Min(p.SearchStart, p.SearchMax);
            // Up while passing (or down while failing at the start).
            while (Fits())
            {
                var passed = await Step(rate, failing is null && passing is null ? "first" : passing is null ? "down" : "up");
                if (passed && failing is not null) break;
                if (!passed && passing is not null) break;
                if (passed && rate >= p.SearchMax) { note = $"passed up to --search-max {p.SearchMax:0}"; break; }
                var nextRate = passed ? Math.Min(rate + p.SearchStep, p.SearchMax) : rate - p.SearchStep;
                if (nextRate < 1) { note = "failed even at the lowest rate tried"; break; }
                rate = nextRate;
            }
            // Refine between the highest passing and the lowest failing rate.
            while (passing is { } lo && failing is { } hi && hi - lo > p.RefineTo && Fits())
            {
                var mid = Math.Round((lo + hi) / 2 / 5) * 5;
                if (mid <= lo || mid >= hi) break;
                await Step(mid, "refine");
            }
            if (note == "" && (passing is null || failing is null || failing - passing > p.RefineTo) && !Fits())
                note = "the search budget ran out before the bracket closed";
        }

        return new Outcome(gatewayAll, directAll, rounds, steps, passing, failing, note, warmup, seed,
            workload.Count, workload.FlaggedCount / (double)workload.Count, startSeconds);
    }
}
