using JinDu.BuildingBlocks.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Infrastructure;

/// <summary>
/// How the notice consumers' batches are cut: section <c>Notifications:Batch</c> for the flags' household notices, and
/// <c>Notifications:LeadBatch</c> (<see cref="LeadNotices"/>, other defaults: <see cref="ForLeadNotices"/>) for the
/// notices through a lead.
/// </summary>
public sealed class NoticeBatchOptions
{
    /// <summary>The name of the lead-notice queue's options.</summary>
    public const string LeadNotices = "LeadNotices";

    /// <summary>Reads both sections into the options the two batch queues are configured with.</summary>
    public static IServiceCollection AddTo(IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<NoticeBatchOptions>(configuration.GetSection("Notifications:Batch"));
        services.AddOptions<NoticeBatchOptions>(LeadNotices).Configure(ForLeadNotices).Bind(configuration.GetSection("Notifications:LeadBatch"));
        return services;
    }

    /// <summary>
    /// The lead-notice queue's defaults: a batch is cut 25 ms after the last event arrived, when the bursts of Leads
    /// commits stop coming. Leads has already batched these events (its own 50 ms window) and its outbox publishes a
    /// commit's events together, so waiting long for more only delays them. Cut 100 ms after the first event (the
    /// household queue's rule), a batch's first event waited 115 ms at p50 before it was applied; 25 ms after the last,
    /// 47–60 ms, and a notice through a lead was committed 50–75 ms sooner after Leads applied its flag, at p50
    /// (partner-latency, 2026-12-05, timing logs). 10 ms after the last cut a batch for nearly every burst: 2.2 times the
    /// batches, Cooperation ~0.04 cores more, and on two cores ~92% busy that lengthens everyone's tail; 25 ms made 1.5–1.8
    /// times the batches for at most ~0.03 cores. A backlog fills batches to <see cref="MessageLimit"/> at once.
    /// </summary>
    public static void ForLeadNotices(NoticeBatchOptions o)
    {
        o.TimeLimit = TimeSpan.FromMilliseconds(25);
        o.TimeLimitStart = BatchTimeLimitStart.FromLast;
    }

    /// <summary>Whether <see cref="TimeLimit"/> runs from a batch's first event or from its latest one.</summary>
    public BatchTimeLimitStart TimeLimitStart { get; set; } = BatchTimeLimitStart.FromFirst;

    /// <summary>At most this many events in one batch (one transaction).</summary>
    public int MessageLimit { get; set; } = 100;

    /// <summary>
    /// A batch is applied at the latest this long after its first event arrived (<see cref="TimeLimitStart"/>: or after
    /// its latest), full or not. A batch costs six to
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
/// One event of a batch: its id, the inbox name it is recorded under (the single consumer's, so either path skips what the
/// other applied), and its effect through <see cref="NotificationWriter"/>, the same as the single consumer's.
/// </summary>
public sealed record NoticeEvent(Guid Id, string Consumer, Func<CancellationToken, Task> Apply);

/// <summary>
/// An event taken from a batch queue: what it does, the <c>-single</c> endpoint it goes to should it fail on its own too,
/// and how to forward it there as the type it was published as.
/// </summary>
public sealed record BatchedEvent(NoticeEvent Event, string SingleQueue, ConsumeContext Context, Func<ISendEndpoint, Task> Forward)
{
    public static BatchedEvent Of<T>(ConsumeContext context, T message, Guid id, string consumer, string singleQueue,
        Func<T, CancellationToken, Task> apply) where T : class =>
        new(new NoticeEvent(id, consumer, ct => apply(message, ct)), singleQueue, context, endpoint => context.Forward(endpoint, message));
}

/// <summary>
/// Applies a batch of events as one unit of work: one query for the events already applied, each new event applied in
/// order (a duplicate within the batch once), one save of the inbox rows with every notice numbered by
/// <see cref="NotificationWriter.SaveDeferredAsync"/> (each recipient stream locked once, only for the last statements),
/// one commit. Under a burst of flags naming one county that is one lock and one commit per hundred notices instead of
/// one per notice, which is what kept the notice queues thousands deep. A batch may mix events of several consumers (the
/// notices through a lead: <see cref="Consumers.LeadNoticeBatchConsumer"/>).
/// <para>When the batch fails, its events are applied one at a time instead (the ordinary path, each in its own
/// transaction), so one bad event does not hold back the others; an event that fails on its own too is forwarded to its
/// consumer's <c>-single</c> endpoint, where it gets the usual retries with back-off and then lands in that endpoint's
/// <c>_error</c> queue alone.</para>
/// </summary>
public sealed class NoticeBatches(CooperationDbContext db, NotificationWriter writer, TimeProvider time, ILogger<NoticeBatches> log)
{
    /// <summary>A batch of one message type, all applied by one consumer.</summary>
    /// <param name="consumer">The inbox name: the same as the single consumer's, so either path skips what the other applied.</param>
    /// <param name="singleQueue">Where an event that fails on its own goes for retries and the error queue.</param>
    /// <param name="apply">One event's effect through <see cref="NotificationWriter"/>, the same as the single consumer's.</param>
    public Task ConsumeAsync<T>(ConsumeContext<Batch<T>> context, string consumer, string singleQueue, Func<T, Guid> idOf,
        Func<T, CancellationToken, Task> apply) where T : class =>
        ConsumeAsync(context.Message.Select(m => BatchedEvent.Of(m, m.Message, idOf(m.Message), consumer, singleQueue, apply)).ToList(),
            consumer, context.CancellationToken);

    /// <param name="name">What the log calls the batch's consumer.</param>
    public async Task ConsumeAsync(IReadOnlyList<BatchedEvent> messages, string name, CancellationToken ct)
    {
        try
        {
            var applied = await ApplyAsync(messages.Select(m => m.Event).ToList(), ct);
            // One line a batch; each notice's own line is at Debug (hundreds a second under load, and the inbox has them).
            log.LogInformation("{Consumer}: {Applied} of {Count} events applied in one transaction", name, applied, messages.Count);
            return;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            log.LogWarning(ex, "{Consumer}: a batch of {Count} failed; applying its events one at a time", name, messages.Count);
        }

        var failed = new List<BatchedEvent>();
        foreach (var message in messages.DistinctBy(m => (m.Event.Consumer, m.Event.Id)))
        {
            try
            {
                db.ChangeTracker.Clear();
                await ApplyAsync([message.Event], ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                db.ChangeTracker.Clear();
                log.LogWarning(ex, "{Consumer}: event {EventId} failed on its own; forwarded to {Queue} for retries", message.Event.Consumer,
                    message.Event.Id, message.SingleQueue);
                failed.Add(message);
            }
        }
        // Sent to the endpoint's exchange, which the endpoint declared with its quorum queue ("queue:" would declare the
        // queue again, without those arguments, and the broker refuses that). Should forwarding fail, the batch fails and
        // is redelivered: what was applied above is skipped then by the inbox.
        foreach (var message in failed)
            await message.Forward(await message.Context.GetSendEndpoint(new Uri($"exchange:{message.SingleQueue}")));
    }

    /// <summary>Events of one consumer not applied before, as one unit of work (see <see cref="ApplyAsync(IReadOnlyList{NoticeEvent}, CancellationToken)"/>).</summary>
    public Task<int> ApplyAsync<T>(IReadOnlyList<T> events, string consumer, Func<T, Guid> idOf, Func<T, CancellationToken, Task> apply,
        CancellationToken ct) =>
        ApplyAsync(events.Select(e => new NoticeEvent(idOf(e), consumer, c => apply(e, c))).ToList(), ct);

    /// <summary>
    /// Events not applied before, as one unit of work: also what a single consumer does with its one event, so every
    /// notice is numbered the same way (streams locked in sorted order until the commit).
    /// </summary>
    /// <returns>How many were applied (not applied before, nor earlier in the list).</returns>
    public async Task<int> ApplyAsync(IReadOnlyList<NoticeEvent> events, CancellationToken ct)
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
                var ids = events.Select(e => e.Id).Distinct().ToList();
                var consumers = events.Select(e => e.Consumer).Distinct().ToList();
                var done = (await db.InboxMessages.Where(m => consumers.Contains(m.Consumer) && ids.Contains(m.MessageId))
                    .Select(m => new { m.Consumer, m.MessageId }).ToListAsync(ct)).Select(m => (m.Consumer, m.MessageId)).ToHashSet();
                var applied = 0;
                var now = time.GetUtcNow();
                foreach (var e in events)
                {
                    if (!done.Add((e.Consumer, e.Id))) continue; // applied before, or earlier in this batch
                    await e.Apply(ct);
                    writer.AddApplied(new InboxMessage { MessageId = e.Id, Consumer = e.Consumer, ProcessedAt = now });
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
