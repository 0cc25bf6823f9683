using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using JinDu.DataGenerator;
using JinDu.Screening.Grpc.V1;

namespace JinDu.Benchmarks;

/// <summary>
/// A courier's parcel feed at a fixed rate for as long as the soak lasts: ONE SubmitParcels stream through the
/// gateway, written in ticks of 100 ms (each tick writes what is due by then, so a stall is caught up and the
/// offered rate holds on average), receipts read on another task. A production courier keeps its stream open
/// all day; a stream per minute would hide anything that grows with a stream's age (buffers, the batch
/// pipeline's state). The records are generated as they are written (the generator keeps only a small queue
/// of pending re-submissions), so a ten-minute feed costs the client no memory.
/// </summary>
public sealed class MemorySoakFeed : IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly double _perSecond;
    private readonly CancellationTokenSource _call;
    private readonly CancellationTokenSource _stopWriting = new();
    private readonly AsyncDuplexStreamingCall<ParcelRecord, ParcelReceipt> _stream;
    private readonly IEnumerator<GeneratedParcel> _parcels;
    private readonly Task _writer;
    private readonly Task _reader;
    private readonly List<string> _rejectSamples = [];
    private readonly long _start = Stopwatch.GetTimestamp();
    private long _written, _received, _accepted, _rejected, _maxBehind;
    private string? _failure;
    private bool _stopped;

    private MemorySoakFeed(GrpcChannel channel, string token, ParcelGenerator generator, double perSecond, CancellationToken ct)
    {
        _perSecond = perSecond;
        _call = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _stream = new CourierFeed.CourierFeedClient(channel).SubmitParcels(new Metadata { { "authorization", "Bearer " + token } }, cancellationToken: _call.Token);
        _parcels = generator.Generate().GetEnumerator();
        _reader = Task.Run(ReadAsync, CancellationToken.None);
        _writer = Task.Run(WriteAsync, CancellationToken.None);
    }

    /// <summary>Opens the stream and starts writing <paramref name="perSecond"/> records a second from <paramref name="generator"/>.</summary>
    public static MemorySoakFeed Start(GrpcChannel channel, string token, ParcelGenerator generator, double perSecond, CancellationToken ct) =>
        new(channel, token, generator, perSecond, ct);

    /// <param name="Due">Records the schedule asked for by now; Due − Written is the writer's backlog.</param>
    public sealed record Counts(long Due, long Written, long Received, long Accepted, long Rejected)
    {
        public long Backlog => Math.Max(0, Due - Written);
    }

    public Counts Now() => new(_stopped ? Interlocked.Read(ref _written) : DueNow(), Interlocked.Read(ref _written), Interlocked.Read(ref _received),
        Interlocked.Read(ref _accepted), Interlocked.Read(ref _rejected));

    private long DueNow() => (long)(Stopwatch.GetElapsedTime(_start).TotalSeconds * _perSecond);

    public IReadOnlyList<string> RejectSamples { get { lock (_rejectSamples) return _rejectSamples.ToList(); } }

    /// <summary>Why the stream ended early, or receipts went missing; null while all is well.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>Most records the writer was ever behind its schedule at a tick (flow control, or the client starved of CPU).</summary>
    public long MaxBehind => Interlocked.Read(ref _maxBehind);

    private async Task WriteAsync()
    {
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopWriting.Token))
            {
                var due = DueNow();
                var behind = due - _written;
                if (behind > Interlocked.Read(ref _maxBehind)) Interlocked.Exchange(ref _maxBehind, behind);
                while (_written < due && !_stopWriting.IsCancellationRequested)
                {
                    if (_reader.IsCompleted) return; // the stream ended: the reader says why
                    if (!_parcels.MoveNext())
                    {
                        SetFailure($"the generator ran out after {_written:N0} records (a bug in the command: it sizes the generator for the run)");
                        return;
                    }
                    await _stream.RequestStream.WriteAsync(FeedIngestGrpc.ToRecord(_parcels.Current), _call.Token);
                    Interlocked.Increment(ref _written);
                }
            }
        }
        catch (OperationCanceledException) when (_stopWriting.IsCancellationRequested && !_call.IsCancellationRequested)
        {
            // Stopped on purpose: the request stream is completed in StopAsync.
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException or OperationCanceledException)
        {
            if (!_call.IsCancellationRequested) SetFailure($"writing record {_written + 1:N0}: {Describe(ex)}");
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var r in _stream.ResponseStream.ReadAllAsync(_call.Token))
            {
                Interlocked.Increment(ref _received);
                if (r.Status == ParcelReceipt.Types.Status.Accepted)
                    Interlocked.Increment(ref _accepted);
                else
                {
                    Interlocked.Increment(ref _rejected);
                    lock (_rejectSamples)
                        if (_rejectSamples.Count < 5) _rejectSamples.Add($"#{r.Position} {r.Waybill} {r.Status} {r.ErrorCode} {r.Field}: {r.Message}");
                }
            }
            if (!_stopped) SetFailure($"the server ended the stream after {Interlocked.Read(ref _received):N0} receipts while the feed was still writing");
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException or OperationCanceledException)
        {
            if (!_call.IsCancellationRequested || !_stopped) SetFailure($"reading receipts: {Describe(ex)}");
        }
    }

    /// <summary>
    /// Stops writing, completes the request stream and waits up to <paramref name="drainSeconds"/> for the receipts of
    /// everything written; a receipt still missing then is a failure. Safe to call twice.
    /// </summary>
    public async Task StopAsync(double drainSeconds)
    {
        if (_stopped) return;
        _stopped = true;
        _stopWriting.Cancel();
        try { await _writer.WaitAsync(TimeSpan.FromSeconds(drainSeconds)); }
        catch (TimeoutException)
        {
            // A write held by HTTP/2 flow control for that long: the server stopped reading. Only cancelling the call frees it.
            SetFailure($"a write was still blocked {drainSeconds:0} s after the feed stopped (the server no longer reads the stream)");
            await _call.CancelAsync();
            await _writer;
        }
        if (!_reader.IsCompleted && !_call.IsCancellationRequested)
        {
            try { await _stream.RequestStream.CompleteAsync(); }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
            {
                SetFailure($"completing the request stream: {Describe(ex)}");
            }
            try { await _reader.WaitAsync(TimeSpan.FromSeconds(drainSeconds)); }
            catch (TimeoutException)
            {
                SetFailure($"{Interlocked.Read(ref _written) - Interlocked.Read(ref _received):N0} receipts still missing {drainSeconds:0} s after the last write");
                await _call.CancelAsync();
                try { await _reader; }
                catch (OperationCanceledException) { }
            }
        }
        if (_call.IsCancellationRequested) await _reader; // it ends at once on a cancelled call (and catches that)
        var c = Now();
        if (c.Received != c.Written) SetFailure($"{c.Received:N0} receipts came back for {c.Written:N0} records written");
    }

    private void SetFailure(string failure) => Interlocked.CompareExchange(ref _failure, failure, null);

    private static string Describe(Exception ex) => ex is RpcException rpc ? $"{rpc.StatusCode} {rpc.Status.Detail}" : $"{ex.GetType().Name}: {ex.Message}";

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            _stopWriting.Cancel();
            await _call.CancelAsync();
            try { await Task.WhenAll(_writer, _reader); }
            catch (OperationCanceledException) { }
        }
        _stream.Dispose();
        _parcels.Dispose();
        _call.Dispose();
        _stopWriting.Dispose();
    }
}

/// <summary>
/// Resident memory (VmRSS, via <see cref="FeedIngestRss.ReadMb"/>) of the gateway and the three services, all read
/// at the same moment every <c>interval</c>, from the platform's start to the end of the soak. A process that is
/// gone reads as NaN (and the command reports it).
/// </summary>
public sealed class MemorySoakRss : IAsyncDisposable
{
    /// <summary>The processes DESIGN.md §7's memory goal is about, in the order they are printed.</summary>
    public static readonly (string Name, string Dll)[] Services =
    [
        ("gateway", "JinDu.Gateway.dll"), ("screening", "JinDu.Screening.dll"), ("leads", "JinDu.Leads.dll"), ("cooperation", "JinDu.Cooperation.dll"),
    ];

    public sealed record Sample(long Timestamp, double[] Mb);

    private readonly int[] _pids;
    private readonly List<Sample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private bool _stopped;

    private MemorySoakRss(int[] pids, TimeSpan interval)
    {
        _pids = pids;
        _loop = Task.Run(() => LoopAsync(interval));
    }

    public static MemorySoakRss Start(int[] pids, TimeSpan interval) => new(pids, interval);

    public IReadOnlyList<Sample> Samples { get { lock (_samples) return _samples.ToList(); } }

    /// <summary>
    /// The processes of <see cref="Services"/> this benchmark started: children of this process whose command line
    /// names the service's dll (so another engineer's platform on the same machine is never measured).
    /// </summary>
    public static int[] FindServices()
    {
        var self = Environment.ProcessId;
        var pids = new int[Services.Length];
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (parent != self) continue;
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                for (var i = 0; i < Services.Length; i++)
                    if (cmdline.Contains(Services[i].Dll, StringComparison.Ordinal)) pids[i] = pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we read it.
            }
        }
        var missing = Services.Where((_, i) => pids[i] == 0).Select(s => s.Name).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"cannot find {string.Join(", ", missing)} among this process's children in /proc (Linux only)");
        return pids;
    }

    public Sample Read() => new(Stopwatch.GetTimestamp(), _pids.Select(pid => FeedIngestRss.ReadMb(pid) ?? double.NaN).ToArray());

    private async Task LoopAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            var sample = Read();
            lock (_samples) _samples.Add(sample);
        }
        while (await SafeTick(timer));
    }

    private async Task<bool> SafeTick(PeriodicTimer timer)
    {
        try { return await timer.WaitForNextTickAsync(_stop.Token); }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>Stops sampling, with one last sample. Safe to call twice.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        _stop.Cancel();
        await _loop;
        var last = Read();
        lock (_samples) _samples.Add(last);
        _stop.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}

/// <summary>The flatness test: a least-squares line through (minute, MB) points.</summary>
public static class MemorySoakStats
{
    /// <summary>Slope in MB per minute; NaN with fewer than 3 points or no spread in time.</summary>
    public static double Slope(IReadOnlyList<(double Minute, double Mb)> points)
    {
        var valid = points.Where(p => !double.IsNaN(p.Mb)).ToList();
        if (valid.Count < 3) return double.NaN;
        var mx = valid.Average(p => p.Minute);
        var my = valid.Average(p => p.Mb);
        double sxy = 0, sxx = 0;
        foreach (var (x, y) in valid)
        {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
        }
        return sxx == 0 ? double.NaN : sxy / sxx;
    }
}
