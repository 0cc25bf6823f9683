using System.Threading.Channels;
using JinDu.Screening.Infrastructure;

namespace JinDu.Screening.Couriers;

/// <summary>One record of a feed as read from the wire: the record, or what was wrong with it.</summary>
public readonly record struct FeedLine(ParcelInput? Input, string? Field = null, string? Error = null);

/// <summary>
/// The ingest pipeline of one feed (a gRPC stream or an HTTP upload): records are checked as they
/// arrive and queue in a bounded buffer; a single writer stores them in batches and only then answers
/// their receipts, in the order they came. When the writer falls behind, the buffer fills and reading
/// stops, so the courier's client is slowed by transport flow control instead of memory growing.
/// </summary>
public sealed class ParcelIngest(IServiceScopeFactory scopes, ParcelValidator validator, ILogger<ParcelIngest> log)
{
    public const int BufferSize = 8_192;
    public const int BatchSize = 2_000;

    /// <param name="records">Each record, or why it could not be read (a malformed line): that one is rejected, the rest go on.</param>
    public async Task RunAsync(IAsyncEnumerable<FeedLine> records, string company,
        Func<ParcelReceiptView, Task> answer, CancellationToken ct)
    {
        var buffer = Channel.CreateBounded<CheckedParcel>(new BoundedChannelOptions(BufferSize)
        {
            SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(async () =>
        {
            long position = 0;
            try
            {
                await foreach (var line in records.WithCancellation(stop.Token))
                {
                    position++;
                    var item = line.Input is { } input
                        ? validator.Check(input, company, position)
                        : new CheckedParcel(position, "", null, "malformed_record", line.Field ?? "record", line.Error ?? "could not be read");
                    await buffer.Writer.WriteAsync(item, stop.Token);
                }
                buffer.Writer.Complete();
            }
            catch (Exception ex)
            {
                buffer.Writer.Complete(ex);
            }
        }, stop.Token);

        var batch = new List<CheckedParcel>(BatchSize);
        try
        {
            while (await buffer.Reader.WaitToReadAsync(stop.Token))
            {
                while (batch.Count < BatchSize && buffer.Reader.TryRead(out var item)) batch.Add(item);
                if (batch.Any(b => b.Accepted))
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<ParcelBatchWriter>().StoreAsync(batch, stop.Token);
                }
                // Durable now: only now may a record be called accepted.
                foreach (var c in batch)
                    await answer(c.Accepted
                        ? new ParcelReceiptView(c.Position, c.WaybillText, ReceiptStatus.Accepted)
                        : new ParcelReceiptView(c.Position, c.WaybillText, ReceiptStatus.Rejected, c.ErrorCode, c.Field, c.Message));
                batch.Clear();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogError(ex, "Parcel feed of {Company} failed; {Count} records in the failed batch were not acknowledged", company, batch.Count);
            stop.Cancel();
            throw;
        }
        finally
        {
            stop.Cancel();
            try { await reading; }
            catch (OperationCanceledException) { }
        }
    }
}
