using System.Threading.Channels;
using JinDu.Screening.Watchlist;

namespace JinDu.Screening.Couriers;

/// <summary>One record of a feed as read from the wire: the record, or what was wrong with it.</summary>
public readonly record struct FeedLine(ParcelInput? Input, string? Field = null, string? Error = null);

/// <summary>
/// The ingest pipeline of one feed (a gRPC stream or an HTTP upload), in three stages that overlap:
/// <list type="number">
/// <item>records are checked (and their personal data protected) as they arrive and queue in a bounded buffer;</item>
/// <item>they are cut into batches, and each batch's watchlist lookup starts at once;</item>
/// <item>the writer stores one batch at a time (in two transactions at once, see StoreAsync) and only then answers
/// its receipts, in the order the records came.</item>
/// </list>
/// So while batch N is being written, batch N+1 is already checked against the watchlist and the records
/// after it are being validated. When the writer falls behind, the buffers fill and reading stops, so the
/// courier's client is slowed by transport flow control instead of memory growing.
/// </summary>
public sealed class ParcelIngest(IServiceScopeFactory scopes, ParcelValidator validator, ILogger<ParcelIngest> log)
{
    /// <summary>
    /// Checked records waiting for the batcher: two batches ahead of the writer is enough to keep it fed. 8,192 gave
    /// the same rate (feed-ingest 0.65–0.66 of the COPY either way) with more records alive at once: Screening's RSS
    /// peaked at 307–312 MB during an ingest, 285–298 MB with this (DESIGN.md §7: under 300 MB).
    /// </summary>
    public const int BufferSize = 4_096;
    public const int BatchSize = 2_000;

    private sealed record Batch(List<CheckedParcel> Items, Task<WatchlistAnswer> Hits);

    /// <param name="records">Each record, or why it could not be read (a malformed line): that one is rejected, the rest go on.</param>
    /// <param name="answer">Receives the receipts of one stored batch, in order.</param>
    public async Task RunAsync(IAsyncEnumerable<FeedLine> records, string company,
        Func<IReadOnlyList<ParcelReceiptView>, Task> answer, CancellationToken ct)
    {
        var buffer = Channel.CreateBounded<CheckedParcel>(new BoundedChannelOptions(BufferSize)
        {
            SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait,
        });
        // One batch waits (its lookup running) while the writer stores the one before it.
        var batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(1)
        {
            SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(() => CheckAsync(records, company, buffer.Writer, stop.Token), stop.Token);
        var batching = Task.Run(() => CutAsync(buffer.Reader, batches.Writer, stop.Token), stop.Token);

        var count = 0;
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(stop.Token))
            {
                count = batch.Items.Count;
                var hits = await batch.Hits;
                await StoreAsync(batch.Items, hits, stop.Token);
                // Durable now: only now may a record be called accepted.
                await answer(batch.Items.Select(c => c.Accepted
                    ? new ParcelReceiptView(c.Position, c.WaybillText, ReceiptStatus.Accepted)
                    : new ParcelReceiptView(c.Position, c.WaybillText, ReceiptStatus.Rejected, c.ErrorCode, c.Field, c.Message)).ToList());
                count = 0;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogError(ex, "Parcel feed of {Company} failed; {Count} records in the failed batch were not acknowledged", company, count);
            stop.Cancel();
            throw;
        }
        finally
        {
            stop.Cancel();
            foreach (var stage in new[] { reading, batching })
            {
                try { await stage; }
                catch (OperationCanceledException) { }
            }
        }
    }

    /// <summary>
    /// Stores a batch in <see cref="Writers"/> transactions at once, each on its own connection, on disjoint
    /// sets of waybills: one transaction keeps a single database connection busy while the other core waits
    /// (a COPY into an indexed table is the slowest part). A waybill always falls to the same writer, so its
    /// versions stay in order; they share only the outlet-day roll-up rows (locked in one order) and the
    /// referral numbers (taken in turn).
    /// </summary>
    private async Task StoreAsync(List<CheckedParcel> items, WatchlistAnswer hits, CancellationToken ct)
    {
        var accepted = items.Where(c => c.Accepted).ToList();
        if (accepted.Count == 0) return;
        var parts = accepted.Count < SplitAbove ? [accepted] : accepted.GroupBy(c => WriterOf(c.Parcel!.Waybill)).Select(g => g.ToList()).ToList();
        await Task.WhenAll(parts.Select(async part =>
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ParcelBatchWriter>().StoreAsync(part, hits, ct);
        }));
    }

    public const int Writers = 2;

    /// <summary>Below this many records a batch is stored in one transaction: two would cost more than they save.</summary>
    private const int SplitAbove = 200;

    private static int WriterOf(string waybill)
    {
        var hash = 2166136261U;
        foreach (var c in waybill) hash = (hash ^ c) * 16777619U;
        return (int)(hash % Writers);
    }

    private async Task CheckAsync(IAsyncEnumerable<FeedLine> records, string company, ChannelWriter<CheckedParcel> output, CancellationToken ct)
    {
        long position = 0;
        try
        {
            await foreach (var line in records.WithCancellation(ct))
            {
                position++;
                var item = line.Input is { } input
                    ? validator.Check(input, company, position)
                    : new CheckedParcel(position, "", null, "malformed_record", line.Field ?? "record", line.Error ?? "could not be read");
                await output.WriteAsync(item, ct);
            }
            output.Complete();
        }
        catch (Exception ex)
        {
            output.Complete(ex);
        }
    }

    private async Task CutAsync(ChannelReader<CheckedParcel> input, ChannelWriter<Batch> output, CancellationToken ct)
    {
        try
        {
            while (await input.WaitToReadAsync(ct))
            {
                var items = new List<CheckedParcel>(BatchSize);
                while (items.Count < BatchSize && input.TryRead(out var item)) items.Add(item);
                await output.WriteAsync(new Batch(items, LookUpAsync(items, ct)), ct);
            }
            output.Complete();
        }
        catch (Exception ex)
        {
            output.Complete(ex);
        }
    }

    private async Task<WatchlistAnswer> LookUpAsync(List<CheckedParcel> items, CancellationToken ct)
    {
        var tokens = items.Where(c => c.Accepted).SelectMany(c => c.Subjects.Select(s => s.Token)).Distinct().ToList();
        if (tokens.Count == 0) return new WatchlistAnswer(true, []);
        await using var scope = scopes.CreateAsyncScope();
        var answer = await scope.ServiceProvider.GetRequiredService<IWatchlistLookup>().MatchAsync(tokens, ct);
        if (!answer.Checked) log.LogWarning("Parcel batch of {Count}: watchlist could not be checked", items.Count);
        return answer;
    }
}
