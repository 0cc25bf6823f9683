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
/// <para>Immediate (API callers): the recipient's stream row's sequence, a concurrency token, keeps two writers from
/// handing out one number: the loser's save fails and is retried.</para>
/// <para>Deferred (<see cref="BeginDeferred"/>, every event consumer, through <see cref="NoticeBatches"/>): notices are collected and
/// numbered only by <see cref="FlushAsync"/>, which locks every stream the batch touches in one statement, in sorted
/// order, so a batch holds each recipient's lock once and only for the end of its transaction, and two batches never
/// wait for each other in a circle.</para>
/// </summary>
public sealed class NotificationWriter(CooperationDbContext db, TimeProvider time, CooperationClock clock, WebhookSignal webhookSignal,
    Streams.NotificationSignal streamSignal)
{
    private bool _signalHooked;
    private List<Notification>? _deferred;

    /// <summary>From now on <see cref="AddAsync"/> collects; <see cref="FlushAsync"/> numbers and queues what it collected.</summary>
    public void BeginDeferred() => _deferred = [];

    /// <summary>Back to numbering each notice as it is added (what was collected and not flushed is dropped).</summary>
    public void EndDeferred() => _deferred = null;

    public async Task<Notification> AddAsync(string recipient, string type, string title, object payload,
        Guid sourceEventId, string sourceAgency, CancellationToken ct)
    {
        var notification = new Notification
        {
            PublicId = Guid.CreateVersion7(),
            RecipientAgency = recipient,
            Type = type,
            Title = title,
            Payload = JsonSerializer.Serialize(payload, JsonDefaults.Api),
            SourceEventId = sourceEventId,
            SourceAgency = sourceAgency,
            CreatedAt = time.GetUtcNow(),
        };
        if (_deferred is not null)
        {
            _deferred.Add(notification); // numbered by FlushAsync
            return notification;
        }
        var stream = await db.DeliveryStreams.FindAsync([recipient], ct);
        if (stream is null)
        {
            stream = new DeliveryStream { RecipientAgency = recipient };
            db.DeliveryStreams.Add(stream);
        }
        stream.LastSequence++;
        notification.Sequence = stream.LastSequence;
        var hasEndpoint = db.WebhookEndpoints.Local.Any(e => e.Agency == recipient)
            || await db.WebhookEndpoints.AnyAsync(e => e.Agency == recipient, ct);
        Stage(notification, hasEndpoint);
        return notification;
    }

    /// <summary>
    /// Numbers what was collected since <see cref="BeginDeferred"/>: locks all the recipients' streams at once in sorted
    /// order (creating the missing ones first), hands out consecutive numbers in the order the notices were added, and
    /// queues the webhook deliveries (one query for which recipients have an endpoint) and NotificationIssued events.
    /// The caller saves and commits.
    /// </summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        if (_deferred is not { Count: > 0 } pending) return;
        var recipients = pending.Select(n => n.RecipientAgency).Distinct().Order(StringComparer.Ordinal).ToArray();
        Dictionary<string, DeliveryStream> streams;
        if (db.Database.IsNpgsql() && db.Database.CurrentTransaction is not null)
        {
            // New streams first, in the same order (a concurrent insert of the same key waits for ours, never in a circle),
            // then one SELECT … ORDER BY … FOR UPDATE: PostgreSQL locks the rows as they come out of the sort.
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO delivery_streams ("RecipientAgency", "LastSequence")
                SELECT r, 0 FROM unnest({recipients}::text[]) AS r ORDER BY r COLLATE "C" ON CONFLICT DO NOTHING
                """, ct);
            streams = (await db.DeliveryStreams.FromSql($"""
                    SELECT * FROM delivery_streams WHERE "RecipientAgency" = ANY({recipients}) ORDER BY "RecipientAgency" COLLATE "C" FOR UPDATE
                    """).ToListAsync(ct))
                .ToDictionary(s => s.RecipientAgency);
        }
        else
        {
            // SQLite serialises writers; the stream's sequence (a concurrency token) fails a save that raced another.
            streams = await db.DeliveryStreams.Where(s => recipients.Contains(s.RecipientAgency)).ToDictionaryAsync(s => s.RecipientAgency, ct);
            foreach (var missing in recipients.Where(r => !streams.ContainsKey(r)))
                db.DeliveryStreams.Add(streams[missing] = new DeliveryStream { RecipientAgency = missing });
        }
        var withEndpoint = (await db.WebhookEndpoints.Where(e => recipients.Contains(e.Agency)).Select(e => e.Agency).ToListAsync(ct)).ToHashSet();
        foreach (var notification in pending)
        {
            var stream = streams[notification.RecipientAgency];
            notification.Sequence = ++stream.LastSequence;
            Stage(notification, withEndpoint.Contains(notification.RecipientAgency));
        }
        pending.Clear();
    }

    /// <summary>
    /// The notice, its webhook delivery when the recipient has an endpoint (queued in the same unit of work, so a notice
    /// that was stored is also pushed and one that rolled back is not), and its NotificationIssued event.
    /// </summary>
    private void Stage(Notification notification, bool hasEndpoint)
    {
        db.Notifications.Add(notification);
        if (hasEndpoint) db.WebhookDeliveries.Add(WebhookDeliveries.For(notification, clock.Now));
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
            OccurredAt = notification.CreatedAt,
            ProducerAgency = notification.SourceAgency,
            NotificationId = notification.PublicId,
            RecipientAgency = notification.RecipientAgency,
            Sequence = notification.Sequence,
            Type = notification.Type,
        }));
    }
}
