using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace JinDu.Cooperation.Webhooks;

/// <summary>What one housekeeping pass removed.</summary>
public sealed record HousekeepingPass(int Attempts, int Deliveries);

/// <summary>
/// Keeps the delivery log and the delivered messages from growing for ever: every
/// <see cref="WebhookOptions.HousekeepingInterval"/> it deletes, at most <see cref="WebhookOptions.HousekeepingBatchSize"/>
/// of each per pass, delivery attempts older than <see cref="WebhookOptions.AttemptRetention"/> (on
/// <see cref="CooperationClock"/>) and deliveries delivered before then. It never touches a pending or dead delivery, nor
/// the attempts of one (the dead-letter list keeps its log), and keeps each agency's last delivered one, so the webhook's
/// position reads as before. Notifications themselves stay: a replay from a position sends them again from there.
/// Several instances may run: each deletes by id what is still old and delivered, so they only share the work.
/// </summary>
public sealed class WebhookHousekeeping(IServiceScopeFactory scopes, CooperationClock clock, IOptionsMonitor<WebhookOptions> options,
    ILogger<WebhookHousekeeping> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var pass = await CleanUpAsync(stoppingToken);
                if (pass.Attempts + pass.Deliveries > 0)
                    log.LogInformation("Webhook housekeeping: {Attempts} attempts and {Deliveries} delivered messages older than {Retention} removed",
                        pass.Attempts, pass.Deliveries, options.CurrentValue.AttemptRetention);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning(ex, "Webhook housekeeping failed; trying again next time");
            }
            try { await Task.Delay(options.CurrentValue.HousekeepingInterval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One pass: at most one batch of attempts and one of deliveries.</summary>
    public async Task<HousekeepingPass> CleanUpAsync(CancellationToken ct)
    {
        var o = options.CurrentValue;
        var before = clock.Now - o.AttemptRetention;
        var batch = Math.Max(1, o.HousekeepingBatchSize);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CooperationDbContext>();

        var attemptIds = await db.WebhookAttempts.AsNoTracking()
            .Where(a => a.AttemptedAt < before
                        && !db.WebhookDeliveries.Any(d => d.Id == a.DeliveryId && d.Status != DeliveryStatus.Delivered))
            .OrderBy(a => a.Id).Select(a => a.Id).Take(batch).ToListAsync(ct);
        var attempts = attemptIds.Count == 0 ? 0 : await db.WebhookAttempts.Where(a => attemptIds.Contains(a.Id)).ExecuteDeleteAsync(ct);

        var deliveryIds = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.Status == DeliveryStatus.Delivered && d.DeliveredAt < before
                        && db.WebhookDeliveries.Any(later => later.Agency == d.Agency && later.Status == DeliveryStatus.Delivered && later.Sequence > d.Sequence))
            .OrderBy(d => d.Id).Select(d => d.Id).Take(batch).ToListAsync(ct);
        // Checked again as it is deleted: a replay may have put one back in the queue since.
        var deliveries = deliveryIds.Count == 0 ? 0 : await db.WebhookDeliveries
            .Where(d => deliveryIds.Contains(d.Id) && d.Status == DeliveryStatus.Delivered && d.DeliveredAt < before)
            .ExecuteDeleteAsync(ct);
        return new HousekeepingPass(attempts, deliveries);
    }
}
