using System.Globalization;
using System.Text;

namespace JinDu.Benchmarks;

/// <summary>What inspection-rate prints and appends to its results file.</summary>
public static class InspectionRateReport
{
    private static readonly string[] CpuColumns = ["client", "gateway", "screening", "leads", "cooperation", "postgres", "rabbitmq", "redis", "other"];

    private static string F(double v, string format = "0.00") =>
        double.IsPositiveInfinity(v) ? "∞" : double.IsNaN(v) ? "–" : v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>One line: the percentiles from the due time and what went wrong.</summary>
    public static string Brief(InspectionRateRound r)
    {
        var s = $"{r.AnsweredPerSecond,6:0} answered/s  p50 {F(r.Ms(0.50)),6} p90 {F(r.Ms(0.90)),6} p99 {F(r.Ms(0.99)),7} max {F(r.MaxOkMs, "0.0"),6} ms" +
                $"  hits {F(r.HitShare * 100, "0.0")}%";
        if (r.Errors > 0) s += $"  errors {r.Errors}";
        if (r.Unchecked > 0) s += $"  watchlist-unchecked {r.Unchecked}";
        if (r.NotSent > 0) s += $"  not sent {r.NotSent}";
        if (r.HeldByCap > 0) s += $"  held by cap {r.HeldByCap}";
        return s;
    }

    public static string CpuBrief(InspectionRateRound r) => r.Cpu is not { } c ? "" :
        $"  | CPU {c.MachineBusyCores:0.00} busy: " + string.Join(" ", CpuColumns.Where(g => c.Cores.GetValueOrDefault(g) >= 0.02)
            .Select(g => $"{g} {c.Cores.GetValueOrDefault(g):0.00}"));

    /// <summary>The seconds of a round whose p99 broke the goal: how many, and the worst few with the CPU of that second.</summary>
    public static string? WorstSeconds(InspectionRateRound r, double goalMs, int show = 3)
    {
        var worst = r.WorstSeconds(goalMs).ToList();
        if (worst.Count == 0 || r.Timeline.Count == 0) return null;
        return $"{worst.Count} of {r.Timeline.Count} s had p99 ≥ {goalMs:0.#} ms; worst: " + string.Join("; ", worst.Take(show).Select(x =>
            $"t={x.Second} s p99 {F(x.P99Ms, "0")} max {F(x.MaxMs, "0")} ms{(x.Failed > 0 ? $" ({x.Failed} failed)" : "")}" +
            (x.Cpu is { } c ? $" [CPU {c.MachineBusyCores:0.00}: " + string.Join(" ", CpuColumns.OrderByDescending(g => c.Cores.GetValueOrDefault(g)).Take(4)
                .Select(g => $"{g} {c.Cores.GetValueOrDefault(g):0.00}")) + "]" : "")));
    }

    /// <summary>p99 gateway/direct of each ABBA pair of fixed-rate rounds.</summary>
    public static IReadOnlyList<double> PairP99Ratios(InspectionRateCommand.Outcome o) =>
        Enumerable.Range(0, o.Rounds.Count / 2).Select(i =>
        {
            var pair = o.Rounds.Skip(2 * i).Take(2).ToList();
            return pair.Single(r => r.Path == "gateway").Ms(0.99) / pair.Single(r => r.Path == "direct").Ms(0.99);
        }).ToList();

    /// <summary>Largest share of CPU that went to processes this run did not start (and kernel work), in cores.</summary>
    public static double MaxOther(InspectionRateCommand.Outcome o) =>
        o.Rounds.Concat(o.Steps.Select(s => s.Round)).Where(r => r.Cpu is not null).Select(r => r.Cpu!.Cores.GetValueOrDefault("other")).DefaultIfEmpty(0).Max();

    public static double P99Ratio(InspectionRateCommand.Outcome o) => o.Gateway.Ms(0.99) / o.Direct.Ms(0.99);
    public static double P50Ratio(InspectionRateCommand.Outcome o) => o.Gateway.Ms(0.50) / o.Direct.Ms(0.50);

    private static string Highest(InspectionRateCommand.Outcome o, InspectionRateCommand.Parameters p) => (o.HighestPassing, o.LowestFailing) switch
    {
        ({ } lo, { } hi) => $"{lo:0} req/s (passed {lo:0}, failed {hi:0})",
        ({ } lo, null) => $"at least {lo:0} req/s (no step failed{(o.SearchNote == "" ? "" : "; " + o.SearchNote)})",
        (null, { } hi) => $"below {hi:0} req/s (no step passed{(o.SearchNote == "" ? "" : "; " + o.SearchNote)})",
        _ => p.SearchBudgetSeconds > 0 ? "not measured (no step fitted the budget)" : "not measured (--search-budget-seconds 0)",
    };

    public static string Text(InspectionRateCommand.Outcome o, InspectionRateCommand.Parameters p)
    {
        var b = new StringBuilder();
        var fixedRounds = o.Rounds;
        var errors = fixedRounds.Sum(r => r.Errors);
        if (errors > 0 || fixedRounds.Any(r => r.NotSent > 0))
        {
            b.AppendLine("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
            b.AppendLine($"!! THE FIXED-RATE ROUNDS HAD {errors} ERRORS and {fixedRounds.Sum(r => r.NotSent)} requests not sent in time:");
            foreach (var r in new[] { o.Gateway, o.Direct })
                foreach (var (kind, n) in r.ErrorsByKind) b.AppendLine($"!!   {r.Path}: {kind}: {n}");
            if (o.Gateway.ErrorsByKind.Keys.Any(k => k.Contains("429")))
                b.AppendLine("!! 429 is the gateway's per-caller rate limit (Gateway:RateLimit, 500/s per officer).");
            b.AppendLine("!! They count as slower than the goal in the percentiles.");
            b.AppendLine("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        }
        var g = o.Gateway;
        var d = o.Direct;
        b.AppendLine($"RATIO p99 gateway/direct at {p.Rate:0} req/s: {F(P99Ratio(o))}   (per round pair {string.Join(", ", PairP99Ratios(o).Select(x => F(x)))}; p50 ratio {F(P50Ratio(o))}; " +
                     $"added by the gateway: p50 {F(g.Ms(0.5) - d.Ms(0.5), "+0.00;-0.00")} ms, p99 {F(g.Ms(0.99) - d.Ms(0.99), "+0.00;-0.00")} ms)");
        b.AppendLine($"GATEWAY at {p.Rate:0} req/s: p99 {F(g.Ms(0.99))} ms — goal < {p.GoalMs:0.#} ms: {(g.Meets(p.GoalMs) ? "met" : "NOT met")}");
        b.AppendLine($"HIGHEST RATE through the gateway with p99 < {p.GoalMs:0.#} ms: {Highest(o, p)}");
        b.AppendLine();
        b.AppendLine($"  {p.Seconds:0} s per path at {p.Rate:0} req/s   answered/s  p50 ms  p90 ms   p99 ms   max ms  errors unchecked not-sent  held late  hits   service p99  start-lag p99");
        foreach (var r in new[] { g, d })
            b.AppendLine($"  {r.Path,-33} {r.AnsweredPerSecond,10:0} {F(r.Ms(0.5)),7} {F(r.Ms(0.9)),7} {F(r.Ms(0.99)),8} {F(r.MaxOkMs, "0.0"),8} {r.Errors,7} {r.Unchecked,9} {r.NotSent,8} " +
                         $"{r.HeldByCap,5} {r.Late,4} {F(r.HitShare * 100, "0.0"),5}% {F(r.ServiceMs(0.99)),9} ms {F(r.LagMs(0.99)),9} ms");
        if (g.Cpu is not null && d.Cpu is not null)
        {
            b.AppendLine();
            b.AppendLine("  CPU (cores) at the fixed rate  " + string.Join(" ", CpuColumns.Select(c => $"{c,8}")) + "  machine");
            foreach (var r in new[] { g, d })
                b.AppendLine($"  {r.Path,-30} " + string.Join(" ", CpuColumns.Select(c => $"{r.Cpu!.Cores.GetValueOrDefault(c),8:0.00}")) + $" {r.Cpu!.MachineBusyCores,8:0.00}");
        }
        if (o.Steps.Count > 0)
        {
            b.AppendLine();
            b.AppendLine($"  step search through the gateway, {p.StepSeconds:0} s steps");
            foreach (var s in o.Steps)
                b.AppendLine($"  {s.Round.Rate,6:0} req/s {s.Phase,-6} {(s.Passed ? "pass" : "FAIL")}  {Brief(s.Round)}{CpuBrief(s.Round)}");
        }
        var worstLines = o.Rounds.Select((r, i) => (Name: $"round {i / 2 + 1} {r.Path}", Round: r))
            .Concat(o.Steps.Select(s => (Name: $"step {s.Round.Rate:0}", s.Round)))
            .Select(x => (x.Name, Text: WorstSeconds(x.Round, p.GoalMs))).Where(x => x.Text is not null).ToList();
        if (worstLines.Count > 0)
        {
            b.AppendLine();
            b.AppendLine("  where p99 broke the goal (per second of due time):");
            foreach (var (name, text) in worstLines) b.AppendLine($"  {name,-16} {text}");
        }
        b.AppendLine();
        if (MaxOther(o) > 0.3)
            b.AppendLine($"  !! up to {MaxOther(o):0.00} cores went to \"other\" (processes this run did not start, short-lived ones, kernel work): " +
                         "something else probably ran on the machine; latencies may be inflated.");
        b.AppendLine($"  watchlist: {o.Seed.Confirmed} persons confirmed by a hit {F(o.Seed.PropagationSeconds, "0.0")} s after their {o.Seed.Posted} seizures were posted; " +
                     $"{p.WatchlistPercent:0.##}% of posts are about them, the other posts are {o.WorkloadPosts} generated ones ({o.WorkloadFlaggedShare * 100:0.0}% \"suspicious\")");
        b.AppendLine($"  percentiles are from each request's due time; errors, requests not sent in time and \"watchlist unchecked\" count as slower than any goal (∞)");
        b.AppendLine($"  generator: at most {p.MaxInFlight} in flight (\"held\": due requests that waited for a slot); \"late\": left the client > {p.LateMs:0.#} ms after their due time; warm-up: {o.Warmup}");
        return b.ToString();
    }

    public static void Append(string file, InspectionRateCommand.Outcome o, InspectionRateCommand.Parameters p, MachineDescription m)
    {
        var g = o.Gateway;
        var d = o.Direct;
        var b = ResultsFile.Section(file, "inspection-rate", m,
            "DESIGN.md §7 goal: inspection posts with watchlist matches through the gateway, p99 under 25 ms at",
            "500 req/s. Open loop (latency from each request's due time); what the figures mean on a 2-core machine: see",
            "tests/JinDu.Benchmarks/README.md.");
        b.AppendLine($"- Parameters: `--rate {p.Rate} --seconds {p.Seconds} --rounds {p.Rounds} --goal-ms {p.GoalMs} --warmup-seconds {p.WarmupSeconds} " +
                     $"--search-budget-seconds {p.SearchBudgetSeconds} --step-seconds {p.StepSeconds} --search-start {p.SearchStart} --search-step {p.SearchStep} " +
                     $"--max-in-flight {p.MaxInFlight} --watchlisted {p.Watchlisted} --watchlist-percent {p.WatchlistPercent} --flagged-percent {p.FlaggedPercent} --seed {p.Seed}`");
        b.AppendLine($"- Watchlist: {o.Seed.Confirmed} of {o.Seed.Posted} persons seeded by seizure posts answered with a hit {o.Seed.PropagationSeconds:0.0} s after the posts " +
                     $"(seizure → outbox → RabbitMQ → lead → WatchlistChanged → Redis); {p.WatchlistPercent:0.##}% of the load is \"clear\" checks of them, the rest " +
                     $"{o.WorkloadPosts} generated posts, {o.WorkloadFlaggedShare * 100:0.0}% \"suspicious\"");
        b.AppendLine($"- Warm-up: {o.Warmup}; platform up in {o.StartSeconds:0} s");
        b.AppendLine($"- CPU not used by this run's processes (\"other\": other work on the machine, kernel): up to {MaxOther(o):0.00} cores" +
                     (MaxOther(o) > 0.3 ? " — **something else probably ran on the machine; latencies may be inflated**" : ""));
        b.AppendLine($"- **Ratio p99 gateway/direct at {p.Rate:0} req/s: {F(P99Ratio(o))}** (per round pair {string.Join(", ", PairP99Ratios(o).Select(x => F(x)))}; " +
                     $"p50 ratio {F(P50Ratio(o))}); added by the gateway: " +
                     $"p50 {F(g.Ms(0.5) - d.Ms(0.5), "+0.00;-0.00")} ms, p99 {F(g.Ms(0.99) - d.Ms(0.99), "+0.00;-0.00")} ms");
        b.AppendLine($"- **Gateway at {p.Rate:0} req/s: p50 {F(g.Ms(0.5))} ms, p99 {F(g.Ms(0.99))} ms** (goal < {p.GoalMs:0.#} ms: {(g.Meets(p.GoalMs) ? "met" : "not met")})");
        b.AppendLine($"- **Highest rate through the gateway with p99 < {p.GoalMs:0.#} ms: {Highest(o, p)}**");
        var fixedErrors = o.Rounds.Sum(r => r.Errors);
        b.AppendLine(fixedErrors == 0 && o.Rounds.All(r => r.NotSent == 0)
            ? "- Errors at the fixed rate: none; every request sent on schedule within the grace"
            : $"- **ERRORS at the fixed rate: {fixedErrors}** ({string.Join(", ", o.Gateway.ErrorsByKind.Select(kv => $"gateway {kv.Key} ×{kv.Value}").Concat(o.Direct.ErrorsByKind.Select(kv => $"direct {kv.Key} ×{kv.Value}")))}), " +
              $"not sent {o.Rounds.Sum(r => r.NotSent)}");
        b.AppendLine();
        b.AppendLine("Fixed rate (percentiles over every scheduled request, from its due time; ∞ = a failed, unsent or watchlist-unchecked request):");
        b.AppendLine();
        b.AppendLine("| path | rounds | scheduled | answered/s | p50 ms | p90 ms | p99 ms | max ms | errors | watchlist-unchecked | not sent | held by cap | late | hit share | service-time p99 ms | start-lag p99 ms |");
        b.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in new[] { g, d })
            b.AppendLine($"| {r.Path} | all | {r.Scheduled} | {r.AnsweredPerSecond:0} | {F(r.Ms(0.5))} | {F(r.Ms(0.9))} | {F(r.Ms(0.99))} | {F(r.MaxOkMs, "0.0")} | " +
                         $"{r.Errors} | {r.Unchecked} | {r.NotSent} | {r.HeldByCap} | {r.Late} | {F(r.HitShare * 100, "0.0")}% | {F(r.ServiceMs(0.99))} | {F(r.LagMs(0.99))} |");
        for (var i = 0; i < o.Rounds.Count; i++)
        {
            var r = o.Rounds[i];
            b.AppendLine($"| {r.Path} | {i / 2 + 1} | {r.Scheduled} | {r.AnsweredPerSecond:0} | {F(r.Ms(0.5))} | {F(r.Ms(0.9))} | {F(r.Ms(0.99))} | {F(r.MaxOkMs, "0.0")} | " +
                         $"{r.Errors} | {r.Unchecked} | {r.NotSent} | {r.HeldByCap} | {r.Late} | {F(r.HitShare * 100, "0.0")}% | {F(r.ServiceMs(0.99))} | {F(r.LagMs(0.99))} |");
        }
        if (g.Cpu is not null)
        {
            b.AppendLine();
            b.AppendLine("CPU at the fixed rate (cores; ms per answered request in brackets):");
            b.AppendLine();
            b.AppendLine("| path | machine busy | " + string.Join(" | ", CpuColumns) + " |");
            b.AppendLine("|---|---:|" + string.Concat(CpuColumns.Select(_ => "---:|")));
            foreach (var r in new[] { g, d })
                b.AppendLine($"| {r.Path} | {r.Cpu!.MachineBusyCores:0.00} | " + string.Join(" | ", CpuColumns.Select(c =>
                    $"{r.Cpu.Cores.GetValueOrDefault(c):0.00} ({F(r.Cpu.MsPerRequest(c, r.Ok + r.Unchecked), "0.000")})")) + " |");
        }
        if (o.Steps.Count > 0)
        {
            b.AppendLine();
            b.AppendLine($"Step search through the gateway ({p.StepSeconds:0} s per step; pass = p99 < {p.GoalMs:0.#} ms, no errors, all sent):");
            b.AppendLine();
            b.AppendLine("| rate | phase | result | answered/s | p50 ms | p90 ms | p99 ms | max ms | errors | unchecked | not sent | held by cap | service-time p99 ms | start-lag p99 ms | CPU busy | screening | postgres | leads | gateway | client | other |");
            b.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var s in o.Steps)
            {
                var r = s.Round;
                string C(string group) => r.Cpu is null ? "" : r.Cpu.Cores.GetValueOrDefault(group).ToString("0.00", CultureInfo.InvariantCulture);
                b.AppendLine($"| {r.Rate:0} | {s.Phase} | {(s.Passed ? "pass" : "**fail**")} | {r.AnsweredPerSecond:0} | {F(r.Ms(0.5))} | {F(r.Ms(0.9))} | {F(r.Ms(0.99))} | " +
                             $"{F(r.MaxOkMs, "0.0")} | {r.Errors} | {r.Unchecked} | {r.NotSent} | {r.HeldByCap} | {F(r.ServiceMs(0.99))} | {F(r.LagMs(0.99))} | " +
                             $"{(r.Cpu is null ? "" : r.Cpu.MachineBusyCores.ToString("0.00", CultureInfo.InvariantCulture))} | {C("screening")} | {C("postgres")} | {C("leads")} | {C("gateway")} | {C("client")} | {C("other")} |");
            }
            if (o.SearchNote != "") b.AppendLine($"\nSearch: {o.SearchNote}.");
        }
        var worst = o.Rounds.Select((r, i) => (Name: $"fixed rate, round {i / 2 + 1}, {r.Path}", Round: r))
            .Concat(o.Steps.Select(s => (Name: $"step {s.Round.Rate:0} req/s", s.Round)))
            .Select(x => (x.Name, Text: WorstSeconds(x.Round, p.GoalMs, show: 5))).Where(x => x.Text is not null).ToList();
        if (worst.Count > 0)
        {
            b.AppendLine();
            b.AppendLine($"Where p99 broke the goal, per second of due time (CPU of that second, busiest four):");
            b.AppendLine();
            foreach (var (name, text) in worst) b.AppendLine($"- {name}: {text}");
        }
        ResultsFile.Append(file, b);
    }
}
