using System.Diagnostics;
using System.Net;

namespace JinDu.Benchmarks;

/// <summary>
/// What one round of load sends: a fresh request for the n-th call, the status that counts as success, and
/// optionally a test of a successful body for a degraded answer (success, but part of the work was skipped).
/// </summary>
public sealed record LoadTarget(string Name, HttpClient Http, Func<long, HttpRequestMessage> NewRequest, HttpStatusCode Expected,
    Func<byte[], bool>? IsDegraded = null);

/// <summary>The figures of one round. Rate and latencies are over the answers with the expected status only.</summary>
public sealed record RoundResult(
    string Path,
    int Round,
    double Seconds,
    long Succeeded,
    long Errors,
    long Degraded,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    IReadOnlyList<string> ErrorSamples,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    bool HitRequestCap,
    CpuUsage? Cpu)
{
    public double RequestsPerSecond => Seconds > 0 ? Succeeded / Seconds : 0;
}

/// <summary>
/// A closed loop: <c>concurrency</c> workers each send a request, wait for the whole answer and send the
/// next, until the time is up or the request cap is reached (both bounds always apply). Latencies go
/// into a preallocated array of Stopwatch ticks, so recording allocates nothing and takes no lock.
/// </summary>
public sealed class ClosedLoop(int concurrency, long maxRequestsPerRound)
{
    private readonly long[] _latencies = new long[maxRequestsPerRound];

    public long MaxRequestsPerRound => maxRequestsPerRound;

    public async Task<RoundResult> RunAsync(LoadTarget target, int round, TimeSpan duration, CpuSampler? cpu, CancellationToken ct)
    {
        long issued = 0, succeeded = 0, errors = 0, degraded = 0;
        var capped = false;
        var errorKinds = new Dictionary<string, long>();
        var samples = new List<string>();

        void Fail(string kind, string sample)
        {
            Interlocked.Increment(ref errors);
            lock (errorKinds)
            {
                errorKinds[kind] = errorKinds.GetValueOrDefault(kind) + 1;
                if (samples.Count < 5) samples.Add(sample);
            }
        }

        var before = cpu?.Take();
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);

        async Task Worker()
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                ct.ThrowIfCancellationRequested();
                var n = Interlocked.Increment(ref issued) - 1;
                if (n >= maxRequestsPerRound)
                {
                    capped = true;
                    return;
                }
                using var request = target.NewRequest(n);
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    // The default completion option reads the whole body: the latency covers the full answer.
                    using var response = await target.Http.SendAsync(request, ct);
                    var elapsed = Stopwatch.GetTimestamp() - t0;
                    if (response.StatusCode == target.Expected)
                    {
                        _latencies[Interlocked.Increment(ref succeeded) - 1] = elapsed;
                        if (target.IsDegraded is { } isDegraded && isDegraded(await response.Content.ReadAsByteArrayAsync(CancellationToken.None)))
                            Interlocked.Increment(ref degraded);
                    }
                    else
                    {
                        var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                        Fail($"HTTP {(int)response.StatusCode}", $"HTTP {(int)response.StatusCode} {Truncate(body, 400)}");
                    }
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    Fail(ex.GetType().Name, $"{ex.GetType().Name}: {Truncate(ex.Message, 400)}");
                }
            }
        }

        var workers = new Task[concurrency];
        for (var i = 0; i < concurrency; i++) workers[i] = Task.Run(Worker, ct);
        await Task.WhenAll(workers);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var usage = before is null ? null : cpu!.Take().Since(before);

        var count = (int)succeeded;
        Array.Sort(_latencies, 0, count);
        return new RoundResult(target.Name, round, seconds, succeeded, errors, degraded, errorKinds, samples,
            Percentile(count, 0.50), Percentile(count, 0.99), count == 0 ? double.NaN : Ms(_latencies[count - 1]),
            capped, usage);
    }

    /// <summary>Nearest rank over the sorted latencies of the round.</summary>
    private double Percentile(int count, double p) =>
        count == 0 ? double.NaN : Ms(_latencies[Math.Clamp((int)Math.Ceiling(p * count) - 1, 0, count - 1)]);

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}
