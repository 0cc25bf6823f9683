using System.Diagnostics;

namespace JinDu.Benchmarks;

/// <summary>
/// An open loop at a fixed rate: request i is due at t0 + i/rate whatever the answers before it did, and its
/// latency is measured from that due time, not from when it was actually sent. A server that falls behind
/// therefore shows its queueing in the figures (no coordinated omission), including the client's own lag
/// in getting the request out.
/// <para>
/// A dedicated dispatcher thread wakes (Thread.Sleep(1) granularity, about 1.1 ms on Linux; no spinning, the
/// cores are shared with the servers) and sends every due request itself, up to its first real wait; the
/// answers are handled on the thread pool. At most
/// <c>maxInFlight</c> requests are outstanding: a due request that finds the cap full waits for a slot
/// (counted as held by the cap; its wait is in its latency). A request that could not be sent within
/// <see cref="GraceSeconds"/> after the round's end is not sent at all and counts as failed. Both bounds
/// (count = rate × duration, and time) always apply.
/// </para>
/// </summary>
public sealed class InspectionRateOpenLoop(int maxInFlight, double lateMs)
{
    /// <summary>How far behind its schedule the dispatcher may fall before it stops sending.</summary>
    public const double GraceSeconds = 2;

    /// <summary>Bound on waiting for the last answers after the dispatcher stopped (the HttpClient's own timeout is shorter).</summary>
    public const double DrainSeconds = 20;

    private const byte NotSent = 0, Ok = 1, Unchecked = 2, Failed = 3, Running = 4;

    public int MaxInFlight => maxInFlight;
    public double LateMs => lateMs;

    /// <param name="firstIndex">Index of the first request's post in the target, so successive rounds send other posts.</param>
    /// <param name="isHit">Whether a 201's body carries a watchlist hit.</param>
    public async Task<InspectionRateRound> RunAsync(LoadTarget target, Func<byte[], bool>? isHit, double rate, TimeSpan duration,
        long firstIndex, CpuSampler? cpu, CancellationToken ct)
    {
        var count = Math.Max(1, (int)Math.Round(rate * duration.TotalSeconds));
        var fromSchedule = new long[count];
        var fromSend = new long[count];
        var startLag = new long[count];
        var outcome = new byte[count];
        var tasks = new Task?[count];
        long hits = 0, errors = 0;
        int inFlight = 0, maxSeen = 0, heldByCap = 0, late = 0, dispatched = 0;
        var errorKinds = new Dictionary<string, long>();
        var samples = new List<string>();
        var lateTicks = (long)(lateMs / 1000 * Stopwatch.Frequency);
        using var slots = new SemaphoreSlim(maxInFlight, maxInFlight);

        void Fail(int i, string kind, string sample)
        {
            outcome[i] = Failed;
            Interlocked.Increment(ref errors);
            lock (errorKinds)
            {
                errorKinds[kind] = errorKinds.GetValueOrDefault(kind) + 1;
                if (samples.Count < 5) samples.Add(sample);
            }
        }

        async Task Send(int i, long scheduled)
        {
            // Runs on the dispatcher thread up to the first await that has to wait (the request written to a
            // pooled connection), so a request leaves on time even when the thread pool's queue is long; the
            // answer is handled on the thread pool.
            var start = Stopwatch.GetTimestamp();
            startLag[i] = start - scheduled;
            if (start - scheduled > lateTicks) Interlocked.Increment(ref late);
            var now = Interlocked.Increment(ref inFlight);
            for (var seen = Volatile.Read(ref maxSeen); now > seen; seen = Volatile.Read(ref maxSeen))
                if (Interlocked.CompareExchange(ref maxSeen, now, seen) == seen) break;
            outcome[i] = Running;
            try
            {
                using var request = target.NewRequest(firstIndex + i);
                // The default completion option reads the whole body before returning: the latency covers the full answer.
                using var response = await target.Http.SendAsync(request, ct);
                var end = Stopwatch.GetTimestamp();
                if (response.StatusCode == target.Expected)
                {
                    var body = await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
                    fromSchedule[i] = end - scheduled;
                    fromSend[i] = end - start;
                    if (isHit?.Invoke(body) == true) Interlocked.Increment(ref hits);
                    outcome[i] = target.IsDegraded?.Invoke(body) == true ? Unchecked : Ok;
                }
                else
                {
                    var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    Fail(i, $"HTTP {(int)response.StatusCode}", $"HTTP {(int)response.StatusCode} {Truncate(body, 300)}");
                }
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                Fail(i, ex.GetType().Name, $"{ex.GetType().Name}: {Truncate(ex.Message, 300)}");
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
                slots.Release();
            }
        }

        var before = cpu?.Take();
        var period = Stopwatch.Frequency / rate;
        var t0 = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 50; // 20 ms ahead: the thread is started by then
        var giveUpAt = t0 + (long)((duration.TotalSeconds + GraceSeconds) * Stopwatch.Frequency);
        var dispatcherDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // A CPU snapshot every second of the round, for a timeline: which process was busy when latency rose.
        var snapshots = new List<CpuSampler.Snapshot>();
        using var stopSampling = new CancellationTokenSource();
        var sampling = cpu is null ? Task.CompletedTask : Task.Run(async () =>
        {
            snapshots.Add(cpu.Take());
            for (var k = 1; k <= (int)Math.Ceiling(duration.TotalSeconds); k++)
            {
                var wait = (t0 + k * Stopwatch.Frequency - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
                if (wait > 0) await Task.Delay(TimeSpan.FromMilliseconds(wait), stopSampling.Token);
                snapshots.Add(cpu.Take());
            }
        }, CancellationToken.None);

        var dispatcher = new Thread(() =>
        {
            try
            {
                for (var i = 0; i < count && !ct.IsCancellationRequested; i++)
                {
                    var scheduled = t0 + (long)(i * period);
                    for (var now = Stopwatch.GetTimestamp(); now < scheduled; now = Stopwatch.GetTimestamp())
                    {
                        var ms = (scheduled - now) * 1000.0 / Stopwatch.Frequency;
                        Thread.Sleep(ms >= 3 ? (int)ms - 1 : 1);
                    }
                    if (!slots.Wait(0))
                    {
                        heldByCap++;
                        var left = (giveUpAt - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
                        if (left <= 0 || !slots.Wait(TimeSpan.FromMilliseconds(left), ct)) break;
                    }
                    if (Stopwatch.GetTimestamp() > giveUpAt)
                    {
                        slots.Release();
                        break;
                    }
                    tasks[i] = Send(i, scheduled);
                    dispatched = i + 1;
                }
                dispatcherDone.SetResult();
            }
            catch (OperationCanceledException) { dispatcherDone.SetCanceled(ct); }
            catch (Exception ex) { dispatcherDone.SetException(ex); }
        })
        { IsBackground = true, Name = "open-loop dispatcher" };
        dispatcher.Start();
        await dispatcherDone.Task;

        var pending = tasks.Take(dispatched).Where(t => t is not null).Select(t => t!).ToArray();
        try
        {
            await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(DrainSeconds), ct);
        }
        catch (TimeoutException)
        {
            // Counted below as "still running": the client timeout should have ended them.
        }
        var elapsed = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var usage = before is null ? null : cpu!.Take().Since(before);
        stopSampling.Cancel();
        try { await sampling; }
        catch (OperationCanceledException) { }

        int ok = 0, uncheckedCount = 0, notSent = 0, stillRunning = 0;
        var all = new long[count];
        var service = new List<long>(count);
        var lags = new List<long>(count);
        for (var i = 0; i < count; i++)
        {
            switch (outcome[i])
            {
                case Ok:
                    ok++;
                    all[i] = fromSchedule[i];
                    service.Add(fromSend[i]);
                    break;
                case Unchecked:
                    uncheckedCount++;
                    all[i] = long.MaxValue; // a post that skipped the watchlist is no watchlist-match post: counted as too slow
                    service.Add(fromSend[i]);
                    break;
                case Running:
                    stillRunning++;
                    all[i] = long.MaxValue;
                    break;
                case NotSent:
                    if (i >= dispatched) notSent++;
                    else stillRunning++;
                    all[i] = long.MaxValue;
                    break;
                default:
                    all[i] = long.MaxValue;
                    break;
            }
            if (i < dispatched && outcome[i] != NotSent) lags.Add(startLag[i]);
        }
        if (stillRunning > 0)
        {
            errors += stillRunning;
            errorKinds["no answer within the drain time"] = stillRunning;
        }
        var timeline = Timeline(all, outcome, rate, count, snapshots);
        Array.Sort(all);
        var serviceSorted = service.ToArray();
        Array.Sort(serviceSorted);
        var lagSorted = lags.ToArray();
        Array.Sort(lagSorted);
        return new InspectionRateRound(target.Name, rate, duration.TotalSeconds, elapsed, count, dispatched, ok, uncheckedCount,
            errors, notSent, Interlocked.Read(ref hits), errorKinds, samples, all, serviceSorted, lagSorted, heldByCap, late, maxSeen, usage)
        {
            Timeline = timeline,
        };
    }

    /// <summary>Per second of due time: requests due, how many did not get a proper answer, p99 and max; CPU of that second.</summary>
    private static List<InspectionRateSecond> Timeline(long[] fromSchedule, byte[] outcome, double rate, int count, List<CpuSampler.Snapshot> snapshots)
    {
        var seconds = new List<InspectionRateSecond>();
        for (var second = 0; ; second++)
        {
            var first = (int)Math.Ceiling(second * rate);
            var end = Math.Min(count, (int)Math.Ceiling((second + 1) * rate));
            if (first >= count) break;
            var slice = fromSchedule[first..end];
            Array.Sort(slice);
            var failed = 0;
            for (var i = first; i < end; i++) if (outcome[i] != Ok) failed++;
            var cpu = second + 1 < snapshots.Count ? snapshots[second + 1].Since(snapshots[second]) : null;
            seconds.Add(new InspectionRateSecond(second, end - first, failed,
                InspectionRateRound.ToMs(slice[Math.Clamp((int)Math.Ceiling(0.99 * slice.Length) - 1, 0, slice.Length - 1)]),
                InspectionRateRound.ToMs(slice.Where(t => t != long.MaxValue).DefaultIfEmpty(0).Max()), cpu));
        }
        return seconds;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}

/// <summary>
/// The figures of one open-loop round (or several merged). <see cref="FromSchedule"/> holds one entry per
/// scheduled request, sorted, in Stopwatch ticks from its due time; a request that failed, was not sent or
/// skipped the watchlist holds <see cref="long.MaxValue"/>, so it counts as slower than any goal in the
/// percentiles. <see cref="ServiceTime"/> is from the actual send, 201s only; <see cref="StartLag"/> is how
/// late each sent request left the client.
/// </summary>
public sealed record InspectionRateRound(
    string Path,
    double Rate,
    double Seconds,
    double ElapsedSeconds,
    int Scheduled,
    int Sent,
    int Ok,
    int Unchecked,
    long Errors,
    int NotSent,
    long Hits,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    IReadOnlyList<string> ErrorSamples,
    long[] FromSchedule,
    long[] ServiceTime,
    long[] StartLag,
    int HeldByCap,
    int Late,
    int MaxInFlight,
    CpuUsage? Cpu)
{
    /// <summary>Per second of the round (empty for merged rounds).</summary>
    public IReadOnlyList<InspectionRateSecond> Timeline { get; init; } = [];

    /// <summary>The seconds whose p99 broke the goal, worst first.</summary>
    public IEnumerable<InspectionRateSecond> WorstSeconds(double goalMs) =>
        Timeline.Where(s => s.P99Ms >= goalMs).OrderByDescending(s => s.P99Ms).ThenByDescending(s => s.MaxMs);

    /// <summary>201 answers per second of the round.</summary>
    public double AnsweredPerSecond => Seconds > 0 ? (Ok + Unchecked) / Seconds : 0;

    /// <summary>Share of the 201 answers that carried a watchlist hit.</summary>
    public double HitShare => Ok + Unchecked == 0 ? double.NaN : (double)Hits / (Ok + Unchecked);

    /// <summary>Nearest rank over every scheduled request; +∞ when it falls on a failed one.</summary>
    public double Ms(double p) => Percentile(FromSchedule, p);

    public double ServiceMs(double p) => Percentile(ServiceTime, p);
    public double LagMs(double p) => Percentile(StartLag, p);

    /// <summary>Slowest request that got a proper answer.</summary>
    public double MaxOkMs => FromSchedule.Where(t => t != long.MaxValue).DefaultIfEmpty(-1).Max() is var max && max >= 0 ? ToMs(max) : double.NaN;

    public bool Meets(double goalMs) => Ms(0.99) < goalMs && Errors == 0 && NotSent == 0;

    public static double ToMs(long ticks) => ticks == long.MaxValue ? double.PositiveInfinity : ticks * 1000.0 / Stopwatch.Frequency;

    private static double Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : ToMs(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)]);

    /// <summary>Several rounds of one path as one: latencies pooled, counts summed, CPU weighted by time.</summary>
    public static InspectionRateRound Merge(IReadOnlyList<InspectionRateRound> rounds)
    {
        static long[] Pool(IEnumerable<long[]> arrays)
        {
            var all = arrays.SelectMany(a => a).ToArray();
            Array.Sort(all);
            return all;
        }
        var kinds = new Dictionary<string, long>();
        foreach (var r in rounds)
            foreach (var (k, n) in r.ErrorsByKind)
                kinds[k] = kinds.GetValueOrDefault(k) + n;
        CpuUsage? cpu = null;
        var withCpu = rounds.Where(r => r.Cpu is not null).ToList();
        if (withCpu.Count > 0)
        {
            var seconds = withCpu.Sum(r => r.Cpu!.Seconds);
            var cores = CpuSampler.Groups.ToDictionary(g => g, g => withCpu.Sum(r => r.Cpu!.Cores.GetValueOrDefault(g) * r.Cpu!.Seconds) / seconds);
            cpu = new CpuUsage(seconds, withCpu.Sum(r => r.Cpu!.MachineBusyCores * r.Cpu!.Seconds) / seconds, cores);
        }
        return new InspectionRateRound(rounds[0].Path, rounds[0].Rate, rounds.Sum(r => r.Seconds), rounds.Sum(r => r.ElapsedSeconds),
            rounds.Sum(r => r.Scheduled), rounds.Sum(r => r.Sent), rounds.Sum(r => r.Ok), rounds.Sum(r => r.Unchecked),
            rounds.Sum(r => r.Errors), rounds.Sum(r => r.NotSent), rounds.Sum(r => r.Hits), kinds,
            rounds.SelectMany(r => r.ErrorSamples).Take(5).ToList(), Pool(rounds.Select(r => r.FromSchedule)),
            Pool(rounds.Select(r => r.ServiceTime)), Pool(rounds.Select(r => r.StartLag)), rounds.Sum(r => r.HeldByCap),
            rounds.Sum(r => r.Late), rounds.Max(r => r.MaxInFlight), cpu);
    }
}

/// <summary>One second of a round, by due time. <see cref="P99Ms"/> is +∞ when over 1% of its requests failed.</summary>
public sealed record InspectionRateSecond(int Second, int Due, int Failed, double P99Ms, double MaxMs, CpuUsage? Cpu);
