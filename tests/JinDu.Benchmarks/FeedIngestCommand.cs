using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Grpc.Net.Client;
using JinDu.BuildingBlocks.Identifiers;
using JinDu.DataGenerator;
using JinDu.Testing;
using Npgsql;

namespace JinDu.Benchmarks;

/// <summary>
/// DESIGN.md §7 "courier feed ingest": parcels through the gateway's gRPC stream, stored, deduplicated and
/// rolled up by Screening, at least half the rate of a raw PostgreSQL binary COPY of the same rows. In one
/// run against one platform: after warm-up passes until the services' background JIT has settled, a COPY of the
/// rows the stream stores (each waybill's latest version) into a fresh table shaped like Screening's parcels table,
/// with the same keys and indexes, already holding the warm-up's rows as the service's table does (before); the
/// gRPC stream; the same COPY again (after); for reference a COPY into an empty such table and one into a bare
/// table without keys or indexes; and an HTTP NDJSON upload of a smaller count. Screening's resident memory is sampled every 500 ms while it ingests.
/// </summary>
public sealed class FeedIngestCommand : IBenchmarkCommand
{
    public string Name => "feed-ingest";
    public string Summary => "courier parcels through the gateway's gRPC stream vs. a raw PostgreSQL binary COPY (goal: ratio >= 0.5)";
    public string Usage => """
        options:
          --count N            parcels through the gRPC stream, and COPYed as the baseline (default 1000000)
          --ndjson-count N     parcels in the HTTP NDJSON uploads (default 200000; 0 leaves them out)
          --ndjson-upload N    records per upload, sent one upload after the other (default 20000; 0: all in one
                               upload — through the gateway that stalls beyond ~65,000 records, see README.md, feed-ingest)
          --ndjson-http2 0|1   upload over prior-knowledge HTTP/2 to the gateway's HTTP/2 listener instead of
                               HTTP/1.1 to its REST listener (default 0)
          --warmup-count N     parcels per warm-up pass through the gRPC stream, not counted, other seeds (default
                               100000: after only 20,000 the JIT still took a fifth of Screening's CPU samples while measured)
          --warmup-passes N    at most this many warm-up passes (default 4): passes go on, with a pause between them,
                               until the services' background JIT used under --warmup-jit cores during one
          --warmup-jit C       the background JIT's cores (tiered compilation threads of the four platform processes)
                               under which a pass counts as settled (default 0.05; with one pass of 100,000 the JIT
                               still took 0.75 cores in the first 8 s of the measured stream)
          --max-seconds N      bound on each ingest: the stream or upload is cancelled after it (default 600)
          --pause-seconds N    idle time between phases, for the outbox and consumers to drain (default 3)
          --seed N             seed of the measured parcels; the warm-up and NDJSON ones use other seeds (default 42)
          --results FILE       markdown file the run is appended to
                               (default tests/JinDu.Benchmarks/results/feed-ingest.md)
        """;

    private static readonly string[] CpuColumns = ["client", "gateway", "screening", "leads", "cooperation", "postgres", "rabbitmq", "redis", "other"];

    public sealed record Parameters(int Count, int NdjsonCount, int NdjsonUpload, bool NdjsonHttp2, int WarmupCount, double MaxSeconds, double PauseSeconds, int Seed,
        int WarmupPasses = 4, double WarmupJitCores = 0.05);

    public async Task<int> RunAsync(Options options, CancellationToken ct)
    {
        var p = new Parameters(
            Count: options.Int("count", 1_000_000, 1_000, 5_000_000),
            NdjsonCount: options.Int("ndjson-count", 200_000, 0, 2_000_000),
            NdjsonUpload: options.Int("ndjson-upload", 20_000, 0, 2_000_000),
            NdjsonHttp2: options.Int("ndjson-http2", 0, 0, 1) == 1,
            WarmupCount: options.Int("warmup-count", 100_000, 0, 1_000_000),
            MaxSeconds: options.Double("max-seconds", 600, 10, 3600),
            PauseSeconds: options.Double("pause-seconds", 3, 0, 60),
            Seed: options.Int("seed", 42, 0, int.MaxValue - 1_000),
            WarmupPasses: options.Int("warmup-passes", 4, 1, 20),
            WarmupJitCores: options.Double("warmup-jit", 0.05, 0, 2));
        var resultsFile = options.String("results")
                          ?? Path.Combine(ServiceProcess.RepoRoot(), "tests", "JinDu.Benchmarks", "results", "feed-ingest.md");
        options.EnsureAllRead();

        var machine = MachineDescription.Current();
        Console.WriteLine($"feed-ingest: {machine.Summary}");
        Console.WriteLine($"  {p.Count:N0} parcels through one gRPC stream and by raw COPY; {p.NdjsonCount:N0} by HTTP NDJSON upload; warm-up {p.WarmupCount:N0}");
        return await BenchmarkPlatform.RunAsync(Name, machine, (platform, _) => MeasureAsync(platform, p, machine, resultsFile, ct), ct);
    }

    private static ParcelGenerator Generator(int seed, int count) => new(seed, new ParcelOptions
    {
        // Today in China time, nothing later than a minute ago: the platform refuses times in the future.
        Day = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)),
        NotAfter = DateTimeOffset.UtcNow.AddMinutes(-1),
        Count = count,
        Companies = [CourierCompany.SF], // the courier-sf client's token names SF: the only company it may send
        OutletsPerCompany = 20,
        NonCompliantShare = 0.02,
        SuspiciousShare = 0.001,
        DuplicateShare = 0.01,
    });

    private static async Task<int> MeasureAsync(DistributedPlatform platform, Parameters p, MachineDescription machine, string resultsFile, CancellationToken ct)
    {
        var token = await platform.Platform().ClientTokenAsync("courier-sf", "sf-demo-secret");
        var screeningPid = FeedIngestRss.FindScreening()
                           ?? throw new InvalidOperationException("cannot find the Screening process (a child of this one running JinDu.Screening.dll) in /proc");
        var cpu = CpuSampler.Create(platform.Servers.ServersDirectory);
        var admin = new NpgsqlConnectionStringBuilder(platform.Servers.PostgresServerConnectionString) { Pooling = false }.ConnectionString;
        var screeningDb = await ScreeningDatabaseAsync(admin, ct);

        // The records, made before anything is timed so that neither side pays for the generator while measured.
        var generating = Stopwatch.StartNew();
        var measured = Generator(p.Seed, p.Count);
        var parcels = measured.Generate().ToList();
        // What the stream leaves in the table: each waybill once, in its latest version.
        var latest = parcels.GroupBy(x => (x.Company, x.Waybill)).Select(g => g.Last()).ToList();
        var generatorRate = parcels.Count / generating.Elapsed.TotalSeconds;
        var tally = measured.Tally;
        byte[] ndjson = [];
        ComplianceTally? ndjsonTally = null;
        if (p.NdjsonCount > 0)
        {
            var g = Generator(p.Seed + 2, p.NdjsonCount);
            ndjson = FeedIngestNdjson.Body(g.Generate());
            ndjsonTally = g.Tally;
        }
        Console.WriteLine($"  generated {parcels.Count:N0} parcels ({tally.DistinctWaybills:N0} waybills, {tally.Resubmissions:N0} re-sent) in " +
                          $"{generating.Elapsed.TotalSeconds:0.0} s; NDJSON body {ndjson.Length / 1048576.0:0} MB");

        using var channel = GrpcChannel.ForAddress(platform.GatewayGrpcUrl, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan, UseProxy = false, EnableMultipleHttp2Connections = false },
        });
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = Timeout.InfiniteTimeSpan, // bounded by --max-seconds instead
        };
        var uploadTo = new Uri(p.NdjsonHttp2 ? platform.GatewayGrpcUrl : platform.GatewayUrl);
        var copy = await FeedIngestCopy.CreateAsync(platform.Servers);

        // Warm-up, not counted: the connection pools, the first batches' plans, and the JIT. A freshly started
        // service re-compiles its hot methods in the background for a while (tiered compilation, in two steps with
        // dynamic PGO); one pass left that work to the first seconds of the measured stream. So passes go on until
        // the JIT has settled, which a long-running platform has long done.
        var warmup = "none";
        List<GeneratedParcel> warmedUp = []; // what the warm-up left in the service's table: each waybill once
        if (p.WarmupCount > 0)
        {
            var passes = new List<string>();
            List<GeneratedParcel> w = [];
            var warmed = new List<GeneratedParcel>();
            for (var pass = 1; pass <= p.WarmupPasses; pass++)
            {
                if (pass > 1) await PauseAsync(p, admin, ct);
                w = Generator(pass == 1 ? p.Seed + 1 : p.Seed + 100 + pass, p.WarmupCount).Generate().ToList();
                warmed.AddRange(w);
                var before = cpu?.Take();
                var run = await FeedIngestGrpc.StreamAsync("warm-up", channel, token, w, p.MaxSeconds, null, ct);
                var jit = before is null ? double.NaN : cpu!.Take().Since(before).JitCores;
                if (!run.Clean) throw new InvalidOperationException($"the warm-up stream failed: {run.Failure}; rejected {run.Rejected}: {string.Join(" | ", run.RejectSamples)}");
                passes.Add($"{run.RecordsPerSecond:0}/s (JIT {jit:0.00} cores)");
                Console.WriteLine($"  warm-up pass {pass}: {run.Accepted:N0} parcels at {run.RecordsPerSecond:0}/s; the services' background JIT used {jit:0.00} cores");
                if (!(jit >= p.WarmupJitCores)) break; // settled (or not measurable off Linux)
            }
            warmedUp = warmed.GroupBy(x => (x.Company, x.Waybill)).Select(g => g.Last()).ToList();
            warmup = $"{passes.Count} × {p.WarmupCount:N0} parcels through the gRPC stream at {string.Join(", ", passes)}";
            await copy.WarmUpAsync(w, ct);
            if (p.NdjsonCount > 0)
            {
                var small = Generator(p.Seed + 3, Math.Min(5_000, p.NdjsonCount));
                var body = FeedIngestNdjson.Body(small.Generate());
                var up = await FeedIngestNdjson.UploadAsync(http, uploadTo, p.NdjsonHttp2, token, body, p.NdjsonUpload, p.MaxSeconds, null, ct);
                if (!up.Clean) throw new InvalidOperationException($"the warm-up upload failed: {up.Failure}; rejected {up.Rejected}: {string.Join(" | ", up.RejectSamples)}");
                warmup += $", {up.Accepted:N0} by NDJSON upload at {up.RecordsPerSecond:0}/s";
            }
            warmup += $", {w.Count:N0} rows by COPY";
            Console.WriteLine($"  warm-up: {warmup}");
        }

        // 1. The baseline before: raw COPY of the rows the stream stores, into a table like the service's, which
        //    already holds what the service's table holds when its stream starts (the warm-up's rows, not timed):
        //    with the default 128 MB of shared buffers the indexes' size decides much of a COPY's speed.
        await PauseAsync(p, admin, ct);
        var copyBefore = await TimedAsync(cpu, started => copy.CopyAsync(latest, indexed: true, ct, warmedUp, started));
        Console.WriteLine($"  COPY (before)          : {latest.Count / copyBefore.Seconds,9:0} rows/s  ({copyBefore.Seconds:0.00} s; into a table already holding the warm-up's {warmedUp.Count:N0} rows){CpuLine(copyBefore.Cpu)}");

        // 2. The gRPC stream through the gateway.
        await PauseAsync(p, admin, ct);
        var stored0 = await StoredAsync(admin, screeningDb, ct);
        var rssBefore = FeedIngestRss.ReadMb(screeningPid);
        FeedIngestRun grpc;
        CpuUsage? grpcCpu;
        double grpcRssPeak, grpcRssLast;
        int grpcRssSamples;
        FeedIngestPgActivity? activity;
        await using (var rss = FeedIngestRss.Start(screeningPid, "gRPC"))
        await using (activity = FeedIngestPgActivity.Start(admin, screeningDb))
        {
            var before = cpu?.Take();
            grpc = await FeedIngestGrpc.StreamAsync("gRPC stream via gateway", channel, token, parcels, p.MaxSeconds, rss.Progress, ct);
            grpcCpu = before is null ? null : cpu!.Take().Since(before);
            await rss.StopAsync();
            if (activity is not null) await activity.StopAsync();
            (grpcRssPeak, grpcRssLast, grpcRssSamples) = (rss.PeakMb, rss.LastMb, rss.Samples);
        }
        var stored1 = await StoredAsync(admin, screeningDb, ct);
        Console.WriteLine($"  gRPC stream via gateway: {grpc.RecordsPerSecond,9:0} rows/s  ({grpc.Seconds:0.00} s; writes done after {grpc.WriteSeconds:0.00} s){CpuLine(grpcCpu)}");
        var storedLine = StoredLine(stored0, stored1, tally);
        Console.WriteLine($"    {storedLine}");

        // 3. The baseline after; for reference into an empty table like the service's, and into a bare table.
        await PauseAsync(p, admin, ct);
        var copyAfter = await TimedAsync(cpu, started => copy.CopyAsync(latest, indexed: true, ct, warmedUp, started));
        Console.WriteLine($"  COPY (after)           : {latest.Count / copyAfter.Seconds,9:0} rows/s  ({copyAfter.Seconds:0.00} s){CpuLine(copyAfter.Cpu)}");
        await PauseAsync(p, admin, ct);
        var copyEmpty = await TimedAsync(cpu, started => copy.CopyAsync(latest, indexed: true, ct, started: started));
        Console.WriteLine($"  COPY, empty table      : {latest.Count / copyEmpty.Seconds,9:0} rows/s  ({copyEmpty.Seconds:0.00} s){CpuLine(copyEmpty.Cpu)}");
        await PauseAsync(p, admin, ct);
        var copyBare = await TimedAsync(cpu, started => copy.CopyAsync(parcels, indexed: false, ct, started: started));
        Console.WriteLine($"  COPY, bare table       : {parcels.Count / copyBare.Seconds,9:0} rows/s  ({copyBare.Seconds:0.00} s){CpuLine(copyBare.Cpu)}");

        // 4. The HTTP NDJSON upload through the gateway.
        FeedIngestRun? upload = null;
        CpuUsage? uploadCpu = null;
        double uploadRssPeak = double.NaN;
        string? uploadStored = null;
        if (p.NdjsonCount > 0)
        {
            await PauseAsync(p, admin, ct);
            var s0 = await StoredAsync(admin, screeningDb, ct);
            await using var rss = FeedIngestRss.Start(screeningPid, "NDJSON");
            var before = cpu?.Take();
            upload = await FeedIngestNdjson.UploadAsync(http, uploadTo, p.NdjsonHttp2, token, ndjson, p.NdjsonUpload, p.MaxSeconds, rss.Progress, ct);
            uploadCpu = before is null ? null : cpu!.Take().Since(before);
            await rss.StopAsync();
            uploadRssPeak = rss.PeakMb;
            uploadStored = StoredLine(s0, await StoredAsync(admin, screeningDb, ct), ndjsonTally!);
            Console.WriteLine($"  HTTP NDJSON via gateway: {upload.RecordsPerSecond,9:0} rows/s  ({upload.Seconds:0.00} s){CpuLine(uploadCpu)}");
            Console.WriteLine($"    {uploadStored}");
        }
        var rssAfter = FeedIngestRss.ReadMb(screeningPid);

        var result = new Result(p, machine, warmup, generatorRate, tally, parcels.Count, latest.Count, warmedUp.Count, copyBefore, copyAfter, copyEmpty, copyBare, grpc, grpcCpu,
            storedLine, stored0, stored1, activity, rssBefore, grpcRssPeak, grpcRssLast, grpcRssSamples, upload, uploadCpu, uploadStored, uploadRssPeak, rssAfter);
        Console.WriteLine();
        Console.Write(result.Text());
        result.Append(resultsFile);
        Console.WriteLine($"results appended to {resultsFile}");
        return result.Clean ? 0 : 1;
    }

    private static async Task PauseAsync(Parameters p, string admin, CancellationToken ct)
    {
        if (p.PauseSeconds > 0) await Task.Delay(TimeSpan.FromSeconds(p.PauseSeconds), ct);
        // Each phase starts with no dirty pages left by the one before.
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("CHECKPOINT", connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    public sealed record Timed(double Seconds, CpuUsage? Cpu);

    /// <param name="run">Given a callback to call where the timed part starts (after any untimed set-up), if it has one.</param>
    private static async Task<Timed> TimedAsync(CpuSampler? cpu, Func<Action, Task<double>> run)
    {
        var before = cpu?.Take();
        var seconds = await run(() => before = cpu?.Take());
        return new Timed(seconds, before is null ? null : cpu!.Take().Since(before));
    }

    private static string CpuLine(CpuUsage? c) => c is null ? "" :
        $"  | CPU {c.MachineBusyCores:0.00} cores busy: " + string.Join(" ", CpuColumns.Select(g => $"{g} {c.Cores.GetValueOrDefault(g):0.00}")) +
        $"; of the services', background JIT {c.JitCores:0.00}";

    /// <summary>Screening's database on the server: the newest one whose name starts with "screening" (this platform made it last).</summary>
    private static async Task<string?> ScreeningDatabaseAsync(string admin, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE 'screening%' ORDER BY oid DESC LIMIT 1", connection);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    public sealed record Stored(long Parcels, long RolledUp);

    /// <summary>Rows in Screening's parcels table, and the SF parcels its outlet-day roll-ups count.</summary>
    private static async Task<Stored?> StoredAsync(string admin, string? database, CancellationToken ct)
    {
        if (database is null) return null;
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM parcels), (SELECT coalesce(sum(\"Parcels\"), 0)::bigint FROM outlet_days WHERE \"Company\" = 'SF')", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new Stored(reader.GetInt64(0), reader.GetInt64(1));
    }

    private static string StoredLine(Stored? before, Stored? after, ComplianceTally tally)
    {
        if (before is null || after is null) return "stored rows: not checked (no screening database found)";
        var rows = after.Parcels - before.Parcels;
        var rolled = after.RolledUp - before.RolledUp;
        var ok = rows == tally.DistinctWaybills && rolled == tally.DistinctWaybills;
        return $"stored: {rows:N0} new parcel rows, roll-ups +{rolled:N0}, for {tally.DistinctWaybills:N0} distinct waybills in {tally.Records:N0} records " +
               (ok ? "(deduplicated and rolled up exactly)" : "!! MISMATCH");
    }

    private sealed record Result(
        Parameters P, MachineDescription Machine, string Warmup, double GeneratorRate, ComplianceTally Tally, int Rows, int LatestRows, int PrefillRows,
        Timed CopyBefore, Timed CopyAfter, Timed CopyEmpty, Timed CopyBare, FeedIngestRun Grpc, CpuUsage? GrpcCpu, string StoredLine, Stored? Stored0, Stored? Stored1,
        FeedIngestPgActivity? Activity,
        double? RssBefore, double GrpcRssPeak, double GrpcRssLast, int GrpcRssSamples,
        FeedIngestRun? Upload, CpuUsage? UploadCpu, string? UploadStored, double UploadRssPeak, double? RssAfter)
    {
        /// <summary>Rows per second of the COPY into a table like the service's (mean time of before and after).</summary>
        public double CopyRate => LatestRows / ((CopyBefore.Seconds + CopyAfter.Seconds) / 2);
        /// <summary>
        /// Both sides end with the same rows in a table of the same shape: the COPY's time over the stream's.
        /// (The stream also reads and answers the resent records: its records/s is a little higher than rows/s.)
        /// </summary>
        public double Ratio => (CopyBefore.Seconds + CopyAfter.Seconds) / 2 / Grpc.Seconds;
        public double BareRatio => CopyBare.Seconds / Grpc.Seconds * LatestRows / Rows;
        public double EmptyRatio => CopyEmpty.Seconds / Grpc.Seconds;
        private double RatioTo(Timed copy) => copy.Seconds / Grpc.Seconds;
        public bool StoredOk => Stored0 is null || Stored1 is null ||
                                (Stored1.Parcels - Stored0.Parcels == Tally.DistinctWaybills && Stored1.RolledUp - Stored0.RolledUp == Tally.DistinctWaybills);
        public bool Clean => Grpc.Clean && StoredOk && (Upload?.Clean ?? true) && (UploadStored is null || !UploadStored.Contains("MISMATCH"));

        public string Text()
        {
            var b = new StringBuilder();
            foreach (var run in new[] { Grpc, Upload })
            {
                if (run is null || run.Clean) continue;
                b.AppendLine("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
                b.AppendLine($"!! {run.Path}: {run.Accepted:N0} accepted, {run.Rejected:N0} REJECTED of {run.Sent:N0} sent" +
                             (run.Failure is null ? "" : $"; {run.Failure}"));
                foreach (var s in run.RejectSamples) b.AppendLine($"!!   {s}");
                b.AppendLine("!! The figures below are NOT a valid measurement.");
                b.AppendLine("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
            }
            if (!StoredOk) b.AppendLine($"!! {StoredLine}");
            b.AppendLine($"RATIO gRPC stream / raw COPY of the same rows into a table like the service's: {Ratio:0.00}   (goal >= 0.5: {(Ratio >= 0.5 ? "met" : "NOT met")}; " +
                         $"COPY before and after the stream: {RatioTo(CopyBefore):0.00}, {RatioTo(CopyAfter):0.00}; against a COPY into an empty table like the service's: {EmptyRatio:0.00}; " +
                         $"into a bare table without keys or indexes: {BareRatio:0.00})");
            b.AppendLine();
            b.AppendLine("  path                                    rows/s    seconds      rows");
            b.AppendLine($"  gRPC stream via gateway (stored)     {Grpc.RecordsPerSecond,9:0} {Grpc.Seconds,10:0.00} {Grpc.Accepted,9}");
            b.AppendLine($"  raw binary COPY, same table (mean)   {CopyRate,9:0} {(CopyBefore.Seconds + CopyAfter.Seconds) / 2,10:0.00} {LatestRows,9}");
            b.AppendLine($"    before / after the stream          {LatestRows / CopyBefore.Seconds,9:0} / {LatestRows / CopyAfter.Seconds:0}   (the table already holding the warm-up's {PrefillRows:N0} rows, as the service's)");
            b.AppendLine($"  COPY into an empty table like it     {LatestRows / CopyEmpty.Seconds,9:0} {CopyEmpty.Seconds,10:0.00} {LatestRows,9}   (reference)");
            b.AppendLine($"  COPY into a bare table               {Rows / CopyBare.Seconds,9:0} {CopyBare.Seconds,10:0.00} {Rows,9}   (reference: no keys, no indexes)");
            if (Upload is { } u)
                b.AppendLine($"  HTTP NDJSON upload via gateway       {u.RecordsPerSecond,9:0} {u.Seconds,10:0.00} {u.Accepted,9}   ({u.Path})");
            b.AppendLine();
            b.AppendLine($"  Screening RSS: {RssBefore:0} MB before the stream, peak {GrpcRssPeak:0} MB during it ({GrpcRssSamples} samples, 500 ms), " +
                         $"{GrpcRssLast:0} MB at its end" + (Upload is null ? "" : $"; peak {UploadRssPeak:0} MB during the NDJSON upload") + $"; {RssAfter:0} MB after all");
            b.AppendLine($"  {StoredLine}");
            if (UploadStored is not null) b.AppendLine($"  NDJSON {UploadStored}");
            foreach (var (name, run) in new[] { ("gRPC", (FeedIngestRun?)Grpc), ("NDJSON", Upload) })
                if (run?.Bursts is { } bursts)
                    b.AppendLine($"  {name} receipts came in {bursts.Count:N0} bursts (gap > {FeedIngestBursts.GapMs} ms): median {bursts.MedianSize:0} receipts, " +
                                 $"every {bursts.MedianIntervalMs:0} ms (p90 {bursts.P90IntervalMs:0}, max {bursts.MaxIntervalMs:0})");
            if (Activity is { Samples: > 0 } a)
            {
                b.AppendLine($"  Screening's database during the gRPC stream ({a.Samples:N0} samples of pg_stat_activity, 20 ms apart): " +
                             $"busy with a statement or an open transaction in {a.BusyShare:P0} of them");
                foreach (var (what, share) in a.Shares().Take(10)) b.AppendLine($"    {share,6:P1}  {what}");
            }
            b.AppendLine();
            b.AppendLine("  CPU (cores) during          busy " + string.Join(" ", CpuColumns.Select(g => $"{g,8}")));
            foreach (var (name, c) in new[] { ("COPY before", CopyBefore.Cpu), ("gRPC stream", GrpcCpu), ("COPY after", CopyAfter.Cpu), ("COPY empty", CopyEmpty.Cpu), ("COPY bare", CopyBare.Cpu), ("NDJSON upload", UploadCpu) })
                if (c is not null)
                    b.AppendLine($"  {name,-24} {c.MachineBusyCores,6:0.00} " + string.Join(" ", CpuColumns.Select(g => $"{c.Cores.GetValueOrDefault(g),8:0.00}")));
            if (GrpcCpu is { } gc && Grpc.Accepted > 0)
                b.AppendLine("  CPU µs per gRPC record: " + string.Join(", ", CpuColumns.Where(g => gc.Cores.GetValueOrDefault(g) > 0.01)
                    .Select(g => $"{g} {gc.Cores[g] * gc.Seconds * 1e6 / Grpc.Accepted:0.0}")));
            if (GrpcCpu is { } jc) b.AppendLine($"  of the services' cores during the gRPC stream, their background JIT (tiered compilation): {jc.JitCores:0.00}");
            b.AppendLine($"  warm-up: {Warmup}");
            b.AppendLine($"  records: SF only (the courier-sf token), 20 outlets, {Tally.DistinctWaybills:N0} waybills + {Tally.Resubmissions:N0} re-sent versions (1%), " +
                         $"2% non-compliant, 0.1% suspicious on X-ray; made beforehand ({GeneratorRate:0}/s), not timed");
            return b.ToString();
        }

        public void Append(string file)
        {
            var b = ResultsFile.Section(file, "feed-ingest", Machine,
                "DESIGN.md §7 goal: courier feed ingest through the gateway (gRPC stream; stored, deduplicated, rolled up) at",
                "least half the rate of a raw PostgreSQL binary COPY of the same rows. See the feed-ingest section of tests/JinDu.Benchmarks/README.md.");
            b.AppendLine($"- Parameters: `--count {P.Count} --ndjson-count {P.NdjsonCount} --ndjson-upload {P.NdjsonUpload} --ndjson-http2 {(P.NdjsonHttp2 ? 1 : 0)} --warmup-count {P.WarmupCount} --warmup-passes {P.WarmupPasses} --warmup-jit {P.WarmupJitCores} --pause-seconds {P.PauseSeconds} --seed {P.Seed}`");
            b.AppendLine($"- Warm-up: {Warmup}");
            if (!Clean)
                b.AppendLine($"- **NOT CLEAN**: gRPC {Grpc.Accepted:N0} accepted, {Grpc.Rejected:N0} rejected{(Grpc.Failure is null ? "" : ", " + Grpc.Failure)}" +
                             (Upload is null ? "" : $"; NDJSON {Upload.Accepted:N0} accepted, {Upload.Rejected:N0} rejected{(Upload.Failure is null ? "" : ", " + Upload.Failure)}") +
                             "; the figures are not a valid measurement");
            else
                b.AppendLine("- Rejected receipts: none");
            b.AppendLine($"- **Ratio gRPC stream / raw COPY of the same rows into a table like the service's, holding the warm-up's {PrefillRows:N0} rows as the service's does: {Ratio:0.00}** (goal ≥ 0.5: {(Ratio >= 0.5 ? "met" : "not met")}); " +
                         $"against the COPY before {RatioTo(CopyBefore):0.00}, after {RatioTo(CopyAfter):0.00}; against a COPY into an empty table like it {EmptyRatio:0.00}; into a bare table (no keys, no indexes) {BareRatio:0.00}");
            b.AppendLine($"- Screening RSS: {RssBefore:0} MB before, **peak {GrpcRssPeak:0} MB** during the gRPC ingest, {GrpcRssLast:0} MB at its end" +
                         (Upload is null ? "" : $"; peak {UploadRssPeak:0} MB during the NDJSON upload") + $"; {RssAfter:0} MB after all");
            b.AppendLine($"- {char.ToUpperInvariant(StoredLine[0])}{StoredLine[1..]}");
            if (UploadStored is not null) b.AppendLine($"- NDJSON {UploadStored}");
            if (GrpcCpu is { } jc) b.AppendLine($"- The services' background JIT (tiered compilation threads) during the gRPC stream: {jc.JitCores:0.00} cores");
            foreach (var (name, run) in new[] { ("gRPC", (FeedIngestRun?)Grpc), ("NDJSON", Upload) })
                if (run?.Bursts is { } bursts)
                    b.AppendLine($"- {name} receipts arrived in {bursts.Count:N0} bursts: median {bursts.MedianSize:0} receipts every {bursts.MedianIntervalMs:0} ms " +
                                 $"(p90 {bursts.P90IntervalMs:0} ms, max {bursts.MaxIntervalMs:0} ms)");
            if (Activity is { Samples: > 0 } a)
                b.AppendLine($"- Screening's database during the gRPC stream ({a.Samples:N0} samples, 20 ms apart): busy in {a.BusyShare:P0}; " +
                             string.Join("; ", a.Shares().Take(8).Select(x => $"{x.What} {x.Share:P1}")));
            b.AppendLine();
            b.AppendLine("| path | rows/s | seconds | rows | CPU busy (cores) | client | gateway | screening | leads | cooperation | postgres | rabbitmq | redis | other |");
            b.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            void Row(string name, double rate, double seconds, long rows, CpuUsage? c) =>
                b.AppendLine($"| {name} | {rate:0} | {seconds:0.00} | {rows} | {(c is null ? "" : c.MachineBusyCores.ToString("0.00", CultureInfo.InvariantCulture))} | " +
                             string.Join(" | ", CpuColumns.Select(g => c is null ? "" : c.Cores.GetValueOrDefault(g).ToString("0.00", CultureInfo.InvariantCulture))) + " |");
            Row("gRPC stream via gateway, stored", Grpc.RecordsPerSecond, Grpc.Seconds, Grpc.Accepted, GrpcCpu);
            Row("raw binary COPY, same table, before the stream", LatestRows / CopyBefore.Seconds, CopyBefore.Seconds, LatestRows, CopyBefore.Cpu);
            Row("raw binary COPY, same table, after the stream", LatestRows / CopyAfter.Seconds, CopyAfter.Seconds, LatestRows, CopyAfter.Cpu);
            Row("COPY into an empty table like it (reference)", LatestRows / CopyEmpty.Seconds, CopyEmpty.Seconds, LatestRows, CopyEmpty.Cpu);
            Row("COPY into a bare table (reference)", Rows / CopyBare.Seconds, CopyBare.Seconds, Rows, CopyBare.Cpu);
            if (Upload is { } u) Row(u.Path + ", stored", u.RecordsPerSecond, u.Seconds, u.Accepted, UploadCpu);
            ResultsFile.Append(file, b);
        }
    }
}
