using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using JinDu.DataGenerator;
using JinDu.Screening.Grpc.V1;
using Npgsql;
using NpgsqlTypes;

namespace JinDu.Benchmarks;

/// <summary>What one ingest through the platform (gRPC stream or HTTP upload) gave back.</summary>
public sealed record FeedIngestRun(
    string Path,
    long Sent,
    long Accepted,
    long Rejected,
    IReadOnlyList<string> RejectSamples,
    double Seconds,
    double WriteSeconds,
    string? Failure,
    FeedIngestBursts? Bursts)
{
    public double RecordsPerSecond => Seconds > 0 ? Accepted / Seconds : 0;
    public bool Clean => Failure is null && Rejected == 0 && Accepted == Sent;
}

/// <summary>
/// Receipts come back batch by batch (the service answers a batch's receipts only once it is stored), so
/// their arrival times show the server's batches from outside: a gap of more than <see cref="GapMs"/>
/// between two receipts starts a new burst. Median burst size ≈ batch size; median time between burst
/// starts ≈ the time one batch takes to be read, stored and answered.
/// </summary>
public sealed record FeedIngestBursts(int Count, double MedianSize, double MedianIntervalMs, double P90IntervalMs, double MaxIntervalMs)
{
    public const double GapMs = 3;

    public static FeedIngestBursts? Of(long[] arrivals, long count)
    {
        if (count < 2) return null;
        var starts = new List<long> { arrivals[0] };
        var sizes = new List<double>();
        long size = 1;
        var gap = (long)(GapMs / 1000 * Stopwatch.Frequency);
        for (long i = 1; i < count; i++)
        {
            if (arrivals[i] - arrivals[i - 1] > gap)
            {
                sizes.Add(size);
                starts.Add(arrivals[i]);
                size = 0;
            }
            size++;
        }
        sizes.Add(size);
        var intervals = starts.Zip(starts.Skip(1), (a, b) => (b - a) * 1000.0 / Stopwatch.Frequency).OrderBy(x => x).ToList();
        return new FeedIngestBursts(starts.Count, FeedIngestStats.Median(sizes),
            intervals.Count == 0 ? double.NaN : FeedIngestStats.Percentile(intervals, 0.5),
            intervals.Count == 0 ? double.NaN : FeedIngestStats.Percentile(intervals, 0.9),
            intervals.Count == 0 ? double.NaN : intervals[^1]);
    }
}

public static class FeedIngestStats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count == 0 ? double.NaN : Percentile(sorted, 0.5);
    }

    /// <param name="sorted">ascending</param>
    public static double Percentile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) return double.NaN;
        var rank = q * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}

/// <summary>The courier's gRPC feed: one bidirectional stream, a reader counting receipts while the writer writes.</summary>
public static class FeedIngestGrpc
{
    public static ParcelRecord ToRecord(GeneratedParcel p) => new()
    {
        Waybill = p.Waybill, Company = p.Company, OutletCode = p.OutletCode, AcceptedAt = Timestamp.FromDateTimeOffset(p.AcceptedAt),
        Sender = new Sender { Name = p.SenderName, IdNumber = p.SenderIdNumber ?? "", Phone = p.SenderPhone },
        RecipientPhone = p.RecipientPhone, RecipientRegion = p.RecipientRegion, OriginRegion = p.OriginRegion,
        DestinationRegion = p.DestinationRegion, DeclaredContents = p.DeclaredContents, WeightGrams = p.WeightGrams,
        RealNameVerified = p.RealNameVerified, OpenedAndInspected = p.OpenedAndInspected, Inspector = p.Inspector ?? "",
        XRayed = p.XRayed, XrayMachine = p.XRayMachine ?? "", XrayResult = p.XRayResult ?? "",
    };

    /// <summary>
    /// Writes every record of <paramref name="parcels"/> into one SubmitParcels stream, as fast as HTTP/2 flow
    /// control lets the writes complete, and reads the receipts on another task. Timed from the first write
    /// to the last receipt. Bounded by the count and by <paramref name="maxSeconds"/> (the call is cancelled then).
    /// </summary>
    public static async Task<FeedIngestRun> StreamAsync(string path, GrpcChannel channel, string token, IReadOnlyList<GeneratedParcel> parcels,
        double maxSeconds, Action<Func<long>>? onStart, CancellationToken ct)
    {
        var feed = new CourierFeed.CourierFeedClient(channel);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(TimeSpan.FromSeconds(maxSeconds));
        using var call = feed.SubmitParcels(new Metadata { { "authorization", "Bearer " + token } }, cancellationToken: bound.Token);

        var total = parcels.Count;
        var arrivals = new long[total];
        long received = 0, accepted = 0, rejected = 0, last = 0;
        var samples = new List<string>();
        var reader = Task.Run(async () =>
        {
            await foreach (var r in call.ResponseStream.ReadAllAsync(bound.Token))
            {
                var now = Stopwatch.GetTimestamp();
                if (received < total) arrivals[received] = now;
                Interlocked.Increment(ref received);
                if (r.Status == ParcelReceipt.Types.Status.Accepted) accepted++;
                else
                {
                    rejected++;
                    if (samples.Count < 5) samples.Add($"#{r.Position} {r.Waybill} {r.ErrorCode} {r.Field}: {r.Message}");
                }
                last = now;
            }
        }, CancellationToken.None);
        onStart?.Invoke(() => Interlocked.Read(ref received));

        var start = Stopwatch.GetTimestamp();
        long writesDone = start;
        string? failure = null;
        try
        {
            foreach (var p in parcels)
            {
                if (reader.IsFaulted) break; // the stream failed: its error comes from the reader below
                await call.RequestStream.WriteAsync(ToRecord(p));
            }
            writesDone = Stopwatch.GetTimestamp();
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException or OperationCanceledException)
        {
            failure = Describe(ex, bound, ct, maxSeconds, "writing");
        }
        try { await reader; }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException or OperationCanceledException)
        {
            failure ??= Describe(ex, bound, ct, maxSeconds, "reading receipts");
        }
        ct.ThrowIfCancellationRequested();
        var end = last == 0 ? Stopwatch.GetTimestamp() : last;
        var n = Math.Min(received, total);
        if (failure is null && received != total) failure = $"the stream ended after {received:N0} receipts for {total:N0} records";
        return new FeedIngestRun(path, total, accepted, rejected, samples, (end - start) / (double)Stopwatch.Frequency,
            (writesDone - start) / (double)Stopwatch.Frequency, failure, FeedIngestBursts.Of(arrivals, n));
    }

    private static string Describe(Exception ex, CancellationTokenSource bound, CancellationToken ct, double maxSeconds, string doing)
    {
        if (bound.IsCancellationRequested && !ct.IsCancellationRequested) return $"stopped after --max-seconds {maxSeconds:0} while {doing}";
        return ex is RpcException rpc ? $"{doing}: {rpc.StatusCode} {rpc.Status.Detail}" : $"{doing}: {ex.GetType().Name}: {ex.Message}";
    }
}

/// <summary>
/// The courier's HTTP upload: POSTs of NDJSON through the gateway, receipts streamed back as NDJSON, one
/// upload after the other. .NET's HTTP/1.1 client (and so YARP towards Screening, whose REST port speaks
/// HTTP/1.1 only) sends a request's whole body before it reads any of the response, while Screening answers
/// receipts as it stores, and stops reading once its answers back up: an upload whose receipts overflow the
/// buffers on the way (65,000–80,000 records on loopback) never completes. So the records go in uploads of
/// a size that fits, as a courier's system would send files.
/// </summary>
public static class FeedIngestNdjson
{
    public const string UploadPath = "/api/screening/v1/courier/parcels";

    /// <summary>NDJSON in the API's shape, made before timing so the client spends no CPU on it while measured.</summary>
    public static byte[] Body(IEnumerable<GeneratedParcel> parcels)
    {
        using var buffer = new MemoryStream();
        RecordWriters.WriteNdjson(buffer, parcels);
        return buffer.ToArray();
    }

    /// <summary>The body cut at line ends into uploads of at most <paramref name="linesPerUpload"/> records (0: one upload).</summary>
    public static List<(int Offset, int Length, int Lines)> Split(byte[] body, int linesPerUpload)
    {
        var parts = new List<(int, int, int)>();
        int start = 0, lines = 0;
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != (byte)'\n') continue;
            lines++;
            if (linesPerUpload > 0 && lines == linesPerUpload)
            {
                parts.Add((start, i + 1 - start, lines));
                (start, lines) = (i + 1, 0);
            }
        }
        if (start < body.Length) parts.Add((start, body.Length - start, lines));
        return parts;
    }

    /// <param name="http2">Prior-knowledge HTTP/2 to the gateway's HTTP/2 listener (full duplex on the client's leg) instead of HTTP/1.1.</param>
    public static async Task<FeedIngestRun> UploadAsync(HttpClient http, Uri gateway, bool http2, string token, byte[] body, int linesPerUpload,
        double maxSeconds, Action<Func<long>>? onStart, CancellationToken ct)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(TimeSpan.FromSeconds(maxSeconds));
        var parts = Split(body, linesPerUpload);
        var records = parts.Sum(x => (long)x.Lines);

        long received = 0, accepted = 0, rejected = 0;
        var samples = new List<string>();
        var arrivals = new long[records];
        onStart?.Invoke(() => Interlocked.Read(ref received));
        var start = Stopwatch.GetTimestamp();
        long last = 0;
        string? failure = null;
        foreach (var (offset, length, lines) in parts)
        {
            var expected = received + lines;
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, UploadPath)) { Content = new ByteArrayContent(body, offset, length) };
            if (http2)
            {
                request.Version = HttpVersion.Version20;
                request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            }
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, bound.Token);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    var text = await response.Content.ReadAsStringAsync(bound.Token);
                    failure = $"upload at record {received + 1:N0} answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}";
                    break;
                }
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(bound.Token), Encoding.UTF8);
                while (await reader.ReadLineAsync(bound.Token) is { } line)
                {
                    if (line.Length == 0) continue;
                    var now = Stopwatch.GetTimestamp();
                    if (received < records) arrivals[received] = now;
                    Interlocked.Increment(ref received);
                    last = now;
                    if (line.Contains("\"status\":\"accepted\"", StringComparison.Ordinal)) accepted++;
                    else
                    {
                        rejected++;
                        if (samples.Count < 5) samples.Add(line.Length > 300 ? line[..300] : line);
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                ct.ThrowIfCancellationRequested();
                failure = bound.IsCancellationRequested
                    ? $"stopped after --max-seconds {maxSeconds:0} with {received:N0} receipts"
                    : $"upload at record {received + 1:N0}: {ex.GetType().Name}: {ex.Message}";
                break;
            }
            if (received != expected)
            {
                failure = $"an upload of {lines:N0} records came back with {lines - (expected - received):N0} receipts";
                break;
            }
        }
        var end = last == 0 ? Stopwatch.GetTimestamp() : last;
        if (failure is null && received != records) failure = $"{received:N0} receipts came back for {records:N0} records";
        var seconds = (end - start) / (double)Stopwatch.Frequency;
        return new FeedIngestRun($"HTTP NDJSON via gateway ({parts.Count} upload{(parts.Count == 1 ? "" : "s")}, HTTP/{(http2 ? "2" : "1.1")})",
            records, accepted, rejected, samples, seconds, double.NaN, failure, FeedIngestBursts.Of(arrivals, Math.Min(received, records)));
    }
}

/// <summary>
/// The baseline: the same rows, as the service would store them, written by one raw Npgsql binary COPY into a
/// fresh table of the parcels table's columns in a fresh database on the same PostgreSQL server. The service
/// stores personal data encrypted ("k1:" + base64 of nonce, ciphertext, tag) and HMAC tokens (43 base64url
/// characters); the baseline writes strings of exactly those lengths (cheap stand-ins, no cryptography), so
/// PostgreSQL receives as many bytes per row as it does from the service.
/// </summary>
public sealed class FeedIngestCopy
{
    private const string Columns =
        "\"Company\" varchar(10) NOT NULL, \"Waybill\" varchar(40) NOT NULL, \"WaybillToken\" varchar(64) NOT NULL, " +
        "\"OutletCode\" varchar(40) NOT NULL, \"OutletRegion\" varchar(6) NOT NULL, \"Day\" integer NOT NULL, \"AcceptedAt\" timestamptz NOT NULL, " +
        "\"SenderNameEncrypted\" text NOT NULL, \"SenderIdEncrypted\" text NOT NULL, \"SenderIdToken\" varchar(64) NOT NULL, " +
        "\"SenderIdMasked\" varchar(32) NOT NULL, \"SenderPhoneEncrypted\" text NOT NULL, \"SenderPhoneToken\" varchar(64) NOT NULL, " +
        "\"RecipientPhoneEncrypted\" text NOT NULL, \"RecipientPhoneToken\" varchar(64) NOT NULL, \"RecipientRegion\" varchar(6) NOT NULL, " +
        "\"DestinationRegion\" varchar(6) NOT NULL, \"DeclaredContents\" varchar(200) NOT NULL, \"WeightGrams\" integer NOT NULL, " +
        "\"RealNameVerified\" boolean NOT NULL, \"OpenedAndInspected\" boolean NOT NULL, \"Inspector\" varchar(50), \"XRayed\" boolean NOT NULL, " +
        "\"XRayMachine\" varchar(50), \"XRayResult\" varchar(20), \"Version\" integer NOT NULL, \"ReceivedAt\" timestamptz NOT NULL";

    private const string ColumnList =
        "\"Company\", \"Waybill\", \"WaybillToken\", \"OutletCode\", \"OutletRegion\", \"Day\", \"AcceptedAt\", " +
        "\"SenderNameEncrypted\", \"SenderIdEncrypted\", \"SenderIdToken\", \"SenderIdMasked\", \"SenderPhoneEncrypted\", \"SenderPhoneToken\", " +
        "\"RecipientPhoneEncrypted\", \"RecipientPhoneToken\", \"RecipientRegion\", \"DestinationRegion\", \"DeclaredContents\", \"WeightGrams\", " +
        "\"RealNameVerified\", \"OpenedAndInspected\", \"Inspector\", \"XRayed\", \"XRayMachine\", \"XRayResult\", \"Version\", \"ReceivedAt\"";

    private readonly string _connectionString;
    private int _tables;

    private FeedIngestCopy(string connectionString) => _connectionString = connectionString;

    public static async Task<FeedIngestCopy> CreateAsync(JinDu.Testing.RealServers servers) =>
        new(await servers.CreatePostgresDatabaseAsync("feedcopy"));

    /// <summary>
    /// Creates a fresh table and COPYs the rows into it in one statement; returns the seconds from the start of
    /// the COPY to its completion (table creation not counted), then drops the table and checkpoints (not counted).
    /// <paramref name="indexed"/>: a table shaped like Screening's parcels table, with its identity key, its unique
    /// (Company, Waybill) key and its four other indexes; the caller then passes each waybill once (its latest
    /// version), since a COPY cannot resolve a resend. Otherwise a bare table without any key or index.
    /// <paramref name="prefill"/>: rows COPYed into the table first, not timed, so that the timed COPY starts from a
    /// table as large as the service's is when its stream starts (its warm-up's rows): a COPY into an empty table
    /// updates smaller indexes than the service does.
    /// </summary>
    /// <param name="started">Called where the timed part starts.</param>
    public async Task<double> CopyAsync(IReadOnlyList<GeneratedParcel> parcels, bool indexed, CancellationToken ct,
        IReadOnlyList<GeneratedParcel>? prefill = null, Action? started = null)
    {
        var table = $"parcels_copy_{++_tables}";
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, indexed
            ? $"CREATE TABLE {table} (\"Id\" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, {Columns}); " +
              $"CREATE UNIQUE INDEX ON {table} (\"Company\", \"Waybill\"); CREATE INDEX ON {table} (\"Company\", \"OutletCode\", \"Day\"); " +
              $"CREATE INDEX ON {table} (\"SenderIdToken\"); CREATE INDEX ON {table} (\"SenderPhoneToken\"); CREATE INDEX ON {table} (\"RecipientPhoneToken\")"
            : $"CREATE TABLE {table} ({Columns})", ct);

        var receivedAt = DateTimeOffset.UtcNow;
        if (prefill is { Count: > 0 })
        {
            await Task.Run(() => Copy(connection, table, prefill, receivedAt, ct), ct);
            await ExecuteAsync(connection, $"CHECKPOINT", ct);
        }
        started?.Invoke();
        var start = Stopwatch.GetTimestamp();
        // Synchronous writes on a worker thread: the fastest way Npgsql offers to feed a COPY.
        await Task.Run(() => Copy(connection, table, parcels, receivedAt, ct), ct);
        var seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;

        await using (var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection))
        {
            var rows = (long)(await count.ExecuteScalarAsync(ct))!;
            var expected = parcels.Count + (prefill?.Count ?? 0);
            if (rows != expected) throw new InvalidOperationException($"the COPY stored {rows} rows of {expected}");
        }
        await ExecuteAsync(connection, $"DROP TABLE {table}; CHECKPOINT", ct);
        return seconds;
    }

    private static void Copy(NpgsqlConnection connection, string table, IReadOnlyList<GeneratedParcel> parcels, DateTimeOffset receivedAt, CancellationToken ct)
    {
        using var copy = connection.BeginBinaryImport($"COPY {table} ({ColumnList}) FROM STDIN (FORMAT BINARY)");
        foreach (var p in parcels)
        {
            ct.ThrowIfCancellationRequested();
            copy.StartRow();
            copy.Write(p.Company, NpgsqlDbType.Varchar);
            copy.Write(p.Waybill, NpgsqlDbType.Varchar);
            copy.Write(Token(p.Waybill, 1), NpgsqlDbType.Varchar);
            copy.Write(p.OutletCode, NpgsqlDbType.Varchar);
            copy.Write(p.OutletRegion, NpgsqlDbType.Varchar);
            copy.Write(DayOf(p.AcceptedAt), NpgsqlDbType.Integer);
            copy.Write(p.AcceptedAt, NpgsqlDbType.TimestampTz);
            copy.Write(Cipher(p.SenderName), NpgsqlDbType.Text);
            copy.Write(Cipher(p.SenderIdNumber), NpgsqlDbType.Text);
            copy.Write(Token(p.SenderIdNumber, 2), NpgsqlDbType.Varchar);
            copy.Write(MaskId(p.SenderIdNumber), NpgsqlDbType.Varchar);
            copy.Write(Cipher(p.SenderPhone), NpgsqlDbType.Text);
            copy.Write(Token(p.SenderPhone, 3), NpgsqlDbType.Varchar);
            copy.Write(Cipher(p.RecipientPhone), NpgsqlDbType.Text);
            copy.Write(Token(p.RecipientPhone, 3), NpgsqlDbType.Varchar);
            copy.Write(p.RecipientRegion, NpgsqlDbType.Varchar);
            copy.Write(p.DestinationRegion, NpgsqlDbType.Varchar);
            copy.Write(p.DeclaredContents, NpgsqlDbType.Varchar);
            copy.Write(p.WeightGrams, NpgsqlDbType.Integer);
            copy.Write(p.RealNameVerified, NpgsqlDbType.Boolean);
            copy.Write(p.OpenedAndInspected, NpgsqlDbType.Boolean);
            WriteNullable(copy, p.Inspector);
            copy.Write(p.XRayed, NpgsqlDbType.Boolean);
            WriteNullable(copy, p.XRayMachine);
            WriteNullable(copy, p.XRayResult);
            copy.Write(p.Version, NpgsqlDbType.Integer);
            copy.Write(receivedAt, NpgsqlDbType.TimestampTz);
        }
        copy.Complete();
    }

    /// <summary>A small COPY first, so that the measured one runs JIT-compiled code.</summary>
    public Task WarmUpAsync(IReadOnlyList<GeneratedParcel> parcels, CancellationToken ct) => CopyAsync(parcels, indexed: false, ct);

    private static void WriteNullable(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null) copy.WriteNull();
        else copy.Write(value, NpgsqlDbType.Varchar);
    }

    private static int DayOf(DateTimeOffset instant)
    {
        var local = instant.UtcDateTime.AddHours(8);
        return local.Year * 10_000 + local.Month * 100 + local.Day;
    }

    private static string MaskId(string? id) =>
        id is null ? "" : id.Length < 8 ? new string('*', id.Length) : string.Concat(id.AsSpan(0, 4), new string('*', id.Length - 8), id.AsSpan(id.Length - 4));

    /// <summary>As long as "k1:" + base64(12-byte nonce | UTF-8 plaintext | 16-byte tag); "" for no value, as the service stores it.</summary>
    private static string Cipher(string? plaintext)
    {
        if (string.IsNullOrEmpty(plaintext)) return "";
        Span<byte> buffer = stackalloc byte[28 + Encoding.UTF8.GetMaxByteCount(plaintext.Length)];
        var length = 28 + Encoding.UTF8.GetBytes(plaintext, buffer[12..]);
        Random.Shared.NextBytes(buffer[..12]); // the fresh nonce: ciphertexts differ like the service's
        return "k1:" + Convert.ToBase64String(buffer[..length]);
    }

    /// <summary>43 base64url characters (a 32-byte HMAC), the same for the same value, like the service's tokens; "" for no value.</summary>
    private static string Token(string? value, ulong kind)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var h = 14695981039346656037UL ^ kind;
        foreach (var c in value) h = (h ^ c) * 1099511628211UL;
        Span<byte> bytes = stackalloc byte[32];
        for (var i = 0; i < 4; i++)
        {
            var z = h += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            BitConverter.TryWriteBytes(bytes[(i * 8)..], z ^ (z >> 31));
        }
        return Base64Url.EncodeToString(bytes);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>Resident memory (VmRSS) of one process, sampled every 500 ms, and a progress line every 10 s.</summary>
public sealed class FeedIngestRss : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<(double Seconds, double Mb)> _samples = [];
    private Func<long>? _progress;
    private readonly string _label;

    private FeedIngestRss(int pid, string label)
    {
        _pid = pid;
        _label = label;
        _loop = Task.Run(LoopAsync);
    }

    public static FeedIngestRss Start(int pid, string label) => new(pid, label);

    /// <summary>Receipts so far, for the progress line.</summary>
    public void Progress(Func<long> received) => _progress = received;

    public double PeakMb => _samples.Count == 0 ? double.NaN : _samples.Max(s => s.Mb);
    public double LastMb => _samples.Count == 0 ? double.NaN : _samples[^1].Mb;
    public double FirstMb => _samples.Count == 0 ? double.NaN : _samples[0].Mb;
    public int Samples => _samples.Count;

    public static double? ReadMb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException) { }
        return null;
    }

    private async Task LoopAsync()
    {
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        var nextLine = 10.0;
        long lastCount = 0;
        var lastAt = 0.0;
        do
        {
            var mb = ReadMb(_pid);
            if (mb is { } v) lock (_samples) _samples.Add((clock.Elapsed.TotalSeconds, v));
            if (clock.Elapsed.TotalSeconds >= nextLine && _progress is { } progress)
            {
                var now = clock.Elapsed.TotalSeconds;
                var count = progress();
                Console.WriteLine($"    {_label} {now,5:0} s: {count,10:N0} receipts, {(count - lastCount) / (now - lastAt),8:0}/s lately, screening RSS {mb:0} MB");
                (lastCount, lastAt) = (count, now);
                nextLine += 10;
            }
        }
        while (await SafeTick(timer));
    }

    private async Task<bool> SafeTick(PeriodicTimer timer)
    {
        try { return await timer.WaitForNextTickAsync(_stop.Token); }
        catch (OperationCanceledException) { return false; }
    }

    private bool _stopped;

    /// <summary>Stops sampling, with one last sample: the state right after the ingest ended. Safe to call twice.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        _stop.Cancel();
        await _loop;
        if (ReadMb(_pid) is { } v) lock (_samples) _samples.Add((double.NaN, v));
        _stop.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// The Screening process this benchmark started: a child of this process whose command line names
    /// JinDu.Screening.dll (so another run's Screening on the same machine is never measured).
    /// </summary>
    public static int? FindScreening()
    {
        var self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var cmdline = File.ReadAllText(System.IO.Path.Combine(dir, "cmdline"));
                if (!cmdline.Contains("JinDu.Screening.dll", StringComparison.Ordinal)) continue;
                var stat = File.ReadAllText(System.IO.Path.Combine(dir, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (parent == self) return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        }
        return null;
    }
}

/// <summary>
/// What Screening's database connections are doing, sampled every 20 ms from pg_stat_activity while a feed is
/// ingested: which statement of the batch writer is running ("active"), or whether the writer holds its
/// transaction open while the service works ("idle in transaction"). The shares say where a batch's time goes
/// on the database's side; the rest of the time the service works (or waits) outside the database.
/// </summary>
public sealed class FeedIngestPgActivity : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Dictionary<string, int> _counts = [];
    private int _samples, _busy;
    private bool _stopped;

    private FeedIngestPgActivity(string connectionString, string database) => _loop = Task.Run(() => LoopAsync(connectionString, database));

    public static FeedIngestPgActivity? Start(string adminConnectionString, string? database) =>
        database is null ? null : new FeedIngestPgActivity(adminConnectionString, database);

    public int Samples => _samples;

    /// <summary>Share of samples in which some connection of Screening's database was running a statement or held a transaction open.</summary>
    public double BusyShare => _samples == 0 ? double.NaN : (double)_busy / _samples;

    /// <summary>Share of samples per state and statement, largest first.</summary>
    public IReadOnlyList<(string What, double Share)> Shares() =>
        _counts.OrderByDescending(kv => kv.Value).Select(kv => (kv.Key, (double)kv.Value / Math.Max(1, _samples))).ToList();

    private async Task LoopAsync(string connectionString, string database)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(_stop.Token);
            await using var command = new NpgsqlCommand(
                "SELECT state, left(query, 120) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid() " +
                "AND backend_type = 'client backend' AND state IN ('active', 'idle in transaction')", connection);
            command.Parameters.AddWithValue("db", database);
            await command.PrepareAsync(_stop.Token);
            var seen = new HashSet<string>();
            while (!_stop.IsCancellationRequested)
            {
                seen.Clear();
                await using (var reader = await command.ExecuteReaderAsync(_stop.Token))
                    while (await reader.ReadAsync(_stop.Token))
                        seen.Add(reader.GetString(0) == "active" ? "active: " + Kind(reader.IsDBNull(1) ? "" : reader.GetString(1)) : "idle in transaction (the service works inside the batch's transaction)");
                _samples++;
                if (seen.Count > 0) _busy++;
                foreach (var what in seen) _counts[what] = _counts.GetValueOrDefault(what) + 1;
                await Task.Delay(20, _stop.Token);
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            _counts["(sampling failed: " + ex.Message + ")"] = 0;
        }
    }

    private static string Kind(string sql)
    {
        var s = string.Join(' ', sql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return s switch
        {
            _ when s.StartsWith("CREATE TEMP TABLE parcels_stage", StringComparison.Ordinal) => "CREATE TEMP TABLE parcels_stage",
            _ when s.StartsWith("COPY parcels_stage", StringComparison.Ordinal) => "COPY into parcels_stage",
            _ when s.StartsWith("SELECT p.\"Company\", p.\"OutletCode\"", StringComparison.Ordinal) => "SELECT replaced versions (parcels JOIN stage)",
            _ when s.StartsWith("INSERT INTO parcels ", StringComparison.Ordinal) => "INSERT INTO parcels … ON CONFLICT (upsert)",
            _ when s.StartsWith("DROP TABLE parcels_stage", StringComparison.Ordinal) => "DROP TABLE parcels_stage",
            _ when s.StartsWith("INSERT INTO outlet_days", StringComparison.Ordinal) => "INSERT INTO outlet_days … (roll-up)",
            _ when s.Contains("FROM outlet_days", StringComparison.Ordinal) => "SELECT outlet_days (breach check)",
            _ when s.Contains("referrals", StringComparison.Ordinal) => "referrals",
            _ when s.Contains("outbox", StringComparison.OrdinalIgnoreCase) => "outbox",
            _ => s.Length > 60 ? s[..60] + "…" : s,
        };
    }

    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        _stop.Cancel();
        await _loop;
        _stop.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
