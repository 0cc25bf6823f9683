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
/// Inside a transaction on PostgreSQL (<see cref="UnitOfWork.ApplyOnceLockedAsync"/>) the recipient's stream row is
/// locked until the commit, so concurrent writers take turns. Otherwise the row's sequence, a concurrency token,
/// still keeps two writers from handing out one number: the loser's save fails and is retried.
/// </summary>
public sealed class NotificationWriter(CooperationDbContext db, TimeProvider time, CooperationClock clock, WebhookSignal webhookSignal,
    Streams.NotificationSignal streamSignal)
{
    private bool _signalHooked;

    public async Task<Notification> AddAsync(string recipient, string type, string title, object payload,
        Guid sourceEventId, string sourceAgency, CancellationToken ct)
    {
        var stream = await LockedStreamAsync(recipient, ct) ?? await db.DeliveryStreams.FindAsync([recipient], ct);
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

    private async Task<DeliveryStream?> LockedStreamAsync(string recipient, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null || !db.Database.IsNpgsql()) return null;
        if (db.DeliveryStreams.Local.FirstOrDefault(s => s.RecipientAgency == recipient) is { } tracked) return tracked; // locked already
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO delivery_streams (\"RecipientAgency\", \"LastSequence\") VALUES ({recipient}, 0) ON CONFLICT DO NOTHING", ct);
        return (await db.DeliveryStreams.FromSql($"SELECT * FROM delivery_streams WHERE \"RecipientAgency\" = {recipient} FOR UPDATE")
            .ToListAsync(ct)).Single();
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
