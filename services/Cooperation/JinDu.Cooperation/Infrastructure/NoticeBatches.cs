using JinDu.BuildingBlocks.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Infrastructure;

/// <summary>How the notice consumers' batches are cut (section <c>Notifications:Batch</c>).</summary>
public sealed class NoticeBatchOptions
{
    /// <summary>At most this many events in one batch (one transaction).</summary>
    public int MessageLimit { get; set; } = 100;

    /// <summary>
    /// A batch is applied at the latest this long after its first event arrived, full or not. A batch costs six to
    /// eight database round trips whether it holds one event or a hundred, so below a few hundred flags a second the
    /// batches' count, not the notices', makes Cooperation's cost: at 60 and 100 flags/s (partner-latency, 2026-12-04)
    /// 60 ms instead of 15 took 0.10–0.16 cores off Cooperation and 0.05–0.13 off PostgreSQL, the notices' p99 no worse
    /// (185–346 ms against 193–550), their p50 ~25 ms later. At 200 flags/s (2026-12-05, alternating runs) 100 ms instead
    /// of 60 took another ~0.03 cores off Cooperation and ~0.01 off PostgreSQL, on a machine whose two cores were ~92%
    /// busy: the deconfliction p99 met the 500 ms goal in three runs of four with it (463, 415, 408, 753 ms), in one of
    /// four without (1,324, 570, 655, 344 ms); the household notice ~10 ms later at p50.
    /// </summary>
    public TimeSpan TimeLimit { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Batches of one queue applied at once (one can be collected while another commits).</summary>
    public int ConcurrencyLimit { get; set; } = 2;
}

/// <summary>
/// Applies a batch of events as one unit of work: one query for the events this consumer already applied, each new
/// event applied in order (a duplicate within the batch once), one save of the inbox rows with every notice numbered by
/// <see cref="NotificationWriter.SaveDeferredAsync"/> (each recipient stream locked once, only for the last statements),
/// one commit. Under a burst of flags naming one county that is one lock and one commit per hundred notices instead of
/// one per notice, which is what kept the notice queues thousands deep.
/// <para>When the batch fails, its events are applied one at a time instead (the ordinary path, each in its own
/// transaction), so one bad event does not hold back the others; an event that fails on its own too is forwarded to the
/// queue's <c>-single</c> endpoint, where it gets the usual retries with back-off and then lands in that endpoint's
/// <c>_error</c> queue alone.</para>
/// </summary>
public sealed class NoticeBatches(CooperationDbContext db, NotificationWriter writer, TimeProvider time, ILogger<NoticeBatches> log)
{
    /// <param name="consumer">The inbox name: the same as the single consumer's, so either path skips what the other applied.</param>
    /// <param name="singleQueue">Where an event that fails on its own goes for retries and the error queue.</param>
    /// <param name="apply">One event's effect through <see cref="NotificationWriter"/>, the same as the single consumer's.</param>
    public async Task ConsumeAsync<T>(ConsumeContext<Batch<T>> context, string consumer, string singleQueue, Func<T, Guid> idOf,
        Func<T, CancellationToken, Task> apply) where T : class
    {
        var ct = context.CancellationToken;
        var messages = context.Message.ToList();
        try
        {
            var applied = await ApplyAsync(messages.Select(m => m.Message).ToList(), consumer, idOf, apply, ct);
            // One line a batch; each notice's own line is at Debug (hundreds a second under load, and the inbox has them).
            log.LogInformation("{Consumer}: {Applied} of {Count} events applied in one transaction", consumer, applied, messages.Count);
            return;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            log.LogWarning(ex, "{Consumer}: a batch of {Count} failed; applying its events one at a time", consumer, messages.Count);
        }

        var failed = new List<ConsumeContext<T>>();
        foreach (var message in messages.DistinctBy(m => idOf(m.Message)))
        {
            try
            {
                db.ChangeTracker.Clear();
                await ApplyAsync([message.Message], consumer, idOf, apply, ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                db.ChangeTracker.Clear();
                log.LogWarning(ex, "{Consumer}: event {EventId} failed on its own; forwarded to {Queue} for retries", consumer, idOf(message.Message), singleQueue);
                failed.Add(message);
            }
        }
        // Sent to the endpoint's exchange, which the endpoint declared with its quorum queue ("queue:" would declare the
        // queue again, without those arguments, and the broker refuses that). Should forwarding fail, the batch fails and
        // is redelivered: what was applied above is skipped then by the inbox.
        foreach (var message in failed)
            await message.Forward(await message.GetSendEndpoint(new Uri($"exchange:{singleQueue}")), message.Message);
    }

    /// <summary>
    /// Events not applied before, as one unit of work: also what a single consumer does with its one event, so every
    /// notice is numbered the same way (streams locked in sorted order until the commit).
    /// </summary>
    /// <returns>How many were applied (not applied before, nor earlier in the list).</returns>
    public async Task<int> ApplyAsync<T>(IReadOnlyList<T> events, string consumer, Func<T, Guid> idOf, Func<T, CancellationToken, Task> apply,
        CancellationToken ct)
    {
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            writer.BeginDeferred();
            try
            {
                // On PostgreSQL the stream locks taken by the save last until this commit; SQLite serialises writers and
                // SaveChanges is its own transaction there.
                await using var tx = db.Database.IsNpgsql() ? await db.Database.BeginTransactionAsync(ct) : null;
                var ids = events.Select(idOf).Distinct().ToList();
                var done = (await db.InboxMessages.Where(m => m.Consumer == consumer && ids.Contains(m.MessageId))
                    .Select(m => m.MessageId).ToListAsync(ct)).ToHashSet();
                var applied = 0;
                var now = time.GetUtcNow();
                foreach (var e in events)
                {
                    if (!done.Add(idOf(e))) continue; // applied before, or earlier in this batch
                    await apply(e, ct);
                    writer.AddApplied(new InboxMessage { MessageId = idOf(e), Consumer = consumer, ProcessedAt = now });
                    applied++;
                }
                await writer.SaveDeferredAsync(ct);
                if (tx is not null) await tx.CommitAsync(ct);
                writer.SignalCommitted();
                return applied;
            }
            finally
            {
                writer.EndDeferred();
            }
        });
    }
}
