using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Contracts.Events;
using JinDu.Leads.Correlation;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Apis;

/// <summary>
/// Share a lead: <c>level</c> internal, prefecture, partners (with <c>agencies</c>) or group (with <c>group</c> and
/// its member <c>agencies</c>); optionally a new handling code.
/// </summary>
public sealed record ShareLeadRequest(string? Level, IReadOnlyList<string>? Agencies, string? Group, string? HandlingCode, string? HandlingConditions);

public sealed record SharingRequestView(Guid Id, Guid LeadId, string Level, IReadOnlyList<string> Agencies, string? Group, string HandlingCode,
    string Status, string RequestedBy, DateTimeOffset RequestedAt, string? DecidedBy, DateTimeOffset? DecidedAt, string? Reason);

public sealed record DecisionRequest(string? Reason);

/// <summary>
/// 分享: an analyst shares a lead at prefecture level at once; partners and group need a supervisor of the owning
/// agency, who approves (or refuses) the analyst's request, or shares directly. Every change is audited and,
/// when it widens who sees the lead, announced by LeadShared.
/// </summary>
public static class SharingApi
{
    public const int MaxAgencies = 50;

    public static IEndpointRouteBuilder MapSharingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/leads/v1/leads/{id:guid}/sharing").WithGroupName(LeadsApi.Group).WithTags("Sharing")
            .RequireAuthorization(p => p.RequireRole(Roles.Analyst, Roles.Supervisor));
        api.MapPost("/", ShareAsync).WithSummary("Share at prefecture level (analysts), or at partners/group level (a supervisor, or an analyst's request for approval)");
        api.MapGet("/requests", ListAsync).WithSummary("The lead's sharing requests");
        api.MapPost("/requests/{requestId:guid}/approve", (Guid id, Guid requestId, DecisionRequest body, HttpContext http, LeadsDbContext db, DivisionCatalog d, AuditTrail a, TimeProvider t, CancellationToken ct) =>
            DecideAsync(id, requestId, true, body, http, db, d, a, t, ct)).RequireAuthorization(p => p.RequireRole(Roles.Supervisor));
        api.MapPost("/requests/{requestId:guid}/refuse", (Guid id, Guid requestId, DecisionRequest body, HttpContext http, LeadsDbContext db, DivisionCatalog d, AuditTrail a, TimeProvider t, CancellationToken ct) =>
            DecideAsync(id, requestId, false, body, http, db, d, a, t, ct)).RequireAuthorization(p => p.RequireRole(Roles.Supervisor));
        return app;
    }

    private static async Task<IResult> ShareAsync(Guid id, ShareLeadRequest request, HttpContext http, LeadsDbContext db, DivisionCatalog divisions,
        AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var agency = http.User.Agency();
        var lead = await db.Leads.FirstOrDefaultAsync(l => l.PublicId == id && l.OwnerAgency == agency, ct);
        if (lead is null) return Problems.NotFoundProblem("The lead");
        var errors = new ValidationErrors();
        var level = EnumText.Required<SharingLevel>(request.Level, "level", errors);
        var agencies = new List<string>();
        if (level is SharingLevel.Partners or SharingLevel.Group && errors.IsValid)
        {
            if (request.Agencies is not { Count: > 0 }) errors.Add("agencies", "name at least one agency (6-digit division code)");
            else if (request.Agencies.Count > MaxAgencies) errors.Add("agencies", $"at most {MaxAgencies}");
            else
                for (var i = 0; i < request.Agencies.Count; i++)
                {
                    var code = request.Agencies[i]?.Trim();
                    if (divisions.Find(code) is null) errors.Add($"agencies[{i}]", "is not an agency's division code");
                    else if (code == agency) errors.Add($"agencies[{i}]", "is your own agency");
                    else if (!agencies.Contains(code!)) agencies.Add(code!);
                }
        }
        else if (request.Agencies is { Count: > 0 }) errors.Add("agencies", "only with partners or group");
        var group = request.Group?.Trim();
        if (level == SharingLevel.Group && string.IsNullOrEmpty(group)) errors.Add("group", "is required at group level: the sharing group's name");
        else if (level != SharingLevel.Group && !string.IsNullOrEmpty(group)) errors.Add("group", "only at group level");
        else if (group is { Length: > 100 }) errors.Add("group", "must be at most 100 characters");
        var handling = lead.Handling;
        var conditions = lead.HandlingConditions;
        if (request.HandlingCode is not null || request.HandlingConditions is not null)
            handling = CreateLead.ReadHandling(request.HandlingCode ?? EnumText.Of(lead.Handling), request.HandlingConditions, errors, out conditions);
        if (!errors.IsValid) return errors.ToResult();
        if (!lead.IsActive) return Problems.ConflictProblem("A closed lead is not shared.");

        var now = time.GetUtcNow();
        var actor = http.User.CallerId();
        if (level is SharingLevel.Partners or SharingLevel.Group && !http.User.IsInRole(Roles.Supervisor))
        {
            var proposal = new SharingRequest
            {
                PublicId = Guid.CreateVersion7(), LeadId = lead.Id, OwnerAgency = agency, Level = level, Agencies = agencies, GroupName = group,
                Handling = handling, HandlingConditions = conditions, RequestedBy = actor, RequestedAt = now, Status = DecisionStatus.Pending,
            };
            db.SharingRequests.Add(proposal);
            lead.Record(now, actor, "sharing_requested", $"{EnumText.Of(level)} with {string.Join(", ", agencies)}: awaiting a supervisor");
            lead.Version++;
            audit.Record(db, http, "request_sharing", $"lead/{lead.PublicId}", detail: $"{EnumText.Of(level)}:{string.Join(",", agencies)}");
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                return Problems.ConflictProblem("The lead was changed by someone else at the same time; reload it and try again.");
            }
            return TypedResults.Accepted($"/api/leads/v1/leads/{lead.PublicId}/sharing/requests", View(proposal, lead.PublicId));
        }

        Apply(db, lead, level, agencies, group, handling, conditions, actor, now, divisions);
        audit.Record(db, http, "share", $"lead/{lead.PublicId}", detail: $"{EnumText.Of(level)}:{string.Join(",", agencies)}");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.ConflictProblem("The lead was changed by someone else at the same time; reload it and try again.");
        }
        return TypedResults.Ok(LeadView.Of(lead, divisions, withDetails: true));
    }

    private static async Task<IResult> ListAsync(Guid id, HttpContext http, LeadsDbContext db, CancellationToken ct)
    {
        var agency = http.User.Agency();
        var lead = await db.Leads.AsNoTracking().Where(l => l.PublicId == id && l.OwnerAgency == agency).Select(l => new { l.Id, l.PublicId }).FirstOrDefaultAsync(ct);
        if (lead is null) return Problems.NotFoundProblem("The lead");
        var rows = await db.SharingRequests.AsNoTracking().Where(r => r.LeadId == lead.Id).OrderByDescending(r => r.Id).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(r => View(r, lead.PublicId)).ToList());
    }

    private static async Task<IResult> DecideAsync(Guid id, Guid requestId, bool approve, DecisionRequest body, HttpContext http, LeadsDbContext db,
        DivisionCatalog divisions, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var agency = http.User.Agency();
        var lead = await db.Leads.FirstOrDefaultAsync(l => l.PublicId == id && l.OwnerAgency == agency, ct);
        var proposal = lead is null ? null : await db.SharingRequests.FirstOrDefaultAsync(r => r.PublicId == requestId && r.LeadId == lead.Id, ct);
        if (lead is null || proposal is null) return Problems.NotFoundProblem("The sharing request");
        var reason = body.Reason?.Trim();
        if (reason is { Length: > 1000 }) return new ValidationErrors().Add("reason", "must be at most 1000 characters").ToResult();
        if (proposal.Status != DecisionStatus.Pending)
            return Problems.ConflictProblem($"The request was already {EnumText.Of(proposal.Status)} by {proposal.DecidedBy}.");
        if (approve && !lead.IsActive) return Problems.ConflictProblem("A closed lead is not shared.");

        var now = time.GetUtcNow();
        var actor = http.User.CallerId();
        proposal.Status = approve ? DecisionStatus.Approved : DecisionStatus.Refused;
        proposal.DecidedBy = actor;
        proposal.DecidedAt = now;
        proposal.Reason = string.IsNullOrEmpty(reason) ? null : reason;
        if (approve) Apply(db, lead, proposal.Level, proposal.Agencies, proposal.GroupName, proposal.Handling, proposal.HandlingConditions, actor, now, divisions);
        else
        {
            lead.Record(now, actor, "sharing_refused", $"{EnumText.Of(proposal.Level)} requested by {proposal.RequestedBy}" + (reason is { Length: > 0 } ? $": {reason}" : ""));
            lead.Version++;
        }
        audit.Record(db, http, approve ? "approve_sharing" : "refuse_sharing", $"lead/{lead.PublicId}", detail: $"request/{proposal.PublicId}");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.ConflictProblem("The lead was changed by someone else at the same time; reload it and try again.");
        }
        return TypedResults.Ok(View(proposal, lead.PublicId));
    }

    /// <summary>Sets the level and the named recipients (grants stay), and announces what recipients may see.</summary>
    private static void Apply(LeadsDbContext db, Lead lead, SharingLevel level, List<string> agencies, string? group, HandlingCode handling,
        string? conditions, string actor, DateTimeOffset now, DivisionCatalog divisions)
    {
        lead.Recipients.RemoveAll(r => r.Via is RecipientVia.Partners or RecipientVia.Group);
        var via = level == SharingLevel.Group ? RecipientVia.Group : RecipientVia.Partners;
        foreach (var a in agencies) lead.Recipients.Add(new LeadRecipient { Agency = a, Via = via, At = now, By = actor });
        lead.Sharing = level;
        lead.ShareGroup = level == SharingLevel.Group ? group : null;
        lead.Handling = handling;
        lead.HandlingConditions = conditions;
        lead.Version++;
        lead.Record(now, actor, "shared", $"{EnumText.Of(level)}" + (agencies.Count > 0 ? $" with {string.Join(", ", agencies)}" : "") +
                                          (group is null ? "" : $" ({group})") + $", {EnumText.Of(handling)}");
        if (level != SharingLevel.Internal)
            db.OutboxMessages.Add(OutboxMessage.From(Shared(lead, EnumText.Of(level), agencies, null, now, divisions)));
    }

    public static LeadShared Shared(Lead lead, string level, IReadOnlyList<string> recipients, DateTimeOffset? expiresAt, DateTimeOffset now, DivisionCatalog divisions) => new()
    {
        EventId = Guid.CreateVersion7(),
        OccurredAt = now,
        ProducerAgency = lead.OwnerAgency,
        LeadId = lead.PublicId,
        Reference = lead.Reference,
        OwnerAgency = lead.OwnerAgency,
        Contact = divisions.ContactOf(lead.OwnerAgency),
        Level = level,
        Prefecture = level == "prefecture" ? DivisionCatalog.PrefectureOf(lead.OwnerAgency) : null,
        RecipientAgencies = recipients.ToList(),
        GroupName = lead.ShareGroup,
        ExpiresAt = expiresAt,
        Source = EnumText.Of(lead.Source),
        Substances = lead.Substances.ToList(),
        Severity = lead.Severity,
        HandlingCode = EnumText.Of(lead.Handling),
        HandlingConditions = lead.HandlingConditions,
        SubjectKinds = lead.Subjects.Select(s => EnumText.Of(s.Kind)).Distinct().ToList(),
    };

    private static SharingRequestView View(SharingRequest r, Guid leadId) => new(
        r.PublicId, leadId, EnumText.Of(r.Level), r.Agencies, r.GroupName, EnumText.Of(r.Handling), EnumText.Of(r.Status),
        r.RequestedBy, r.RequestedAt, r.DecidedBy, r.DecidedAt, r.Reason);
}
