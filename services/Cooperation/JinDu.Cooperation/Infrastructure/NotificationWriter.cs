using System.Text.Json;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Cooperation.Contracts.Events;
using JinDu.Cooperation.Model;
using JinDu.Cooperation.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace JinDu.Cooperation.Infrastructure;

/// <summary>
/// Puts a notice into a recipient's numbered stream and announces it, in the caller's unit of work.
/// <para>Immediate (API callers): the recipient's stream row's sequence, a concurrency token, keeps two writers from
/// handing out one number: the loser's save fails and is retried.</para>
/// <para>Deferred (<see cref="BeginDeferred"/>, every event consumer, through <see cref="NoticeBatches"/>): notices are collected and
/// numbered only by <see cref="SaveDeferredAsync"/>, which locks every stream the batch touches in one statement, in sorted
/// order, so a batch holds each recipient's lock once and only for the end of its transaction, and two batches never
/// wait for each other in a circle.</para>
/// </summary>
public sealed class NotificationWriter(CooperationDbContext db, TimeProvider time, CooperationClock clock, WebhookSignal webhookSignal,
    Streams.NotificationSignal streamSignal, OutboxSignal outboxSignal)
{
    private bool _signalHooked;
    private List<Notification>? _deferred;
    // Written past EF (PostgreSQL's set-based path), so neither the SavedChanges hook nor the outbox interceptor saw
    // them: SignalCommitted wakes the readers instead, the webhook dispatcher for these subscribers only.
    private bool _writtenDirectly;
    private readonly HashSet<string> _toDeliver = [];
    // The NotificationIssued events written past EF, handed to the outbox by SignalCommitted.
    private readonly List<OutboxMessage> _events = [];

    /// <summary>From now on <see cref="AddAsync"/> collects; <see cref="SaveDeferredAsync"/> numbers and saves what it collected.</summary>
    public void BeginDeferred()
    {
        _deferred = [];
        _inbox.Clear();
        // A rolled-back attempt's events are never handed over.
        _events.Clear();
    }

    /// <summary>Back to numbering each notice as it is added (what was collected and not flushed is dropped).</summary>
    public void EndDeferred()
    {
        _deferred = null;
        _inbox.Clear();
    }

    // The applied events' inbox rows, saved with the notices by SaveDeferredAsync: on PostgreSQL one INSERT for the batch in
    // the notices' round trip, where SaveChanges sent one a row (four a flag, the most frequent statement of Cooperation's
    // database in partner-latency).
    private readonly List<InboxMessage> _inbox = [];

    /// <summary>Records that the consumer applied an event, in the same unit of work as its notices (<see cref="BeginDeferred"/> first).</summary>
    public void AddApplied(InboxMessage applied)
    {
        if (_deferred is null) throw new InvalidOperationException("AddApplied needs BeginDeferred first");
        _inbox.Add(applied);
    }

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
            _deferred.Add(notification); // numbered by SaveDeferredAsync
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
        db.OutboxMessages.Add(Issued([notification]));
        return notification;
    }

    /// <summary>
    /// Saves the caller's unit of work together with the notices collected since <see cref="BeginDeferred"/>, numbered;
    /// the caller commits, then calls <see cref="SignalCommitted"/>.
    /// <para>On PostgreSQL (inside the caller's transaction) the tracked changes are saved first, with no lock held; only
    /// then are the recipients' streams locked, in sorted order, and the notices, their webhook deliveries, their
    /// NotificationIssued events (one per recipient and source) and the streams' new positions written in one round trip of set-based statements
    /// (<see cref="WriteNumberedAsync"/>). A stream lock is held until the commit, so each recipient's numbers become
    /// visible in order and without gaps; keeping everything but those statements out of the lock is what lets batches for
    /// one busy recipient (a county told of hundreds of flags a second) follow each other closely instead of queueing
    /// behind each other's whole save.</para>
    /// <para>Elsewhere (SQLite serialises writers) the notices are numbered and staged through EF and saved with the rest
    /// in one SaveChanges.</para>
    /// <para>The inbox rows given to <see cref="AddApplied"/> are saved with the notices, in their round trip.</para>
    /// </summary>
    public async Task SaveDeferredAsync(CancellationToken ct)
    {
        var pending = _deferred ?? throw new InvalidOperationException("SaveDeferredAsync needs BeginDeferred first");
        if (db.Database.IsNpgsql() && db.Database.CurrentTransaction is not null)
        {
            await db.SaveChangesAsync(ct);
            if (pending.Count > 0)
            {
                await WriteNumberedAsync(pending, ct);
                _writtenDirectly = true;
            }
            else if (_inbox.Count > 0)
            {
                await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(),
                    (NpgsqlTransaction)db.Database.CurrentTransaction.GetDbTransaction()) { BatchCommands = { InsertApplied() } };
                await batch.ExecuteNonQueryAsync(ct);
            }
        }
        else
        {
            if (pending.Count > 0) await StageNumberedAsync(pending, ct);
            db.InboxMessages.AddRange(_inbox);
            await db.SaveChangesAsync(ct);
        }
        pending.Clear();
        _inbox.Clear();
    }

    private NpgsqlBatchCommand InsertApplied() => PgBatch.Command("""
        INSERT INTO inbox_messages ("MessageId", "Consumer", "ProcessedAt")
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])
        """, _inbox.Select(m => m.MessageId).ToArray(), _inbox.Select(m => m.Consumer).ToArray(), _inbox.Select(m => m.ProcessedAt).ToArray());

    /// <summary>After the caller's commit: live streams, the outbox and this instance's webhook dispatcher look at once.</summary>
    public void SignalCommitted()
    {
        if (!_writtenDirectly) return;
        _writtenDirectly = false;
        streamSignal.Notify();
        if (_toDeliver.Count > 0) webhookSignal.Notify(_toDeliver);
        _toDeliver.Clear();
        outboxSignal.Committed(typeof(CooperationDbContext), _events.ToList());
        _events.Clear();
    }

    private async Task<Dictionary<string, long>> LockStreamsAsync(string[] recipients, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var transaction = (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
        // Missing streams are created first, in the same sorted order (a concurrent insert of the same key waits for ours,
        // never in a circle). Only when one is missing: the insert waits for any transaction that holds an existing
        // stream, which would put it back in the queue it is meant to stay out of.
        await using (var exists = new NpgsqlCommand("""SELECT count(*) FROM delivery_streams WHERE "RecipientAgency" = ANY($1)""", connection, transaction))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = recipients });
            if ((long)(await exists.ExecuteScalarAsync(ct))! < recipients.Length)
            {
                await using var create = new NpgsqlCommand("""
                    INSERT INTO delivery_streams ("RecipientAgency", "LastSequence")
                    SELECT r, 0 FROM unnest($1::text[]) AS r ORDER BY r COLLATE "C" ON CONFLICT DO NOTHING
                    """, connection, transaction);
                create.Parameters.Add(new NpgsqlParameter { Value = recipients });
                await create.ExecuteNonQueryAsync(ct);
            }
        }
        // One SELECT … ORDER BY … FOR UPDATE: PostgreSQL locks the rows as they come out of the sort.
        await using var select = new NpgsqlCommand("""
            SELECT "RecipientAgency", "LastSequence" FROM delivery_streams WHERE "RecipientAgency" = ANY($1)
            ORDER BY "RecipientAgency" COLLATE "C" FOR UPDATE
            """, connection, transaction);
        select.Parameters.Add(new NpgsqlParameter { Value = recipients });
        var last = new Dictionary<string, long>(recipients.Length);
        await using var reader = await select.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) last[reader.GetString(0)] = reader.GetInt64(1);
        return last;
    }

    /// <summary>
    /// PostgreSQL: locks the streams, numbers the notices in the order they were added and writes them with their
    /// deliveries (for recipients with an endpoint), NotificationIssued events and the streams' positions: one batch, one
    /// round trip, the notices' ids going straight from their INSERT … RETURNING into the deliveries'.
    /// </summary>
    private async Task WriteNumberedAsync(List<Notification> pending, CancellationToken ct)
    {
        var recipients = pending.Select(n => n.RecipientAgency).Distinct().Order(StringComparer.Ordinal).ToArray();
        var withEndpoint = (await db.WebhookEndpoints.AsNoTracking().Where(e => recipients.Contains(e.Agency)).Select(e => e.Agency).ToListAsync(ct))
            .ToHashSet();
        var last = await LockStreamsAsync(recipients, ct);
        foreach (var n in pending) n.Sequence = last[n.RecipientAgency] = last[n.RecipientAgency] + 1;

        var now = clock.Now;
        var delivered = pending.Where(n => withEndpoint.Contains(n.RecipientAgency)).ToList();
        _toDeliver.UnionWith(withEndpoint);
        var events = Announcements(pending);
        _events.AddRange(events);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var batch = new NpgsqlBatch(connection, (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction())
        {
            BatchCommands =
            {
                PgBatch.Command("""
                    UPDATE delivery_streams s SET "LastSequence" = v.last
                    FROM unnest($1::text[], $2::bigint[]) AS v(recipient, last) WHERE s."RecipientAgency" = v.recipient
                    """, last.Keys.ToArray(), last.Values.ToArray()),
                PgBatch.Command("""
                    WITH n AS (
                        INSERT INTO notifications ("PublicId", "RecipientAgency", "Sequence", "Type", "Title", "Payload", "SourceEventId", "SourceAgency", "CreatedAt")
                        SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[], $9::timestamptz[])
                        RETURNING "Id", "PublicId", "RecipientAgency", "Sequence", "Type")
                    INSERT INTO webhook_deliveries ("PublicId", "Agency", "NotificationId", "MessageId", "Sequence", "Type", "Status", "Attempts",
                                                    "WindowStartedAt", "NextAttemptAt", "CreatedAt")
                    SELECT d.id, n."RecipientAgency", n."Id", n."PublicId", n."Sequence", n."Type", $12, 0, $13, $13, $13
                    FROM unnest($10::uuid[], $11::uuid[]) AS d(id, notification) JOIN n ON n."PublicId" = d.notification
                    """,
                    pending.Select(n => n.PublicId).ToArray(), pending.Select(n => n.RecipientAgency).ToArray(),
                    pending.Select(n => n.Sequence).ToArray(), pending.Select(n => n.Type).ToArray(), pending.Select(n => n.Title).ToArray(),
                    pending.Select(n => n.Payload).ToArray(), pending.Select(n => n.SourceEventId).ToArray(),
                    pending.Select(n => n.SourceAgency).ToArray(), pending.Select(n => n.CreatedAt).ToArray(),
                    delivered.Select(_ => Guid.CreateVersion7()).ToArray(), delivered.Select(n => n.PublicId).ToArray(),
                    nameof(DeliveryStatus.Pending), now),
                PgBatch.Command("""
                    INSERT INTO outbox_messages ("MessageId", "Type", "Body", "OccurredAt", "TraceParent", "Attempts")
                    SELECT m, t, b, o, p, 0 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[]) AS v(m, t, b, o, p)
                    """,
                    events.Select(e => e.MessageId).ToArray(), events.Select(e => e.Type).ToArray(), events.Select(e => e.Body).ToArray(),
                    events.Select(e => e.OccurredAt).ToArray(), events.Select(e => e.TraceParent).ToArray()),
            },
        };
        if (_inbox.Count > 0) batch.BatchCommands.Add(InsertApplied());
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>SQLite: numbers the notices through the tracked streams (a concurrency token fails a save that raced another).</summary>
    private async Task StageNumberedAsync(List<Notification> pending, CancellationToken ct)
    {
        var recipients = pending.Select(n => n.RecipientAgency).Distinct().ToArray();
        var streams = await db.DeliveryStreams.Where(s => recipients.Contains(s.RecipientAgency)).ToDictionaryAsync(s => s.RecipientAgency, ct);
        foreach (var missing in recipients.Where(r => !streams.ContainsKey(r)))
            db.DeliveryStreams.Add(streams[missing] = new DeliveryStream { RecipientAgency = missing });
        var withEndpoint = (await db.WebhookEndpoints.Where(e => recipients.Contains(e.Agency)).Select(e => e.Agency).ToListAsync(ct)).ToHashSet();
        foreach (var notification in pending)
        {
            notification.Sequence = ++streams[notification.RecipientAgency].LastSequence;
            Stage(notification, withEndpoint.Contains(notification.RecipientAgency));
        }
        db.OutboxMessages.AddRange(Announcements(pending));
    }

    /// <summary>
    /// The notice, its webhook delivery when the recipient has an endpoint (queued in the same unit of work, so a notice
    /// that was stored is also pushed and one that rolled back is not); the caller announces it.
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
    }

    /// <summary>One NotificationIssued per recipient and source agency of a unit of work's notices, each listing its notices in stream order.</summary>
    private static List<OutboxMessage> Announcements(List<Notification> notices) =>
        notices.GroupBy(n => (n.RecipientAgency, n.SourceAgency)).Select(g => Issued(g.OrderBy(n => n.Sequence).ToList())).ToList();

    private static OutboxMessage Issued(List<Notification> notices) => OutboxMessage.From(new NotificationIssued
    {
        EventId = Guid.CreateVersion7(),
        OccurredAt = notices[^1].CreatedAt,
        ProducerAgency = notices[0].SourceAgency,
        RecipientAgency = notices[0].RecipientAgency,
        Notices = notices.Select(n => new IssuedNotice(n.PublicId, n.Sequence, n.Type)).ToList(),
    });
}
