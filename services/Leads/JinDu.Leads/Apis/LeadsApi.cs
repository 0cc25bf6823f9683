using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Hosting;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Apis;

public sealed record LeadSubjectView(string Kind, string Masked);

public sealed record TimelineView(DateTimeOffset At, string Actor, string Action, string Detail);

public sealed record LeadView(
    Guid Id, string Reference, string OwnerAgency, string Source, Guid? SourceId, string Status, int Severity,
    string Summary, IReadOnlyList<string> Substances, IReadOnlyList<LeadSubjectView> Subjects,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<TimelineView>? Timeline);

public static class LeadsApi
{
    public const string Group = "leads";

    public static IEndpointRouteBuilder MapLeadsEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/leads/v1/leads").WithGroupName(Group).WithTags("Leads")
            .RequireAuthorization(p => p.RequireRole(Roles.Analyst, Roles.Supervisor));

        api.MapGet("/", async Task<IResult> (string? cursor, int? limit, string? sourceId, HttpContext http, LeadsDbContext db, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            Guid? source = null;
            if (sourceId is not null)
            {
                if (Guid.TryParse(sourceId, out var s)) source = s;
                else errors.Add("sourceId", "must be a UUID");
            }
            if (!Cursor.TryRead(cursor, limit, errors, out var position, out var take)) return errors.ToResult();
            if (!errors.IsValid) return errors.ToResult();
            var agency = http.User.Agency();
            var query = db.Leads.AsNoTracking().Where(l => l.OwnerAgency == agency);
            if (source is not null) query = query.Where(l => l.SourceId == source);
            if (long.TryParse(position, out var before)) query = query.Where(l => l.Id < before);
            var rows = await query.OrderByDescending(l => l.Id).Take(take + 1).ToListAsync(ct);
            var next = rows.Count > take ? Cursor.Encode(rows[take - 1].Id.ToString()) : null;
            return TypedResults.Ok(new Page<LeadView>(rows.Take(take).Select(l => ToView(l, withTimeline: false)).ToList(), next));
        });

        api.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, LeadsDbContext db, CancellationToken ct) =>
        {
            var agency = http.User.Agency();
            // Outside the caller's agency answers 404, exactly as for a lead that does not exist.
            var lead = await db.Leads.AsNoTracking().FirstOrDefaultAsync(l => l.PublicId == id && l.OwnerAgency == agency, ct);
            return lead is null ? Problems.NotFoundProblem("The lead") : TypedResults.Ok(ToView(lead, withTimeline: true));
        });
        return app;
    }

    private static LeadView ToView(Lead l, bool withTimeline) => new(
        l.PublicId, l.Reference, l.OwnerAgency, EnumText.Of(l.Source), l.SourceId, EnumText.Of(l.Status), l.Severity, l.Summary,
        l.Substances, l.Subjects.Select(s => new LeadSubjectView(EnumText.Of(s.Kind), s.Masked)).ToList(), l.CreatedAt, l.UpdatedAt,
        withTimeline ? l.Timeline.OrderBy(t => t.At).Select(t => new TimelineView(t.At, t.Actor, t.Action, t.Detail)).ToList() : null);
}
