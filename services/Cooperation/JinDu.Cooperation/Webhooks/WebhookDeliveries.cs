using JinDu.Cooperation.Model;

namespace JinDu.Cooperation.Webhooks;

public static class WebhookDeliveries
{
    /// <summary>A new delivery of a notification (not yet saved: its id comes with the same commit).</summary>
    public static WebhookDelivery For(Notification n, DateTimeOffset now) => new()
    {
        PublicId = Guid.CreateVersion7(),
        Agency = n.RecipientAgency,
        Notification = n,
        MessageId = n.PublicId,
        Sequence = n.Sequence,
        Type = n.Type,
        Status = DeliveryStatus.Pending,
        WindowStartedAt = now,
        NextAttemptAt = now,
        CreatedAt = now,
    };

    /// <summary>Back in the queue, due now, with a fresh retry window (a replay).</summary>
    public static void Requeue(WebhookDelivery d, DateTimeOffset now)
    {
        d.Status = DeliveryStatus.Pending;
        d.WindowStartedAt = now;
        d.NextAttemptAt = now;
        d.LeasedUntil = null;
        d.DeliveredAt = null;
    }
}
