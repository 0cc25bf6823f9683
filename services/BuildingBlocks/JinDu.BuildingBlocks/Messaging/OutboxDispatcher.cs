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
/// Publishes what a service's outbox holds, in order, and marks each row sent once the broker has
/// confirmed it. We write this ourselves because MassTransit.EntityFrameworkCore is not available to
/// us; it is deliberately small: one table, one loop, back-off while the broker is away. Delivery is
/// at least once (a crash between confirm and mark re-sends), which the consumers' inbox absorbs.
/// The message id on the wire is the event id, so consumers can deduplicate by it.
/// Runs one dispatcher per service instance; several instances may publish the same row twice,
/// which is still correct because consumers are idempotent.
/// </summary>
public sealed class OutboxDispatcher<TContext>(
    IServiceScopeFactory scopes,
    IBus bus,
    OutboxSignal signal,
    TimeProvider time,
    ILogger<OutboxDispatcher<TContext>> log) : BackgroundService where TContext : ServiceDbContext
{
    public const int BatchSize = 200;
    private static readonly ActivitySource Source = new("JinDu.Outbox");
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CleanupEvery = TimeSpan.FromHours(1);
    private DateTimeOffset _lastCleanup = DateTimeOffset.MinValue;

    /// <summary>How long sent events, processed-event ids and idempotent answers are kept.</summary>
    public static readonly TimeSpan KeepSent = TimeSpan.FromDays(7), KeepInbox = TimeSpan.FromDays(30), KeepIdempotency = TimeSpan.FromHours(48);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            int published;
            try
            {
                published = await DispatchBatchAsync(stoppingToken);
                failures = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(5_000, 250 * Math.Pow(2, Math.Min(failures, 5))));
                log.LogWarning(ex, "Outbox of {Context}: publish failed ({Failures} in a row), retrying in {Delay}", typeof(TContext).Name, failures, delay);
                await Task.Delay(delay, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                continue;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (time.GetUtcNow() - _lastCleanup > CleanupEvery)
            {
                try { await CleanUpAsync(stoppingToken); }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested) { log.LogWarning(ex, "Outbox clean-up of {Context} failed", typeof(TContext).Name); }
            }
            if (published < BatchSize)
            {
                try { await signal.WaitAsync(typeof(TContext), PollInterval, stoppingToken); }
                catch (OperationCanceledException) { return; }
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

    /// <summary>Publishes one batch; returns how many rows were sent.</summary>
    public async Task<int> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var batch = await db.OutboxMessages.AsNoTracking()
            .Where(m => m.SentAt == null)
            .OrderBy(m => m.Id)
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        var confirmed = new List<long>(batch.Count);
        var failed = new List<(long Id, string Error)>();
        var setAside = new List<(long Id, string Error)>();
        // The batch's publishes go out together and are confirmed together: one broker round trip for the batch
        // instead of one a row, which held a service to ~600 events/s. They are started in the rows' order on one
        // channel; consumers never relied on order (they consume concurrently and are idempotent).
        var publishes = new List<(OutboxMessage Message, Activity? Activity, Task Publish)>(batch.Count);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PublishTimeout);
        var previous = Activity.Current;
        try
        {
            foreach (var message in batch)
            {
                var type = System.Type.GetType(message.Type, throwOnError: false);
                if (type is null)
                {
                    // A row nobody can read (a type removed by a bad deployment) would block the rest
                    // forever: set it aside with the reason, loudly.
                    setAside.Add((message.Id, $"unknown event type {message.Type}; not published"));
                    log.LogError("Outbox of {Context}: event {MessageId} has unknown type {Type} and was set aside", typeof(TContext).Name, message.MessageId, message.Type);
                    continue;
                }
                var evt = JsonSerializer.Deserialize(message.Body, type, MessageJson.Options)!;
                ActivityContext.TryParse(message.TraceParent, null, out var parent);
                // Each publish joins its own request's trace: the activity is current only while the publish starts.
                Activity.Current = null;
                var activity = Source.StartActivity("outbox publish " + type.Name, ActivityKind.Producer, parent);
                Task publish;
                try { publish = bus.Publish(evt, type, ctx => ctx.MessageId = message.MessageId, timeout.Token); }
                catch (Exception ex) { publish = Task.FromException(ex); }
                finally { Activity.Current = previous; }
                publishes.Add((message, activity, publish));
            }
            Exception? failure = null;
            foreach (var (message, activity, publish) in publishes)
            {
                try
                {
                    await publish;
                    confirmed.Add(message.Id);
                }
                catch (Exception ex)
                {
                    failed.Add((message.Id, ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message));
                    failure ??= ex;
                }
                finally
                {
                    activity?.Dispose();
                }
            }
            if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        finally
        {
            // Mark what was confirmed even when another publish failed, so it is not sent again: one statement for the
            // batch (marked one row at a time, the marks were a third of the outbox's database work).
            var now = time.GetUtcNow();
            if (confirmed.Count > 0)
                await db.OutboxMessages.Where(m => confirmed.Contains(m.Id)).ExecuteUpdateAsync(u => u
                    .SetProperty(m => m.SentAt, now).SetProperty(m => m.LastError, (string?)null).SetProperty(m => m.Attempts, m => m.Attempts + 1),
                    CancellationToken.None);
            foreach (var (id, error) in failed)
                await db.OutboxMessages.Where(m => m.Id == id).ExecuteUpdateAsync(u => u
                    .SetProperty(m => m.LastError, error).SetProperty(m => m.Attempts, m => m.Attempts + 1), CancellationToken.None);
            foreach (var (id, error) in setAside)
                await db.OutboxMessages.Where(m => m.Id == id).ExecuteUpdateAsync(u => u
                    .SetProperty(m => m.SentAt, now).SetProperty(m => m.LastError, error), CancellationToken.None);
        }
        return confirmed.Count;
    }
}
