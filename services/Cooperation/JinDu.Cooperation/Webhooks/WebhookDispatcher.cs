using System.Collections.Concurrent;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace JinDu.Cooperation.Webhooks;

/// <summary>
/// Pushes due webhook deliveries. Each subscriber is drained by its own task, in sequence order with at most
/// <see cref="WebhookOptions.RequestsPerSubscriber"/> requests in flight; at most <see cref="WebhookOptions.MaxConcurrency"/> subscribers are served at once, and every request has
/// a time-out, so a slow or dead subscriber holds one slot at most and never delays the others. When a subscriber
/// fails, it rests until its earliest retry is due instead of being tried with every other waiting message.
/// The loop waits on real time (new deliveries wake it at once); what is due is decided by <see cref="CooperationClock"/>.
/// </summary>
public sealed class WebhookDispatcher(
    IServiceScopeFactory scopes,
    WebhookSender sender,
    CooperationClock clock,
    WebhookSignal signal,
    IOptionsMonitor<WebhookOptions> options,
    ILogger<WebhookDispatcher> log) : BackgroundService
{
    private const int BatchSize = 50;
    private readonly ConcurrentDictionary<string, Task> _draining = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _restingUntil = new();
    private readonly ConcurrentDictionary<string, bool> _again = new();
    private SemaphoreSlim? _slots;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _slots = new SemaphoreSlim(Math.Max(1, options.CurrentValue.MaxConcurrency));
        // Real time since the database was last asked who has something due: asked at least once a poll interval
        // however many named wakes come in between, so a retry that came due for a subscriber nobody writes to now is
        // never starved by the wakes for busier ones.
        var sinceLook = System.Diagnostics.Stopwatch.StartNew();
        var lookNow = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            var poll = options.CurrentValue.PollInterval;
            try
            {
                var (named, anyone) = signal.Take();
                if (anyone || sinceLook.Elapsed >= poll) lookNow = true;
                if (lookNow) sinceLook.Restart();
                foreach (var agency in lookNow ? await DueSubscribersAsync(stoppingToken) : named)
                {
                    if (_restingUntil.TryGetValue(agency, out var until) && until > clock.Now) continue;
                    _restingUntil.TryRemove(agency, out _);
                    if (_draining.TryGetValue(agency, out var running) && !running.IsCompleted)
                    {
                        _again[agency] = true; // it looks once more before it stops
                        continue;
                    }
                    _draining[agency] = Task.Run(() => DrainAsync(agency, stoppingToken), CancellationToken.None)
                        .ContinueWith(_ => _draining.TryRemove(agency, out var _), TaskScheduler.Default);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning(ex, "Webhooks: looking for due deliveries failed");
            }
            // Woken: the wake says for whom (or that anyone may be due). Not woken before the poll interval is up:
            // retries that came due, and deliveries another instance wrote, are looked for in the database.
            var left = poll - sinceLook.Elapsed;
            try { lookNow = !await signal.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>A replay or a new endpoint: whatever rest a subscriber was given ends now.</summary>
    public void Wake(string agency)
    {
        _restingUntil.TryRemove(agency, out _);
        signal.Notify();
    }

    private async Task<List<string>> DueSubscribersAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CooperationDbContext>();
        var now = clock.Now;
        return await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now && (d.LeasedUntil == null || d.LeasedUntil <= now))
            .Select(d => d.Agency).Distinct().ToListAsync(ct);
    }

    private async Task DrainAsync(string agency, CancellationToken ct)
    {
        await _slots!.WaitAsync(ct);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                _again.TryRemove(agency, out _);
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<CooperationDbContext>();
                var secrets = scope.ServiceProvider.GetRequiredService<EndpointSecrets>();
                var now = clock.Now;
                var (endpoint, batch, notifications, lease) = db.Database.IsNpgsql() ? await TakeDueOnPostgresAsync(db, agency, now, ct) : await TakeDueAsync(db, agency, now, ct);
                if (endpoint is null) return;
                if (batch.Count == 0)
                {
                    if (_again.ContainsKey(agency)) continue; // woken for it while this was looking
                    return;
                }
                var keys = secrets.Active(endpoint, now).Select(s => s.Value).ToList();
                var results = new AttemptResult?[batch.Count];
                var resting = 0;
                // In sequence order, a few requests in flight at once (one at a time could not keep up with a county
                // receiving hundreds of notices a second); once the receiver asks for a retry, the rest are not sent.
                await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count),
                    new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.CurrentValue.RequestsPerSubscriber), CancellationToken = ct },
                    async (i, token) =>
                    {
                        if (Volatile.Read(ref resting) != 0) return;
                        var result = await sender.SendAsync(endpoint.Url, keys, notifications[batch[i].NotificationId], token);
                        results[i] = result;
                        if (result.Verdict == AttemptVerdict.Retry) Interlocked.Exchange(ref resting, 1);
                    });
                DateTimeOffset? restUntil = null;
                var attempts = new List<WebhookAttempt>(batch.Count);
                for (var i = 0; i < batch.Count; i++)
                {
                    var delivery = batch[i];
                    if (results[i] is not { } result) continue;
                    var (outcome, attempt) = Record(delivery, result);
                    attempts.Add(attempt);
                    if (outcome != "delivered")
                        log.LogWarning("Webhook to {Agency} #{Sequence} ({MessageId}): {Outcome}, {Error}", agency, delivery.Sequence, delivery.MessageId, outcome, result.Error);
                    if (result.Verdict == AttemptVerdict.Retry)
                    {
                        var next = delivery.Status == DeliveryStatus.Pending ? delivery.NextAttemptAt : clock.Now;
                        restUntil = restUntil is { } r && r < next ? r : next;
                    }
                }
                // What was claimed but not sent is due again with the retry, not when its claim would have run out.
                for (var i = 0; i < batch.Count; i++)
                    if (results[i] is null)
                    {
                        batch[i].NextAttemptAt = restUntil ?? clock.Now;
                        batch[i].LeasedUntil = null;
                    }
                // One save for the batch: a crash before it sends these again under the same ids (at least once).
                await SaveOutcomesAsync(db, batch, attempts, lease, ct);
                if (restUntil is { } until)
                {
                    // The receiver is away or overloaded: let it rest until its earliest retry, rather than
                    // hitting it with every other waiting message now.
                    _restingUntil[agency] = until;
                    return;
                }
                if (batch.Count < BatchSize && !_again.ContainsKey(agency)) return;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception ex)
        {
            log.LogError(ex, "Webhooks: delivering to {Agency} failed", agency);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>A new lease: past the attempt's time-out, with a random tick count (see <see cref="TakeDueAsync"/>).</summary>
    private DateTimeOffset NewLease() =>
        clock.Now + options.CurrentValue.RequestTimeout + TimeSpan.FromSeconds(30) + TimeSpan.FromTicks(Random.Shared.Next(1, 10_000));

    /// <summary>
    /// Takes the subscriber's next due deliveries (in sequence order, at most <see cref="BatchSize"/>) for one attempt
    /// each, with a lease that runs past the attempt's time-out, only those still due and not leased by anyone else:
    /// another instance's dispatcher skips them, and a crash mid-attempt only delays the retry. The lease carries a
    /// random tick count so that what this dispatcher took is recognised by it even if another instance leased some of
    /// the same rows at the same instant. Returns them with their notifications.
    /// </summary>
    private async Task<(WebhookEndpoint? Endpoint, List<WebhookDelivery> Batch, Dictionary<long, Notification> Notifications, DateTimeOffset Lease)> TakeDueAsync(
        CooperationDbContext db, string agency, DateTimeOffset now, CancellationToken ct)
    {
        var lease = NewLease();
        var endpoint = await db.WebhookEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.Agency == agency, ct);
        if (endpoint is null) return (null, [], [], lease);
        var due = await db.WebhookDeliveries
            .Where(d => d.Agency == agency && d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now && (d.LeasedUntil == null || d.LeasedUntil <= now))
            .OrderBy(d => d.Sequence).Take(BatchSize).ToListAsync(ct);
        if (due.Count == 0) return (endpoint, [], [], lease);
        var ids = due.Select(d => d.Id).ToList();
        var count = await db.WebhookDeliveries
            .Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now && (d.LeasedUntil == null || d.LeasedUntil <= now))
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.LeasedUntil, lease), ct);
        var claimed = count == ids.Count ? ids.ToHashSet()
            : (await db.WebhookDeliveries.AsNoTracking().Where(d => ids.Contains(d.Id) && d.LeasedUntil == lease).Select(d => d.Id).ToListAsync(ct)).ToHashSet();
        var batch = due.Where(d => claimed.Contains(d.Id)).ToList();
        var notificationIds = batch.Select(d => d.NotificationId).ToList();
        var notifications = await db.Notifications.AsNoTracking().Where(n => notificationIds.Contains(n.Id)).ToDictionaryAsync(n => n.Id, ct);
        return (endpoint, batch, notifications, lease);
    }

    // 'Pending' is written out, not a parameter: the partial indexes are only used for that literal. The RETURNING
    // columns are read by position in TakeDueOnPostgresAsync.
    private const string TakeSql = """
        WITH due AS (
            SELECT "Id" FROM webhook_deliveries
            WHERE "Agency" = $1 AND "Status" = 'Pending' AND "NextAttemptAt" <= $2 AND ("LeasedUntil" IS NULL OR "LeasedUntil" <= $2)
              AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e."Agency" = $1)
            ORDER BY "Sequence" LIMIT $4
            FOR UPDATE SKIP LOCKED)
        UPDATE webhook_deliveries d SET "LeasedUntil" = $3
        FROM due, notifications n
        WHERE d."Id" = due."Id" AND n."Id" = d."NotificationId"
        RETURNING d."Id", d."PublicId", d."NotificationId", d."MessageId", d."Sequence", d."Type", d."Attempts", d."WindowStartedAt",
                  d."NextAttemptAt", d."DeliveredAt", d."LastStatusCode", d."LastError", d."CreatedAt",
                  n."PublicId", n."RecipientAgency", n."Sequence", n."Type", n."Title", n."Payload", n."SourceEventId", n."SourceAgency", n."CreatedAt"
        """;

    /// <summary>
    /// <see cref="TakeDueAsync"/> on PostgreSQL in one round trip: the endpoint, and in one statement the due rows
    /// picked through the pending-sequence index and locked (skipping rows another claim or a replay holds at this
    /// instant), leased, and returned with their notifications; nothing is taken when the endpoint is gone. The
    /// dispatcher of a county receiving hundreds of notices a second spent about as long in the four round trips this
    /// replaces (endpoint, pick, lease, notifications) as in sending the batch, and a notice committed meanwhile waited
    /// for both.
    /// </summary>
    private async Task<(WebhookEndpoint? Endpoint, List<WebhookDelivery> Batch, Dictionary<long, Notification> Notifications, DateTimeOffset Lease)> TakeDueOnPostgresAsync(
        CooperationDbContext db, string agency, DateTimeOffset now, CancellationToken ct)
    {
        var lease = NewLease();
        WebhookEndpoint? endpoint = null;
        var batch = new List<WebhookDelivery>(BatchSize);
        var notifications = new Dictionary<long, Notification>(BatchSize);
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var take = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection())
            {
                BatchCommands =
                {
                    PgBatch.Command("""
                        SELECT "Id", "Url", "SecretsProtected", "CreatedAt", "UpdatedAt" FROM webhook_endpoints WHERE "Agency" = $1
                        """, agency),
                    PgBatch.Command(TakeSql, agency, now, lease, BatchSize),
                },
            };
            await using var reader = await take.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
                endpoint = new WebhookEndpoint
                {
                    Id = reader.GetInt64(0), Agency = agency, Url = reader.GetString(1), SecretsProtected = reader.GetString(2),
                    CreatedAt = reader.GetFieldValue<DateTimeOffset>(3), UpdatedAt = reader.GetFieldValue<DateTimeOffset>(4),
                };
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var delivery = new WebhookDelivery
                {
                    Id = reader.GetInt64(0), PublicId = reader.GetGuid(1), Agency = agency, NotificationId = reader.GetInt64(2),
                    MessageId = reader.GetGuid(3), Sequence = reader.GetInt64(4), Type = reader.GetString(5), Status = DeliveryStatus.Pending,
                    Attempts = reader.GetInt32(6), WindowStartedAt = reader.GetFieldValue<DateTimeOffset>(7), NextAttemptAt = reader.GetFieldValue<DateTimeOffset>(8),
                    LeasedUntil = lease,
                    DeliveredAt = reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                    LastStatusCode = reader.IsDBNull(10) ? null : reader.GetInt32(10),
                    LastError = reader.IsDBNull(11) ? null : reader.GetString(11),
                    CreatedAt = reader.GetFieldValue<DateTimeOffset>(12),
                };
                batch.Add(delivery);
                notifications[delivery.NotificationId] = new Notification
                {
                    Id = delivery.NotificationId, PublicId = reader.GetGuid(13), RecipientAgency = reader.GetString(14), Sequence = reader.GetInt64(15),
                    Type = reader.GetString(16), Title = reader.GetString(17), Payload = reader.GetString(18), SourceEventId = reader.GetGuid(19),
                    SourceAgency = reader.GetString(20), CreatedAt = reader.GetFieldValue<DateTimeOffset>(21),
                };
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        // RETURNING keeps no order: sent in sequence order, as the pick was made.
        batch.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        return (endpoint, batch, notifications, lease);
    }

    /// <summary>A delivery's new state after an attempt, and the attempt's line in the delivery log.</summary>
    private (string Outcome, WebhookAttempt Attempt) Record(WebhookDelivery delivery, AttemptResult result)
    {
        var now = clock.Now;
        delivery.LeasedUntil = null;
        delivery.Attempts++;
        delivery.LastStatusCode = result.StatusCode;
        delivery.LastError = result.Error;
        string outcome;
        switch (result.Verdict)
        {
            case AttemptVerdict.Delivered:
                delivery.Status = DeliveryStatus.Delivered;
                delivery.DeliveredAt = now;
                outcome = "delivered";
                break;
            case AttemptVerdict.Retry when RetryPolicy.Next(now, delivery.WindowStartedAt, delivery.Attempts, options.CurrentValue, result.RetryAfter) is { } next:
                delivery.NextAttemptAt = next;
                outcome = "retry";
                break;
            case AttemptVerdict.Retry:
                delivery.Status = DeliveryStatus.Dead;
                outcome = "dead";
                break;
            default:
                delivery.Status = DeliveryStatus.Dead;
                outcome = "failed";
                break;
        }
        return (outcome, new WebhookAttempt
        {
            Agency = delivery.Agency, DeliveryId = delivery.Id, MessageId = delivery.MessageId, Sequence = delivery.Sequence,
            Attempt = delivery.Attempts, AttemptedAt = now, StatusCode = result.StatusCode, LatencyMs = result.LatencyMs,
            Outcome = outcome, Error = result.Error,
        });
    }

    /// <summary>
    /// Saves a batch's deliveries (as <see cref="Record"/> left them) and its attempts. A delivery's outcome is written
    /// only while it still holds this batch's <paramref name="lease"/>: a replay that queued it again while the attempt
    /// was in flight (it clears the lease) wins, and the message is sent once more, instead of the attempt's "dead"
    /// or back-off quietly undoing the replay; so does another instance that took it after the lease ran out. The
    /// attempt itself is logged, and counted, either way. On PostgreSQL that is three set-based statements in one
    /// round trip instead of two a delivery (a subscriber receiving hundreds of notices a second made those a large
    /// share of the database's work); elsewhere (SQLite, standalone) one conditional update a delivery, in one
    /// transaction.
    /// </summary>
    private static async Task SaveOutcomesAsync(CooperationDbContext db, List<WebhookDelivery> batch, List<WebhookAttempt> attempts,
        DateTimeOffset lease, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql())
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var sent = attempts.Select(a => a.DeliveryId).ToHashSet();
            foreach (var d in batch)
            {
                var written = await db.WebhookDeliveries.Where(x => x.Id == d.Id && x.LeasedUntil == lease).ExecuteUpdateAsync(u => u
                    .SetProperty(x => x.Status, d.Status).SetProperty(x => x.Attempts, d.Attempts).SetProperty(x => x.DeliveredAt, d.DeliveredAt)
                    .SetProperty(x => x.NextAttemptAt, d.NextAttemptAt).SetProperty(x => x.LeasedUntil, (DateTimeOffset?)null)
                    .SetProperty(x => x.LastStatusCode, d.LastStatusCode).SetProperty(x => x.LastError, d.LastError), ct);
                if (written == 0 && sent.Contains(d.Id))
                    await db.WebhookDeliveries.Where(x => x.Id == d.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.Attempts, x => x.Attempts + 1), ct);
            }
            db.WebhookAttempts.AddRange(attempts);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
            return;
        }
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var save = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    // An attempt whose outcome lost to a replay (or to another instance after the lease ran out) still counts
                    // (first: the update below clears the lease of the rows still ours).
                    PgBatch.Command("""
                        UPDATE webhook_deliveries d SET "Attempts" = d."Attempts" + 1
                        WHERE d."Id" = ANY($1) AND d."LeasedUntil" IS DISTINCT FROM $2
                        """, attempts.Select(a => a.DeliveryId).ToArray(), lease),
                    PgBatch.Command("""
                        UPDATE webhook_deliveries d
                        SET "Status" = v.status, "Attempts" = v.attempts, "DeliveredAt" = v.delivered, "NextAttemptAt" = v.next,
                            "LeasedUntil" = NULL, "LastStatusCode" = v.code, "LastError" = v.error
                        FROM unnest($1::bigint[], $2::text[], $3::int[], $4::timestamptz[], $5::timestamptz[], $6::int[], $7::text[])
                             AS v(id, status, attempts, delivered, next, code, error)
                        WHERE d."Id" = v.id AND d."LeasedUntil" = $8
                        """,
                        batch.Select(d => d.Id).ToArray(), batch.Select(d => d.Status.ToString()).ToArray(), batch.Select(d => d.Attempts).ToArray(),
                        batch.Select(d => d.DeliveredAt).ToArray(), batch.Select(d => d.NextAttemptAt).ToArray(),
                        batch.Select(d => d.LastStatusCode).ToArray(), batch.Select(d => d.LastError).ToArray(), lease),
                    PgBatch.Command("""
                        INSERT INTO webhook_attempts ("Agency", "DeliveryId", "MessageId", "Sequence", "Attempt", "AttemptedAt", "StatusCode", "LatencyMs", "Outcome", "Error")
                        SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::bigint[], $5::int[], $6::timestamptz[], $7::int[], $8::int[], $9::text[], $10::text[])
                        """,
                        attempts.Select(a => a.Agency).ToArray(), attempts.Select(a => a.DeliveryId).ToArray(), attempts.Select(a => a.MessageId).ToArray(),
                        attempts.Select(a => a.Sequence).ToArray(), attempts.Select(a => a.Attempt).ToArray(), attempts.Select(a => a.AttemptedAt).ToArray(),
                        attempts.Select(a => a.StatusCode).ToArray(), attempts.Select(a => a.LatencyMs).ToArray(), attempts.Select(a => a.Outcome).ToArray(),
                        attempts.Select(a => a.Error).ToArray()),
                },
            };
            await save.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        db.ChangeTracker.Clear();
    }
}
