using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Apis;

/// <summary>Ask to see a lead known only by its reference (from a deconfliction notice or a watchlist hit).</summary>
public sealed record AskAccessRequest(string? Reference, string? Reason);

/// <summary>Grant until <c>expiresAt</c> (at most 90 days ahead), or refuse with a <c>reason</c>.</summary>
public sealed record AccessDecisionRequest(DateTimeOffset? ExpiresAt, string? Reason);

public sealed record AccessRequestView(
    Guid Id, string LeadReference, string OwnerAgency, string RequesterAgency, string RequestedBy, string Reason, string Status,
    DateTimeOffset RequestedAt, string? DecidedBy, DateTimeOffset? DecidedAt, DateTimeOffset? ExpiresAt, string? Answer, Guid? LeadId);

/// <summary>
/// 调阅申请: an agency that holds a pointer to another agency's lead — one of its leads is linked to it, or its
/// checkpoint or outlet hit it — asks the owner for access; the owner grants (with an expiry) or refuses. A lead
/// the asker holds no pointer to is answered 404, exactly like one that does not exist. Both sides are audited.
/// </summary>
public static class AccessRequestsApi
{
    public static IEndpointRouteBuilder MapAccessRequestsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/leads/v1/access-requests").WithGroupName(LeadsApi.Group).WithTags("Requests for access")
            .RequireAuthorization(p => p.RequireRole(Roles.Analyst, Roles.Supervisor));
        api.MapPost("/", AskAsync).WithSummary("Ask the owner of a lead you hold a pointer to for access");
        api.MapGet("/", ListAsync).WithSummary("Requests for access: ?direction=incoming (to your agency's leads, the default) or outgoing");
        api.MapPost("/{id:guid}/grant", (Guid id, AccessDecisionRequest body, HttpContext http, LeadsDbContext db, DivisionCatalog d, AuditTrail a, TimeProvider t, CancellationToken ct) =>
            DecideAsync(id, true, body, http, db, d, a, t, ct)).WithSummary("Grant access until expiresAt");
        api.MapPost("/{id:guid}/refuse", (Guid id, AccessDecisionRequest body, HttpContext http, LeadsDbContext db, DivisionCatalog d, AuditTrail a, TimeProvider t, CancellationToken ct) =>
            DecideAsync(id, false, body, http, db, d, a, t, ct)).WithSummary("Refuse access, with a reason");
        return app;
    }

    private static async Task<IResult> AskAsync(AskAccessRequest request, HttpContext http, LeadsDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        var reference = request.Reference?.Trim();
        var reason = request.Reason?.Trim();
        if (string.IsNullOrEmpty(reference)) errors.Add("reference", "is required: the lead's reference, e.g. XS-522722-20261125-3F9A1C");
        else if (reference.Length > 40) errors.Add("reference", "is not a lead reference");
        if (string.IsNullOrEmpty(reason)) errors.Add("reason", "is required: why your agency needs to see the lead");
        else if (reason.Length > 1000) errors.Add("reason", "must be at most 1000 characters");
        if (!errors.IsValid) return errors.ToResult();

        var agency = http.User.Agency();
        var now = time.GetUtcNow();
        var lead = await db.Leads.FirstOrDefaultAsync(l => l.Reference == reference && l.OwnerAgency != agency, ct);
        var holdsPointer = lead is not null &&
                           (lead.Links.Any(k => k.OtherAgency == agency) ||
                            await db.HitTasks.AnyAsync(t => t.LeadId == lead.Id && t.HitAgency == agency, ct));
        if (lead is null || !holdsPointer)
        {
            audit.Record(db, http, "request_access", $"lead-reference/{reference}", outcome: "not_found");
            await db.SaveChangesAsync(ct);
            return Problems.NotFoundProblem("The lead");
        }
        if (LeadScope.IsSharedWith(lead, agency, now)) return Problems.ConflictProblem("The lead is already shared with your agency.");
        if (await db.AccessRequests.AnyAsync(r => r.LeadId == lead.Id && r.RequesterAgency == agency && r.Status == DecisionStatus.Pending, ct))
            return Problems.ConflictProblem("Your agency already has a request for this lead waiting for the owner.");

        var ask = new AccessRequest
        {
            PublicId = Guid.CreateVersion7(), LeadId = lead.Id, LeadReference = lead.Reference, OwnerAgency = lead.OwnerAgency,
            RequesterAgency = agency, RequestedBy = http.User.CallerId(), Reason = reason!, RequestedAt = now, Status = DecisionStatus.Pending,
        };
        db.AccessRequests.Add(ask);
        lead.Record(now, ask.RequestedBy, "access_requested", $"by {agency}: {reason}");
        lead.Version++;
        audit.Record(db, http, "request_access", $"lead/{lead.PublicId}");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.ConflictProblem("The lead changed at the same time; nothing was recorded, please ask again.");
        }
        return TypedResults.Created($"/api/leads/v1/access-requests?direction=outgoing", View(ask, null));
    }

    private static async Task<IResult> ListAsync(string? direction, HttpContext http, LeadsDbContext db, CancellationToken ct)
    {
        var agency = http.User.Agency();
        var outgoing = string.Equals(direction, "outgoing", StringComparison.OrdinalIgnoreCase);
        if (direction is not null && !outgoing && !string.Equals(direction, "incoming", StringComparison.OrdinalIgnoreCase))
            return new ValidationErrors().Add("direction", "must be incoming or outgoing").ToResult();
        var rows = await db.AccessRequests.AsNoTracking()
            .Where(r => outgoing ? r.RequesterAgency == agency : r.OwnerAgency == agency)
            .OrderByDescending(r => r.Id).Take(200).ToListAsync(ct);
        var leadIds = rows.Where(r => r.Status == DecisionStatus.Approved).Select(r => r.LeadId).ToList();
        var publicIds = await db.Leads.AsNoTracking().Where(l => leadIds.Contains(l.Id)).Select(l => new { l.Id, l.PublicId }).ToDictionaryAsync(l => l.Id, l => l.PublicId, ct);
        return TypedResults.Ok(rows.Select(r => View(r, publicIds.TryGetValue(r.LeadId, out var p) ? p : null)).ToList());
    }

    private static async Task<IResult> DecideAsync(Guid id, bool grant, AccessDecisionRequest body, HttpContext http, LeadsDbContext db,
        DivisionCatalog divisions, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var agency = http.User.Agency();
        var ask = await db.AccessRequests.FirstOrDefaultAsync(r => r.PublicId == id && r.OwnerAgency == agency, ct);
        if (ask is null) return Problems.NotFoundProblem("The request for access");
        var now = time.GetUtcNow();
        var errors = new ValidationErrors();
        var reason = body.Reason?.Trim();
        if (grant)
        {
            if (body.ExpiresAt is not { } expires) errors.Add("expiresAt", "is required: access is granted for a limited time");
            else if (expires <= now) errors.Add("expiresAt", "must be in the future");
            else if (expires - now > AccessRequest.MaxGrant) errors.Add("expiresAt", $"may be at most {AccessRequest.MaxGrant.TotalDays:0} days ahead");
        }
        else if (string.IsNullOrEmpty(reason)) errors.Add("reason", "is required when refusing");
        if (reason is { Length: > 1000 }) errors.Add("reason", "must be at most 1000 characters");
        if (!errors.IsValid) return errors.ToResult();
        if (ask.Status != DecisionStatus.Pending) return Problems.ConflictProblem($"The request was already {EnumText.Of(ask.Status)} by {ask.DecidedBy}.");

        var lead = await db.Leads.FirstAsync(l => l.Id == ask.LeadId, ct);
        var actor = http.User.CallerId();
        ask.Status = grant ? DecisionStatus.Approved : DecisionStatus.Refused;
        ask.DecidedBy = actor;
        ask.DecidedAt = now;
        ask.Answer = string.IsNullOrEmpty(reason) ? null : reason;
        ask.Version++;
        lead.Version++;
        if (grant)
        {
            ask.ExpiresAt = body.ExpiresAt!.Value.ToUniversalTime();
            lead.Recipients.Add(new LeadRecipient { Agency = ask.RequesterAgency, Via = RecipientVia.Grant, ExpiresAt = ask.ExpiresAt, At = now, By = actor });
            lead.Record(now, actor, "access_granted", $"to {ask.RequesterAgency} until {ask.ExpiresAt:u}");
            db.OutboxMessages.Add(OutboxMessage.From(SharingApi.Shared(lead, "grant", [ask.RequesterAgency], ask.ExpiresAt, now, divisions)));
        }
        else lead.Record(now, actor, "access_refused", $"to {ask.RequesterAgency}: {reason}");
        audit.Record(db, http, grant ? "grant_access" : "refuse_access", $"lead/{lead.PublicId}", detail: $"{ask.RequesterAgency}; request/{ask.PublicId}");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.ConflictProblem("The request or its lead was changed at the same time; reload and try again.");
        }
        return TypedResults.Ok(View(ask, grant ? lead.PublicId : null));
    }

    private static AccessRequestView View(AccessRequest r, Guid? leadId) => new(
        r.PublicId, r.LeadReference, r.OwnerAgency, r.RequesterAgency, r.RequestedBy, r.Reason, r.Status == DecisionStatus.Approved ? "granted" : EnumText.Of(r.Status),
        r.RequestedAt, r.DecidedBy, r.DecidedAt, r.ExpiresAt, r.Answer, leadId);
}
