using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Hosting;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Apis;

public sealed record HitTaskView(
    Guid Id, Guid LeadId, string LeadReference, string HitAgency, string Hit, string Urgency, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset DueAt, bool Overdue, DateTimeOffset? EscalatedAt,
    DateTimeOffset? AnsweredAt, string? AnsweredBy, string? Note);

/// <summary>The answer to a hit: confirmed (it is our subject) or denied (not ours / no action), with an optional note.</summary>
public sealed record AnswerHitRequest(string? Outcome, string? Note);

/// <summary>比中核实: the owner's hit-confirmation tasks and their answers.</summary>
public static class HitTasksApi
{
    public static IEndpointRouteBuilder MapHitTasksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/leads/v1/hit-tasks").WithGroupName(LeadsApi.Group).WithTags("Hit confirmation")
            .RequireAuthorization(p => p.RequireRole(Roles.Analyst, Roles.Supervisor));
        api.MapGet("/", ListAsync).WithSummary("The agency's hit-confirmation tasks, newest first; ?status=open|confirmed|denied");
        api.MapPost("/{id:guid}/answer", AnswerAsync).WithSummary("Confirm or deny a hit on one of the agency's leads");
        return app;
    }

    private static async Task<IResult> ListAsync(string? status, string? cursor, int? limit, HttpContext http, LeadsDbContext db, LeadsClock clock, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        if (!Cursor.TryRead(cursor, limit, errors, out var position, out var take)) return errors.ToResult();
        var agency = http.User.Agency();
        var query = db.HitTasks.AsNoTracking().Where(t => t.OwnerAgency == agency);
        if (status is not null)
        {
            if (EnumText.TryParse<HitTaskStatus>(status, out var s)) query = query.Where(t => t.Status == s);
            else return errors.Add("status", $"must be one of: {EnumText.Allowed<HitTaskStatus>()}").ToResult();
        }
        if (position.Length > 0)
        {
            if (long.TryParse(position, out var before)) query = query.Where(t => t.Id < before);
            else return errors.Add("cursor", "is not a cursor this API gave out").ToResult();
        }
        var rows = await query.OrderByDescending(t => t.Id).Take(take + 1).ToListAsync(ct);
        var next = rows.Count > take ? Cursor.Encode(rows[take - 1].Id.ToString()) : null;
        var now = clock.Now;
        return TypedResults.Ok(new Page<HitTaskView>(rows.Take(take).Select(t => View(t, now)).ToList(), next));
    }

    private static async Task<IResult> AnswerAsync(Guid id, AnswerHitRequest request, HttpContext http, LeadsDbContext db, LeadsClock clock,
        AuditTrail audit, CancellationToken ct)
    {
        var agency = http.User.Agency();
        var task = await db.HitTasks.FirstOrDefaultAsync(t => t.PublicId == id && t.OwnerAgency == agency, ct);
        if (task is null) return Problems.NotFoundProblem("The hit-confirmation task");
        var errors = new ValidationErrors();
        var outcome = EnumText.Required<HitTaskStatus>(request.Outcome, "outcome", errors);
        if (errors.IsValid && outcome == HitTaskStatus.Open) errors.Add("outcome", "must be confirmed or denied");
        var note = request.Note?.Trim();
        if (note is { Length: > 1000 }) errors.Add("note", "must be at most 1000 characters");
        if (!errors.IsValid) return errors.ToResult();
        if (task.Status != HitTaskStatus.Open)
            return Problems.ConflictProblem($"The task was already answered ({EnumText.Of(task.Status)}) by {task.AnsweredBy}.");

        var now = clock.Now;
        task.Status = outcome;
        task.AnsweredAt = now;
        task.AnsweredBy = http.User.CallerId();
        task.Note = string.IsNullOrEmpty(note) ? null : note;
        task.Version++;
        var lead = await db.Leads.FirstOrDefaultAsync(l => l.Id == task.LeadId, ct);
        if (lead is not null)
        {
            lead.Record(now, task.AnsweredBy, "hit_" + EnumText.Of(outcome),
                $"{task.HitDescription} ({task.HitAgency}){(now > task.DueAt ? ", after the deadline" : "")}");
            lead.Version++;
        }
        audit.Record(db, http, "answer_hit", $"hit-task/{task.PublicId}", detail: EnumText.Of(outcome));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.ConflictProblem("The task or its lead was changed at the same time; reload and try again.");
        }
        return TypedResults.Ok(View(task, now));
    }

    public static HitTaskView View(HitConfirmationTask t, DateTimeOffset now) => new(
        t.PublicId, t.LeadPublicId, t.LeadReference, t.HitAgency, t.HitDescription, EnumText.Of(t.Urgency), EnumText.Of(t.Status),
        t.CreatedAt, t.DueAt, t.Status == HitTaskStatus.Open && now > t.DueAt, t.EscalatedAt, t.AnsweredAt, t.AnsweredBy, t.Note);
}
