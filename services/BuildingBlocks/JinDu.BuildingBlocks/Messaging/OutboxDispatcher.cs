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
            if (published < BatchSize)
            {
                try { await signal.WaitAsync(typeof(TContext), PollInterval, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>Publishes one batch; returns how many rows were sent.</summary>
    public async Task<int> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var batch = await db.OutboxMessages
            .Where(m => m.SentAt == null)
            .OrderBy(m => m.Id)
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        var sent = 0;
        try
        {
            foreach (var message in batch)
            {
                var type = System.Type.GetType(message.Type, throwOnError: false);
                if (type is null)
                {
                    // A row nobody can read would block the rest forever; set it aside with the reason.
                    message.LastError = $"unknown event type {message.Type}";
                    message.SentAt = DateTimeOffset.MinValue;
                    continue;
                }
                var evt = JsonSerializer.Deserialize(message.Body, type, MessageJson.Options)!;
                ActivityContext.TryParse(message.TraceParent, null, out var parent);
                using var activity = Source.StartActivity("outbox publish " + type.Name, ActivityKind.Producer, parent);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(PublishTimeout);
                message.Attempts++;
                try
                {
                    await bus.Publish(evt, type, ctx => ctx.MessageId = message.MessageId, timeout.Token);
                }
                catch (Exception ex)
                {
                    message.LastError = ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message;
                    throw;
                }
                message.SentAt = time.GetUtcNow();
                message.LastError = null;
                sent++;
            }
        }
        finally
        {
            // Mark what was confirmed even when a later publish failed, so it is not sent again.
            await db.SaveChangesAsync(CancellationToken.None);
        }
        return sent;
    }
}
