using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.Screening.Infrastructure;
using JinDu.Screening.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Screening.Apis;

public sealed record CheckpointView(Guid Id, string Agency, string Name, string Kind, string Location, bool Active);

public sealed record RegisterCheckpointRequest(string? Agency, string? Name, string? Kind, string? Location);

public sealed record UpdateCheckpointRequest(bool? Active, string? Name, string? Location);

public static class CheckpointsApi
{
    public static IEndpointRouteBuilder MapCheckpointsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/screening/v1/checkpoints").WithGroupName(InspectionsApi.Group).WithTags("Checkpoints");
        api.MapGet("/", async (HttpContext http, ScreeningDbContext db, CancellationToken ct) =>
        {
            var query = db.Checkpoints.AsNoTracking();
            if (!http.User.IsInRole(Roles.PlatformAdmin))
            {
                var agency = http.User.Agency();
                query = query.Where(c => c.AgencyCode == agency);
            }
            var rows = await query.OrderBy(c => c.Id).ToListAsync(ct);
            return TypedResults.Ok(new Page<CheckpointView>(rows.Select(ToView).ToList(), null));
        });
        api.MapPost("/", async Task<IResult> (RegisterCheckpointRequest r, ScreeningDbContext db, DivisionCatalog divisions, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            if (divisions.Find(r.Agency) is not { Level: DivisionLevel.County or DivisionLevel.Prefecture })
                errors.Add("agency", "must be a county or prefecture code from the official division list");
            if (string.IsNullOrWhiteSpace(r.Name) || r.Name.Length > 200) errors.Add("name", "is required, at most 200 characters");
            var kind = EnumText.Required<CheckpointKind>(r.Kind, "kind", errors);
            if (r.Location is { Length: > 300 }) errors.Add("location", "must be at most 300 characters");
            if (!errors.IsValid) return errors.ToResult();
            var checkpoint = new Checkpoint { PublicId = Guid.CreateVersion7(), AgencyCode = r.Agency!, Name = r.Name!.Trim(), Kind = kind, Location = r.Location?.Trim() ?? "" };
            db.Checkpoints.Add(checkpoint);
            await db.SaveChangesAsync(ct);
            return TypedResults.Created($"/api/screening/v1/checkpoints/{checkpoint.PublicId}", ToView(checkpoint));
        }).RequireAuthorization(p => p.RequireRole(Roles.PlatformAdmin));

        // A checkpoint closes (or reopens): officers can no longer post there while it is inactive.
        api.MapPatch("/{id:guid}", async Task<IResult> (Guid id, UpdateCheckpointRequest r, ScreeningDbContext db, CheckpointCache cache, HttpContext http,
            AuditTrail audit, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            if (r.Active is null && r.Name is null && r.Location is null) errors.Add("active", "give active, name or location to change");
            if (r.Name is { } name && (string.IsNullOrWhiteSpace(name) || name.Length > 200)) errors.Add("name", "must be 1 to 200 characters");
            if (r.Location is { Length: > 300 }) errors.Add("location", "must be at most 300 characters");
            if (!errors.IsValid) return errors.ToResult();
            var checkpoint = await db.Checkpoints.FirstOrDefaultAsync(c => c.PublicId == id, ct);
            if (checkpoint is null) return Problems.NotFoundProblem("The checkpoint");
            if (r.Active is { } active) checkpoint.Active = active;
            if (r.Name is { } newName) checkpoint.Name = newName.Trim();
            if (r.Location is { } location) checkpoint.Location = location.Trim();
            audit.Record(db, http, "update", $"checkpoint/{id}", detail: $"active={checkpoint.Active}");
            await db.SaveChangesAsync(ct);
            cache.Forget(checkpoint.PublicId, checkpoint.AgencyCode);
            return TypedResults.Ok(ToView(checkpoint));
        }).RequireAuthorization(p => p.RequireRole(Roles.PlatformAdmin));
        return app;
    }

    private static CheckpointView ToView(Checkpoint c) => new(c.PublicId, c.AgencyCode, c.Name, EnumText.Of(c.Kind), c.Location, c.Active);
}
