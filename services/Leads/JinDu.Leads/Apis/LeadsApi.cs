using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Apis;

public static class LeadsApi
{
    public const string Group = "leads";

    public static IEndpointRouteBuilder MapLeadsEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/leads/v1/leads").WithGroupName(Group).WithTags("Leads")
            .RequireAuthorization(p => p.RequireRole(Roles.Analyst, Roles.Supervisor));

        api.MapGet("/", LeadSearch.HandleAsync)
            .WithSummary("Search the agency's leads, newest first")
            .WithDescription("Filters: status, source, substance, severity, minSeverity, from/to (createdAt, ISO 8601, to exclusive), assignee, " +
                             "sourceId, scope (own, the default, or shared: other agencies' leads shared with yours), and one identifier each of idNumber, plate, phone, waybill, address — typed in plain, matched by its " +
                             "keyed token. Cursor paging (?cursor=…&limit=…). Subjects are always masked.");
        api.MapPost("/", CreateLead.HandleAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.Analyst))
            .WithSummary("Record a lead (source analyst); accepts an Idempotency-Key");
        api.MapGet("/{id:guid}", GetLeadAsync)
            .WithSummary("One lead with its timeline and linked leads; ?reveal=true (supervisors) adds the identifiers in full, audited");
        api.MapPost("/{id:guid}/status", ChangeStatus.HandleAsync)
            .WithSummary("Move a lead on: new → triaged → assigned → investigating → case_opened, or closed; anything else is 409");
        app.MapSharingApi();
        app.MapTipsApi();
        app.MapAccessRequestsApi();
        app.MapLeadFigures();
        app.MapHitTasksApi();
        return app;
    }

    private static async Task<IResult> GetLeadAsync(Guid id, bool? reveal, HttpContext http, LeadsDbContext db, DivisionCatalog divisions,
        PersonalDataProtector protector, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var agency = http.User.Agency();
        // Outside the caller's scope answers 404, exactly as for a lead that does not exist.
        var lead = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.PublicId == id, ct);
        if (lead is null) return Problems.NotFoundProblem("The lead");
        var target = $"lead/{lead.PublicId}";
        if (lead.OwnerAgency != agency)
        {
            if (!LeadScope.IsSharedWith(lead, agency, time.GetUtcNow())) return Problems.NotFoundProblem("The lead");
            // A partner never reveals: identifiers in full stay with the owner.
            audit.Record(db, http, "read_shared", target, outcome: reveal == true ? "reveal_denied" : "success");
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(LeadView.SharedOf(lead, divisions));
        }
        var view = LeadView.Of(lead, divisions, withDetails: true);
        if (reveal != true)
        {
            audit.Record(db, http, "read", target);
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(view);
        }
        if (!http.User.IsInRole(Roles.Supervisor))
        {
            audit.Record(db, http, "read_personal_data", target, outcome: "denied");
            await db.SaveChangesAsync(ct);
            return TypedResults.Problem(title: "Forbidden", detail: "Only a supervisor may see identifiers in full.", statusCode: StatusCodes.Status403Forbidden);
        }
        var revealed = lead.Subjects.Where(s => s.Encrypted is not null)
            .Select(s => new RevealedSubjectView(EnumText.Of(s.Kind), protector.Decrypt(s.Encrypted!))).ToList();
        audit.Record(db, http, "read_personal_data", target, detail: string.Join(",", lead.Subjects.Where(s => s.Encrypted is not null).Select(s => EnumText.Of(s.Kind))));
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(view with { Revealed = revealed });
    }
}
