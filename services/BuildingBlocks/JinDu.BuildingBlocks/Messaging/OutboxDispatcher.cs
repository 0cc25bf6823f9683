using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using JinDu.BuildingBlocks.Data;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JinDu.BuildingBlocks.Messaging;

/// <summary>
/// Publishes what a service's outbox holds and marks each row sent once the broker has confirmed it. We write this
/// ourselves because MassTransit.EntityFrameworkCore is not available to us; it is deliberately small: one table, one
/// loop, back-off while the broker is away. Delivery is at least once (a crash between confirm and mark re-sends), which
/// the consumers' inbox absorbs. The message id on the wire is the event id, so consumers can deduplicate by it.
/// <para>Events reach it two ways. A commit hands its events over (<see cref="OutboxSignal.Committed"/>): they are
/// published at once, from memory, what was handed over while a round awaited its confirms going together in the next,
/// and rows are marked sent in the background, many at a time. Reading each round back from the table and marking it
/// before the next put 12–24 ms at p50 (70–140 at p99) on each of the two outbox hops of a notice through a lead
/// (partner-latency, 2026-12-05), and cost PostgreSQL a read a round. The table is read at start, every
/// <see cref="PollInterval"/>, when a commit stored events without handing them over, and after a failure: what another
/// instance or a crash left, and what a failed round gave back, is published from there, oldest first, once two reads
/// in a row found it unsent and not handed over (a commit hands its events over a moment after the commit).</para>
/// <para>A read model the service keeps from its own events (<see cref="IOutboxProjection{TContext}"/>) is applied to what
/// the broker confirmed before it is marked sent; what it fails to apply goes back to the table like a failed publish.</para>
/// Runs one dispatcher per service instance; several instances may publish the same row twice, which is still correct
/// because consumers are idempotent. Consumers never relied on order: they consume concurrently.
/// </summary>
public sealed class OutboxDispatcher<TContext>(
    IServiceScopeFactory scopes,
    IBus bus,
    OutboxSignal signal,
    TimeProvider time,
    IEnumerable<IOutboxProjection<TContext>> projections,
    ILogger<OutboxDispatcher<TContext>> log) : BackgroundService where TContext : ServiceDbContext
{
    public const int BatchSize = 200;
    private static readonly ActivitySource Source = new("JinDu.Outbox");
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CleanupEvery = TimeSpan.FromHours(1);
    private static readonly TimeSpan MarkEvery = TimeSpan.FromMilliseconds(50);
    private static readonly ConcurrentDictionary<string, System.Type?> Types = new(StringComparer.Ordinal);
    private readonly OutboxSignal.Lane _lane = signal.For(typeof(TContext));
    private readonly IOutboxProjection<TContext>[] _projections = projections.ToArray();
    private DateTimeOffset _lastCleanup = DateTimeOffset.MinValue;
    private Exception? _roundFailure;
    private int _roundConfirmed;
    private bool _firstRead = true;
    private HashSet<Guid> _seenUnsent = [];
    // Handed-over events the broker confirmed, waiting to be marked sent: one UPDATE for all that gathered, at most one every
    // MarkEvery, so a service whose commits each hand over an event or two does not pay a statement a round. Nothing waits
    // for a mark but a crash's re-send, and the table read, which skips what is held until marked.
    private readonly ConcurrentQueue<Guid> _toMark = new();
    private readonly SemaphoreSlim _markWake = new(0, 1);

    /// <summary>How long sent events, processed-event ids and idempotent answers are kept.</summary>
    public static readonly TimeSpan KeepSent = TimeSpan.FromDays(7), KeepInbox = TimeSpan.FromDays(30), KeepIdempotency = TimeSpan.FromHours(48);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var readTable = true;
        var lastRead = time.GetTimestamp();
        // One round of handed-over events awaits its confirms at a time, so that what commits meanwhile gathers into the
        // next. With four in flight, a service whose commits each hand over an event (Screening, 200 posts a second)
        // published rounds of one or two, and partner-latency's worst seconds were worse in each of three runs (2026-12-05).
        var round = Task.CompletedTask;
        var marker = MarkConfirmedAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var worked = false;
                try
                {
                    if (Interlocked.Exchange(ref _roundFailure, null) is { } failed) throw failed;
                    // The back-off grows until something is confirmed again.
                    if (Interlocked.Exchange(ref _roundConfirmed, 0) == 1) failures = 0;
                    var events = TakeHandedOver();
                    if (events.Count > 0)
                    {
                        await round; // never throws
                        round = PublishHandedOverAsync(events, stoppingToken);
                        worked = true;
                    }
                    // Also under a steady stream of handed-over events, at least once a poll interval.
                    if (readTable || _lane.TakeLookInTable() || time.GetElapsedTime(lastRead) >= PollInterval)
                    {
                        lastRead = time.GetTimestamp();
                        var published = await DispatchBatchAsync(stoppingToken);
                        // A full batch: more may be waiting.
                        readTable = published == BatchSize;
                        worked |= published > 0;
                        if (published > 0) failures = 0;
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    failures++;
                    var delay = TimeSpan.FromMilliseconds(Math.Min(5_000, 250 * Math.Pow(2, Math.Min(failures, 5))));
                    log.LogWarning(ex, "Outbox of {Context}: publish failed ({Failures} in a row), retrying in {Delay}", typeof(TContext).Name, failures, delay);
                    await Task.Delay(delay, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                    // What failed was given back to the table (and handed-over rounds marked what they could).
                    readTable = true;
                    continue;
                }
                if (time.GetUtcNow() - _lastCleanup > CleanupEvery)
                {
                    try { await CleanUpAsync(stoppingToken); }
                    catch (Exception ex) when (!stoppingToken.IsCancellationRequested) { log.LogWarning(ex, "Outbox clean-up of {Context} failed", typeof(TContext).Name); }
                }
                if (!worked && !readTable && _lane.Committed.IsEmpty)
                {
                    var untilPoll = PollInterval - time.GetElapsedTime(lastRead);
                    if (untilPoll > TimeSpan.Zero) await signal.WaitAsync(typeof(TContext), untilPoll, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // A round still being confirmed marks what was confirmed; what was not stays in the table for the next start.
        await round;
        OutboxSignal.Wake(_markWake);
        await marker;
    }

    /// <summary>
    /// Marks confirmed handed-over events sent, all that gathered at each wake, until the service stops (and once more
    /// then); only then are they released from <see cref="OutboxSignal.Lane.Held"/>. Unmarked (the database away), they
    /// stay unsent in the table and are published again from there: at least once.
    /// </summary>
    private async Task MarkConfirmedAsync(CancellationToken stoppingToken)
    {
        var stopping = false;
        while (true)
        {
            try { await _markWake.WaitAsync(stoppingToken); }
            catch (OperationCanceledException) { stopping = true; }
            var ids = new List<Guid>();
            while (ids.Count < 2_000 && _toMark.TryDequeue(out var id)) ids.Add(id);
            if (ids.Count > 0)
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await MarkAsync(scope.ServiceProvider.GetRequiredService<TContext>(), new Outcome(ids, [], [], null));
                }
                catch (Exception ex)
                {
                    log.LogWarning(ex, "Outbox of {Context}: {Count} published events could not be marked sent", typeof(TContext).Name, ids.Count);
                }
                finally
                {
                    foreach (var id in ids) _lane.Held.TryRemove(id, out _);
                }
            }
            if (!_toMark.IsEmpty) OutboxSignal.Wake(_markWake);
            else if (stopping) return;
            if (!stopping) await Task.Delay(MarkEvery, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Up to <see cref="BatchSize"/> events handed over by commits, in the order they were committed.</summary>
    private List<OutboxMessage> TakeHandedOver()
    {
        var events = new List<OutboxMessage>();
        while (events.Count < BatchSize && _lane.Committed.TryDequeue(out var e)) events.Add(e);
        return events;
    }

    /// <summary>
    /// Publishes a round of handed-over events and passes what the broker confirmed on to be marked; never throws. A
    /// failure records itself on the rows, gives them back to the table and tells the loop to back off.
    /// </summary>
    private async Task PublishHandedOverAsync(List<OutboxMessage> events, CancellationToken cancellationToken)
    {
        Outcome? outcome = null;
        try
        {
            outcome = await PublishAsync(events, cancellationToken);
            if (outcome.Confirmed.Count > 0) Volatile.Write(ref _roundConfirmed, 1);
            foreach (var id in outcome.Confirmed) _toMark.Enqueue(id);
            OutboxSignal.Wake(_markWake);
            if (outcome.Failed.Count + outcome.SetAside.Count > 0)
            {
                await using var scope = scopes.CreateAsyncScope();
                await MarkAsync(scope.ServiceProvider.GetRequiredService<TContext>(), outcome with { Confirmed = [] });
            }
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "Outbox of {Context}: a round of {Count} events could not record its outcome", typeof(TContext).Name, events.Count);
            outcome ??= new Outcome([], [], [], ex);
        }
        finally
        {
            // Confirmed events are released once marked; the others now, back to the table.
            var confirmed = outcome?.Confirmed.ToHashSet() ?? [];
            foreach (var e in events)
                if (!confirmed.Contains(e.MessageId)) _lane.Held.TryRemove(e.MessageId, out _);
            if (outcome?.Failure is { } failure)
            {
                Interlocked.CompareExchange(ref _roundFailure, failure, null);
                // Wakes the loop: it backs off, then reads the table for what was given back.
                signal.Notify(typeof(TContext));
            }
        }
    }

    /// <summary>
    /// Deletes what is no longer needed: events sent a week ago, processed ids older than any redelivery
    /// (30 days), idempotent answers older than any sensible retry (48 hours).
    /// </summary>
    public async Task CleanUpAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        _lastCleanup = now;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var sentBefore = now - KeepSent;
        var processedBefore = now - KeepInbox;
        var answeredBefore = now - KeepIdempotency;
        var outbox = await db.OutboxMessages.Where(m => m.SentAt != null && m.SentAt < sentBefore).ExecuteDeleteAsync(cancellationToken);
        var inbox = await db.InboxMessages.Where(m => m.ProcessedAt < processedBefore).ExecuteDeleteAsync(cancellationToken);
        var answers = await db.IdempotencyRecords.Where(r => r.CreatedAt < answeredBefore).ExecuteDeleteAsync(cancellationToken);
        if (outbox + inbox + answers > 0)
            log.LogInformation("{Context}: removed {Outbox} sent events, {Inbox} processed ids, {Answers} idempotent answers", typeof(TContext).Name, outbox, inbox, answers);
    }

    /// <summary>
    /// Publishes one batch read from the table (unsent, oldest first, skipping events handed over and still in a round, and
    /// those seen for the first time but at start); returns how many rows were sent. Throws when a publish failed, after
    /// marking what was confirmed.
    /// </summary>
    private async Task<int> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var unsent = (await db.OutboxMessages.AsNoTracking()
                .Where(m => m.SentAt == null)
                .OrderBy(m => m.Id)
                .Take(BatchSize)
                .ToListAsync(cancellationToken))
            .Where(m => !_lane.Held.ContainsKey(m.MessageId))
            .ToList();
        // A row first seen now may be a commit's whose hand-over is a moment behind the commit: it is published from here
        // only when the previous read saw it unsent too (or at the first read, when nothing of this instance is in flight),
        // so that the two paths do not both publish it.
        var batch = _firstRead ? unsent : unsent.Where(m => _seenUnsent.Contains(m.MessageId)).ToList();
        _seenUnsent = unsent.Except(batch).Select(m => m.MessageId).ToHashSet();
        _firstRead = false;
        if (batch.Count == 0) return 0;
        var outcome = await PublishAsync(batch, cancellationToken);
        await MarkAsync(db, outcome);
        if (outcome.Failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(outcome.Failure);
        return outcome.Confirmed.Count;
    }

    private sealed record Outcome(List<Guid> Confirmed, List<(Guid MessageId, string Error)> Failed, List<(Guid MessageId, string Error)> SetAside, Exception? Failure);

    /// <summary>
    /// Publishes the events together and awaits their confirms together: one broker round trip for the batch instead of
    /// one a row, which held a service to ~600 events/s. They are started in the given order on one channel. Never throws:
    /// the outcome says what was confirmed, what failed (and the first failure) and what was set aside.
    /// </summary>
    private async Task<Outcome> PublishAsync(IReadOnlyList<OutboxMessage> batch, CancellationToken cancellationToken)
    {
        var outcome = new Outcome(new List<Guid>(batch.Count), [], [], null);
        var publishes = new List<(OutboxMessage Message, object? Event, Activity? Activity, Task Publish)>(batch.Count);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PublishTimeout);
        var previous = Activity.Current;
        foreach (var message in batch)
        {
            var type = Types.GetOrAdd(message.Type, static name => System.Type.GetType(name, throwOnError: false));
            if (type is null)
            {
                // A row nobody can read (a type removed by a bad deployment) would block the rest
                // forever: set it aside with the reason, loudly.
                outcome.SetAside.Add((message.MessageId, $"unknown event type {message.Type}; not published"));
                log.LogError("Outbox of {Context}: event {MessageId} has unknown type {Type} and was set aside", typeof(TContext).Name, message.MessageId, message.Type);
                continue;
            }
            ActivityContext.TryParse(message.TraceParent, null, out var parent);
            // Each publish joins its own request's trace: the activity is current only while the publish starts.
            Activity.Current = null;
            var activity = Source.StartActivity("outbox publish " + type.Name, ActivityKind.Producer, parent);
            Task publish;
            object? evt = null;
            try
            {
                evt = message.Event ?? JsonSerializer.Deserialize(message.Body, type, MessageJson.Options)!;
                publish = bus.Publish(evt, type, ctx => ctx.MessageId = message.MessageId, timeout.Token);
            }
            catch (Exception ex) { publish = Task.FromException(ex); }
            finally { Activity.Current = previous; }
            publishes.Add((message, evt, activity, publish));
        }
        Exception? failure = null;
        List<(Guid MessageId, object Event)>? confirmed = _projections.Length > 0 ? new(batch.Count) : null;
        foreach (var (message, evt, activity, publish) in publishes)
        {
            try
            {
                await publish;
                outcome.Confirmed.Add(message.MessageId);
                confirmed?.Add((message.MessageId, evt!));
            }
            catch (Exception ex)
            {
                outcome.Failed.Add((message.MessageId, ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message));
                failure ??= ex;
            }
            finally
            {
                activity?.Dispose();
            }
        }
        if (confirmed is { Count: > 0 }) failure ??= await ProjectAsync(confirmed, outcome, cancellationToken);
        return outcome with { Failure = failure };
    }

    /// <summary>
    /// Applies the confirmed events to the service's own read models (<see cref="IOutboxProjection{TContext}"/>), each
    /// projection's events at once, in the order they were stored. Events a projection failed to apply are no longer
    /// confirmed but failed: they stay unsent, and are published and applied again from the table. Returns the first failure.
    /// </summary>
    private async Task<Exception?> ProjectAsync(List<(Guid MessageId, object Event)> confirmed, Outcome outcome, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        foreach (var projection in _projections)
        {
            var mine = confirmed.Where(e => projection.Handles(e.Event.GetType())).ToList();
            if (mine.Count == 0) continue;
            try
            {
                await projection.ApplyAsync(mine.ConvertAll(e => e.Event), cancellationToken);
            }
            catch (Exception ex)
            {
                log.LogWarning(ex, "Outbox of {Context}: {Projection} could not apply {Count} events; they will be published and applied again",
                    typeof(TContext).Name, projection.GetType().Name, mine.Count);
                var error = $"{projection.GetType().Name}: {ex.Message}";
                foreach (var (id, _) in mine)
                    if (outcome.Confirmed.Remove(id)) outcome.Failed.Add((id, error.Length > 2000 ? error[..2000] : error));
                failure ??= ex;
            }
        }
        return failure;
    }

    /// <summary>
    /// Marks what was confirmed sent, in one statement (marked one row at a time, the marks were a third of the outbox's
    /// database work), even when another publish failed, so it is not sent again; records each failure and what was set aside.
    /// </summary>
    private async Task MarkAsync(TContext db, Outcome outcome)
    {
        var now = time.GetUtcNow();
        var confirmed = outcome.Confirmed;
        if (confirmed.Count > 0)
            await db.OutboxMessages.Where(m => confirmed.Contains(m.MessageId)).ExecuteUpdateAsync(u => u
                .SetProperty(m => m.SentAt, now).SetProperty(m => m.LastError, (string?)null).SetProperty(m => m.Attempts, m => m.Attempts + 1),
                CancellationToken.None);
        foreach (var (id, error) in outcome.Failed)
            await db.OutboxMessages.Where(m => m.MessageId == id).ExecuteUpdateAsync(u => u
                .SetProperty(m => m.LastError, error).SetProperty(m => m.Attempts, m => m.Attempts + 1), CancellationToken.None);
        foreach (var (id, error) in outcome.SetAside)
            await db.OutboxMessages.Where(m => m.MessageId == id).ExecuteUpdateAsync(u => u
                .SetProperty(m => m.SentAt, now).SetProperty(m => m.LastError, error), CancellationToken.None);
    }
}
