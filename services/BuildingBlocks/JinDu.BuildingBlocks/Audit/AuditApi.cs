using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.BuildingBlocks.Audit;

public sealed record AuditEntryView(long Id, DateTimeOffset At, string Actor, string ActorAgency, string Action, string Target,
    string Outcome, string? From, string? Detail, string? Hash);

/// <summary>
/// The auditor's view of a service's trail: the entries (newest first) and a verification of the chain.
/// Auditors cannot read lead or inspection contents, only who did what; reading the trail is itself recorded.
/// </summary>
public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi<TContext>(this IEndpointRouteBuilder app, string service) where TContext : ServiceDbContext
    {
        var api = app.MapGroup($"/api/{service}/v1/audit").WithGroupName(service).WithTags("Audit trail")
            .RequireAuthorization(p => p.RequireRole(Roles.Auditor));

        api.MapGet("/", async Task<IResult> (string? cursor, int? limit, string? actor, HttpContext http, AuditTrail trail, CancellationToken ct) =>
        {
            ServiceDbContext db = http.RequestServices.GetRequiredService<TContext>();
            var errors = new ValidationErrors();
            if (!Cursor.TryRead(cursor, limit, errors, out var position, out var take)) return errors.ToResult();
            var query = db.AuditEntries.AsNoTracking();
            if (!string.IsNullOrWhiteSpace(actor)) query = query.Where(e => e.Actor == actor);
            if (long.TryParse(position, out var before)) query = query.Where(e => e.Id < before);
            var rows = await query.OrderByDescending(e => e.Id).Take(take + 1).ToListAsync(ct);
            trail.Record(db, http, "read_audit_trail", $"audit/{service}", detail: actor is null ? null : "actor=" + actor);
            await db.SaveChangesAsync(ct);
            var next = rows.Count > take ? Cursor.Encode(rows[take - 1].Id.ToString()) : null;
            return TypedResults.Ok(new Page<AuditEntryView>(rows.Take(take).Select(e =>
                new AuditEntryView(e.Id, e.At, e.Actor, e.ActorAgency, e.Action, e.Target, e.Outcome, e.From, e.Detail, e.Hash)).ToList(), next));
        });

        api.MapGet("/verify", async Task<IResult> (HttpContext http, AuditTrail trail, CancellationToken ct) =>
        {
            ServiceDbContext db = http.RequestServices.GetRequiredService<TContext>();
            var result = await AuditVerifier.VerifyAsync(db, ct);
            trail.Record(db, http, "verify_audit_trail", $"audit/{service}", outcome: result.Intact ? "intact" : "broken");
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(result);
        });
        return app;
    }
}
