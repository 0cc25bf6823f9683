using System.Text.Json;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Cooperation.Contracts.Events;
using JinDu.Cooperation.Model;
using JinDu.Cooperation.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Infrastructure;

/// <summary>
/// Puts a notice into a recipient's numbered stream and announces it, in the caller's unit of work.
/// The stream row's sequence is a concurrency token: two writers racing for one recipient cannot hand
/// out the same number; the loser's transaction fails and its message is retried.
/// </summary>
public sealed class NotificationWriter(CooperationDbContext db, TimeProvider time, CooperationClock clock, WebhookSignal webhookSignal,
    Streams.NotificationSignal streamSignal)
{
    private bool _signalHooked;

    public async Task<Notification> AddAsync(string recipient, string type, string title, object payload,
        Guid sourceEventId, string sourceAgency, CancellationToken ct)
    {
        var stream = await db.DeliveryStreams.FindAsync([recipient], ct);
        if (stream is null)
        {
            stream = new DeliveryStream { RecipientAgency = recipient };
            db.DeliveryStreams.Add(stream);
        }
        stream.LastSequence++;
        var now = time.GetUtcNow();
        var notification = new Notification
        {
            PublicId = Guid.CreateVersion7(),
            RecipientAgency = recipient,
            Sequence = stream.LastSequence,
            Type = type,
            Title = title,
            Payload = JsonSerializer.Serialize(payload, JsonDefaults.Api),
            SourceEventId = sourceEventId,
            SourceAgency = sourceAgency,
            CreatedAt = now,
        };
        db.Notifications.Add(notification);
        await QueueWebhookAsync(notification, ct);
        if (!_signalHooked)
        {
            // After the commit, live streams and the webhook dispatcher of this instance look at once.
            _signalHooked = true;
            db.SavedChanges += (_, _) =>
            {
                streamSignal.Notify();
                webhookSignal.Notify();
            };
        }
        db.OutboxMessages.Add(OutboxMessage.From(new NotificationIssued
        {
            EventId = Guid.CreateVersion7(),
            OccurredAt = now,
            ProducerAgency = sourceAgency,
            NotificationId = notification.PublicId,
            RecipientAgency = recipient,
            Sequence = notification.Sequence,
            Type = type,
        }));
        return notification;
    }

    /// <summary>
    /// When the recipient has a webhook, the delivery is queued in the same unit of work as the notice, so a notice
    /// that was stored is also pushed (and one that rolled back is not).
    /// </summary>
    private async Task QueueWebhookAsync(Notification notification, CancellationToken ct)
    {
        var hasEndpoint = db.WebhookEndpoints.Local.Any(e => e.Agency == notification.RecipientAgency)
            || await db.WebhookEndpoints.AnyAsync(e => e.Agency == notification.RecipientAgency, ct);
        if (!hasEndpoint) return;
        db.WebhookDeliveries.Add(WebhookDeliveries.For(notification, clock.Now));
    }
}
