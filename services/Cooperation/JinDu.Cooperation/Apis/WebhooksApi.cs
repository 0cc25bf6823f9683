using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Hosting;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using JinDu.Cooperation.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace JinDu.Cooperation.Apis;

public sealed record SecretView(string Id, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, bool Active);

public sealed record WebhookView(string Agency, string Url, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<SecretView> Secrets,
    string? NewSecret = null);

public sealed record PutWebhookRequest(string? Url);

public sealed record RotateSecretRequest(double? OverlapHours);

public sealed record ReplayRequest(long? From);

public sealed record ReplayAnswer(long From, int Queued);

public sealed record DeliveryView(Guid Id, string Agency, long Sequence, Guid MessageId, string Type, string Status, int Attempts,
    int? LastStatusCode, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt);

public sealed record AttemptView(long Sequence, Guid MessageId, int Attempt, DateTimeOffset AttemptedAt, int? StatusCode, int LatencyMs,
    string Outcome, string? Error);

/// <summary>
/// Where the webhook stands: the stream's last sequence, everything up to <c>DeliveredThrough</c> arrived, and the
/// sequences still missing on this channel (pending or dead-lettered) — the gaps a receiver can ask to replay.
/// </summary>
public sealed record PositionView(long LastSequence, long DeliveredThrough, long LastDelivered, int Pending, int Dead, IReadOnlyList<long> Gaps);

/// <summary>
/// A liaison's webhook for their agency (Standard Webhooks signing, CloudEvents JSON), its delivery log, position,
/// dead letters and replays; the platform admin sees and replays every agency's dead letters.
/// </summary>
public static class WebhooksApi
{
    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/cooperation/v1/webhook").WithGroupName(InboxApi.Group).WithTags("Webhook")
            .RequireAuthorization(p => p.RequireRole(Roles.Liaison));

        api.MapGet("/", async Task<IResult> (HttpContext http, CooperationDbContext db, EndpointSecrets secrets, CooperationClock clock, CancellationToken ct) =>
            await db.WebhookEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.Agency == http.User.Agency(), ct) is { } e
                ? TypedResults.Ok(ToView(e, secrets, clock.Now)) : Problems.NotFoundProblem("The webhook"));

        api.MapPut("/", PutAsync).WithSummary("Registers (201, with the first secret, shown once) or re-targets (200) the agency's webhook.");

        api.MapDelete("/", async Task<IResult> (HttpContext http, CooperationDbContext db, AuditTrail audit, CancellationToken ct) =>
        {
            if (await LiaisonCheck.RefuseAsync(db, http, ct) is { } refusal) return refusal;
            var agency = http.User.Agency();
            var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.Agency == agency, ct);
            if (endpoint is null) return Problems.NotFoundProblem("The webhook");
            db.WebhookEndpoints.Remove(endpoint);
            // Messages still waiting are dropped in the same commit; the inbox keeps every notice.
            db.WebhookDeliveries.RemoveRange(await db.WebhookDeliveries.Where(d => d.Agency == agency && d.Status == DeliveryStatus.Pending).ToListAsync(ct));
            audit.Record(db, http, "delete", $"webhook/{agency}");
            await db.SaveChangesAsync(ct);
            return TypedResults.NoContent();
        });

        api.MapPost("/secrets", async Task<IResult> (RotateSecretRequest? r, HttpContext http, CooperationDbContext db, EndpointSecrets secrets,
            CooperationClock clock, IOptionsMonitor<WebhookOptions> options, AuditTrail audit, CancellationToken ct) =>
        {
            if (await LiaisonCheck.RefuseAsync(db, http, ct) is { } refusal) return refusal;
            if (r?.OverlapHours is { } h && h is < 0 or > 168) return new ValidationErrors().Add("overlapHours", "must be between 0 and 168").ToResult();
            var agency = http.User.Agency();
            var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.Agency == agency, ct);
            if (endpoint is null) return Problems.NotFoundProblem("The webhook");
            var now = clock.Now;
            var overlap = r?.OverlapHours is { } hours ? TimeSpan.FromHours(hours) : options.CurrentValue.SecretOverlap;
            // The newest active secret stays valid for the overlap; anything older stops now: never more than two.
            var kept = secrets.Active(endpoint, now).Take(1).Select(s => s with { ExpiresAt = s.ExpiresAt is { } x && x < now + overlap ? x : now + overlap });
            var fresh = new WebhookSecret("sec_" + Guid.CreateVersion7().ToString("N")[..12], WebhookSigner.NewSecret(), now, null);
            secrets.Store(endpoint, kept.Prepend(fresh));
            endpoint.UpdatedAt = now;
            audit.Record(db, http, "rotate_secret", $"webhook/{agency}", detail: fresh.Id);
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(ToView(endpoint, secrets, now) with { NewSecret = fresh.Value });
        }).WithSummary("Adds a new signing secret (shown once); the previous one keeps signing for the overlap (default 24 h).");

        api.MapGet("/position", async Task<IResult> (HttpContext http, CooperationDbContext db, CancellationToken ct) =>
        {
            var agency = http.User.Agency();
            var last = await db.DeliveryStreams.AsNoTracking().Where(s => s.RecipientAgency == agency).Select(s => s.LastSequence).FirstOrDefaultAsync(ct);
            var open = await db.WebhookDeliveries.AsNoTracking()
                .Where(d => d.Agency == agency && d.Status != DeliveryStatus.Delivered)
                .OrderBy(d => d.Sequence).Select(d => new { d.Sequence, d.Status }).Take(1000).ToListAsync(ct);
            var lastDelivered = await db.WebhookDeliveries.AsNoTracking().Where(d => d.Agency == agency && d.Status == DeliveryStatus.Delivered)
                .MaxAsync(d => (long?)d.Sequence, ct) ?? 0;
            var through = open.Count > 0 ? Math.Min(open[0].Sequence - 1, lastDelivered) : lastDelivered;
            return TypedResults.Ok(new PositionView(last, through, lastDelivered,
                open.Count(o => o.Status == DeliveryStatus.Pending), open.Count(o => o.Status == DeliveryStatus.Dead),
                open.Where(o => o.Sequence < lastDelivered).Select(o => o.Sequence).ToList()));
        }).WithSummary("The webhook's position in the agency's stream and the gaps below the last delivered sequence.");

        api.MapPost("/replay", async Task<IResult> (ReplayRequest r, HttpContext http, CooperationDbContext db, CooperationClock clock,
            WebhookDispatcher dispatcher, AuditTrail audit, CancellationToken ct) =>
        {
            if (await LiaisonCheck.RefuseAsync(db, http, ct) is { } refusal) return refusal;
            if (r.From is not >= 0) return new ValidationErrors().Add("from", "is required: the sequence after which to send everything again (0 for all)").ToResult();
            var agency = http.User.Agency();
            if (!await db.WebhookEndpoints.AnyAsync(e => e.Agency == agency, ct)) return Problems.NotFoundProblem("The webhook");
            var now = clock.Now;
            var notifications = await db.Notifications.Where(n => n.RecipientAgency == agency && n.Sequence > r.From).OrderBy(n => n.Sequence).Take(10_000).ToListAsync(ct);
            var ids = notifications.Select(n => n.Id).ToList();
            var existing = await db.WebhookDeliveries.Where(d => d.Agency == agency && ids.Contains(d.NotificationId)).ToDictionaryAsync(d => d.NotificationId, ct);
            foreach (var n in notifications)
            {
                if (existing.TryGetValue(n.Id, out var d))
                {
                    WebhookDeliveries.Requeue(d, now);
                    // Cleared even if it read as clear: a dispatcher that took the delivery since then loses it, so its
                    // attempt's outcome cannot undo this replay (see WebhookDispatcher.SaveOutcomesAsync).
                    db.Entry(d).Property(x => x.LeasedUntil).IsModified = true;
                }
                else db.WebhookDeliveries.Add(WebhookDeliveries.For(n, now));
            }
            audit.Record(db, http, "replay", $"webhook/{agency}", detail: $"from={r.From} count={notifications.Count}");
            await db.SaveChangesAsync(ct);
            dispatcher.Wake(agency);
            return TypedResults.Accepted((string?)null, new ReplayAnswer(r.From.Value, notifications.Count));
        }).WithSummary("Sends every notification after sequence `from` again, under its original webhook-id.");

        api.MapGet("/deliveries", async Task<IResult> (string? status, string? cursor, int? limit, HttpContext http, CooperationDbContext db, CancellationToken ct) =>
            await ListDeliveriesAsync(db, http.User.Agency(), status, cursor, limit, ct)).WithSummary("Deliveries by status (pending, delivered, dead: the dead letters).");

        api.MapGet("/attempts", async Task<IResult> (string? cursor, int? limit, HttpContext http, CooperationDbContext db, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            if (!Cursor.TryRead(cursor, limit, errors, out var position, out var take)) return errors.ToResult();
            var agency = http.User.Agency();
            var after = long.TryParse(position, out var p) ? p : 0;
            var rows = await db.WebhookAttempts.AsNoTracking().Where(a => a.Agency == agency && a.Id > after).OrderBy(a => a.Id).Take(take + 1).ToListAsync(ct);
            var next = rows.Count > take ? Cursor.Encode(rows[take - 1].Id.ToString()) : null;
            return TypedResults.Ok(new Page<AttemptView>(rows.Take(take).Select(a =>
                new AttemptView(a.Sequence, a.MessageId, a.Attempt, a.AttemptedAt, a.StatusCode, a.LatencyMs, a.Outcome, a.Error)).ToList(), next));
        }).WithSummary("The delivery log: every attempt with its status code and latency.");

        api.MapPost("/deliveries/{id:guid}/replay", async Task<IResult> (Guid id, HttpContext http, CooperationDbContext db, CooperationClock clock,
            WebhookDispatcher dispatcher, AuditTrail audit, CancellationToken ct) =>
        {
            if (await LiaisonCheck.RefuseAsync(db, http, ct) is { } refusal) return refusal;
            return await ReplayOneAsync(db, http, id, http.User.Agency(), clock, dispatcher, audit, ct);
        });

        var admin = app.MapGroup("/api/cooperation/v1/webhooks").WithGroupName(InboxApi.Group).WithTags("Webhook")
            .RequireAuthorization(p => p.RequireRole(Roles.PlatformAdmin));
        admin.MapGet("/dead-letters", async Task<IResult> (string? agency, string? cursor, int? limit, CooperationDbContext db, CancellationToken ct) =>
            await ListDeliveriesAsync(db, agency, "dead", cursor, limit, ct)).WithSummary("Every agency's dead letters (or one agency's): metadata only, no contents.");
        admin.MapPost("/deliveries/{id:guid}/replay", async Task<IResult> (Guid id, HttpContext http, CooperationDbContext db, CooperationClock clock,
            WebhookDispatcher dispatcher, AuditTrail audit, CancellationToken ct) => await ReplayOneAsync(db, http, id, null, clock, dispatcher, audit, ct));
        return app;
    }

    private static async Task<IResult> PutAsync(PutWebhookRequest r, HttpContext http, CooperationDbContext db, WebhookTargetGuard guard,
        EndpointSecrets secrets, CooperationClock clock, WebhookDispatcher dispatcher, AuditTrail audit, CancellationToken ct)
    {
        if (await LiaisonCheck.RefuseAsync(db, http, ct) is { } refusal) return refusal;
        if (await guard.ProblemWithAsync(r.Url, ct) is { } problem)
        {
            audit.Record(db, http, "register_webhook", $"webhook/{http.User.Agency()}", outcome: "refused", detail: problem);
            await db.SaveChangesAsync(ct);
            return new ValidationErrors().Add("url", problem).ToResult();
        }
        var agency = http.User.Agency();
        var now = clock.Now;
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.Agency == agency, ct);
        string? fresh = null;
        if (endpoint is null)
        {
            endpoint = new WebhookEndpoint { Agency = agency, CreatedAt = now };
            fresh = WebhookSigner.NewSecret();
            secrets.Store(endpoint, [new WebhookSecret("sec_" + Guid.CreateVersion7().ToString("N")[..12], fresh, now, null)]);
            db.WebhookEndpoints.Add(endpoint);
        }
        endpoint.Url = r.Url!.Trim();
        endpoint.UpdatedAt = now;
        audit.Record(db, http, fresh is null ? "update" : "create", $"webhook/{agency}", detail: new Uri(endpoint.Url).Host);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (JinDu.BuildingBlocks.Data.DbExceptions.IsUniqueViolation(ex))
        {
            return Problems.ConflictProblem("The webhook was registered by someone else at the same moment; read it and try again.");
        }
        dispatcher.Wake(agency);
        var view = ToView(endpoint, secrets, now) with { NewSecret = fresh };
        return fresh is null ? TypedResults.Ok(view) : TypedResults.Created("/api/cooperation/v1/webhook", view);
    }

    private static async Task<IResult> ListDeliveriesAsync(CooperationDbContext db, string? agency, string? status, string? cursor, int? limit, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        DeliveryStatus? wanted = null;
        if (status is not null) wanted = EnumText.Required<DeliveryStatus>(status, "status", errors);
        if (!Cursor.TryRead(cursor, limit, errors, out var position, out var take)) return errors.ToResult();
        if (!errors.IsValid) return errors.ToResult();
        var after = long.TryParse(position, out var p) ? p : 0;
        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.Id > after);
        if (agency is not null) query = query.Where(d => d.Agency == agency);
        if (wanted is { } w) query = query.Where(d => d.Status == w);
        var rows = await query.OrderBy(d => d.Id).Take(take + 1).ToListAsync(ct);
        var next = rows.Count > take ? Cursor.Encode(rows[take - 1].Id.ToString()) : null;
        return TypedResults.Ok(new Page<DeliveryView>(rows.Take(take).Select(ToView).ToList(), next));
    }

    private static async Task<IResult> ReplayOneAsync(CooperationDbContext db, HttpContext http, Guid id, string? agency, CooperationClock clock,
        WebhookDispatcher dispatcher, AuditTrail audit, CancellationToken ct)
    {
        var delivery = await db.WebhookDeliveries.FirstOrDefaultAsync(d => d.PublicId == id && (agency == null || d.Agency == agency), ct);
        if (delivery is null) return Problems.NotFoundProblem("The delivery");
        if (delivery.Status == DeliveryStatus.Pending) return Problems.ConflictProblem("The delivery is still being retried; only a dead or delivered message is replayed.");
        if (!await db.WebhookEndpoints.AnyAsync(e => e.Agency == delivery.Agency, ct))
            return Problems.ConflictProblem($"Agency {delivery.Agency} has no webhook any more; register one first.");
        WebhookDeliveries.Requeue(delivery, clock.Now);
        audit.Record(db, http, "replay", $"webhook-delivery/{id}", detail: $"{delivery.Agency}#{delivery.Sequence}");
        await db.SaveChangesAsync(ct);
        dispatcher.Wake(delivery.Agency);
        return TypedResults.Accepted((string?)null, ToView(delivery));
    }

    private static WebhookView ToView(WebhookEndpoint e, EndpointSecrets secrets, DateTimeOffset now)
    {
        var active = secrets.Active(e, now).Select(s => s.Id).ToHashSet();
        return new(e.Agency, e.Url, e.CreatedAt, e.UpdatedAt, secrets.All(e).Select(s => new SecretView(s.Id, s.CreatedAt, s.ExpiresAt, active.Contains(s.Id))).ToList());
    }

    private static DeliveryView ToView(WebhookDelivery d) =>
        new(d.PublicId, d.Agency, d.Sequence, d.MessageId, d.Type, EnumText.Of(d.Status), d.Attempts, d.LastStatusCode, d.LastError, d.CreatedAt,
            d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.DeliveredAt);
}
