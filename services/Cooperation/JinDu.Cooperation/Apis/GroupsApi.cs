using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Apis;

public sealed record GroupView(Guid Id, string OwnerAgency, string Name, IReadOnlyList<string> Members, DateTimeOffset CreatedAt);

public sealed record CreateGroupRequest(string? Name, IReadOnlyList<string>? Members, string? OwnerAgency);

/// <summary>
/// Named sharing groups: an agency's supervisor (or the platform admin, naming the owner) lists the agencies
/// its leads at level `group` may reach. The owner and the members see a group; others get 404.
/// </summary>
public static class GroupsApi
{
    public static IEndpointRouteBuilder MapGroupsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/cooperation/v1/groups").WithGroupName(InboxApi.Group).WithTags("Sharing groups")
            .RequireAuthorization(p => p.RequireRole(Roles.Liaison, Roles.Supervisor, Roles.Analyst, Roles.PlatformAdmin));

        api.MapGet("/", async (HttpContext http, CooperationDbContext db, CancellationToken ct) =>
        {
            var rows = await Visible(db, http, ct);
            return TypedResults.Ok(new Page<GroupView>(rows.Select(ToView).ToList(), null));
        });

        api.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, CooperationDbContext db, CancellationToken ct) =>
            (await Visible(db, http, ct)).FirstOrDefault(g => g.PublicId == id) is { } g ? TypedResults.Ok(ToView(g)) : Problems.NotFoundProblem("The group"));

        api.MapPost("/", async Task<IResult> (CreateGroupRequest r, HttpContext http, CooperationDbContext db, DivisionCatalog divisions,
            AuditTrail audit, TimeProvider time, CancellationToken ct) =>
        {
            var (idempotency, answer) = await IdempotentRequest.BeginAsync(db, http, r, ct);
            if (answer is not null) return answer;
            var errors = new ValidationErrors();
            var admin = http.User.IsInRole(Roles.PlatformAdmin);
            var owner = admin ? r.OwnerAgency : http.User.Agency();
            if (admin && AgenciesApi.Known(divisions, owner) is null) errors.Add("ownerAgency", "the platform admin names the owning agency: a county or prefecture code");
            if (!admin && r.OwnerAgency is not null && r.OwnerAgency != owner) errors.Add("ownerAgency", "a group belongs to your own agency; leave it out");
            if (string.IsNullOrWhiteSpace(r.Name) || r.Name.Trim().Length > 100) errors.Add("name", "is required, at most 100 characters");
            if (r.Members is not { Count: > 0 and <= 200 }) errors.Add("members", "name 1 to 200 agencies");
            else
                for (var i = 0; i < r.Members.Count; i++)
                    if (AgenciesApi.Known(divisions, r.Members[i]) is null) errors.Add($"members[{i}]", "must be a county or prefecture code from the official division list");
            if (!errors.IsValid) return errors.ToResult();
            var name = r.Name!.Trim();
            if (await db.SharingGroups.AnyAsync(g => g.OwnerAgency == owner && g.Name == name, ct))
                return Problems.ConflictProblem($"Your agency already has a group named '{name}'.");
            var group = new SharingGroup
            {
                PublicId = Guid.CreateVersion7(), OwnerAgency = owner!, Name = name,
                Members = r.Members!.Where(m => m != owner).Distinct().ToList(), CreatedAt = time.GetUtcNow(),
            };
            db.SharingGroups.Add(group);
            var view = ToView(group);
            var location = $"/api/cooperation/v1/groups/{group.PublicId}";
            idempotency.Record(db, StatusCodes.Status201Created, view, location, time.GetUtcNow());
            audit.Record(db, http, "create", $"group/{group.PublicId}", detail: $"{owner} members={group.Members.Count}");
            return await db.SaveCreateAsync(idempotency, http, ct) ?? TypedResults.Created(location, view);
        }).RequireAuthorization(p => p.RequireRole(Roles.Supervisor, Roles.PlatformAdmin));

        api.MapDelete("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, CooperationDbContext db, AuditTrail audit, CancellationToken ct) =>
        {
            var group = await db.SharingGroups.FirstOrDefaultAsync(g => g.PublicId == id, ct);
            if (group is null || (!http.User.IsInRole(Roles.PlatformAdmin) && group.OwnerAgency != http.User.Agency()))
                return Problems.NotFoundProblem("The group");
            db.SharingGroups.Remove(group);
            audit.Record(db, http, "delete", $"group/{id}");
            await db.SaveChangesAsync(ct);
            return TypedResults.NoContent();
        }).RequireAuthorization(p => p.RequireRole(Roles.Supervisor, Roles.PlatformAdmin));
        return app;
    }

    // Membership is a list column; groups are few, so the member filter runs here rather than in SQL.
    private static async Task<List<SharingGroup>> Visible(CooperationDbContext db, HttpContext http, CancellationToken ct)
    {
        var rows = await db.SharingGroups.AsNoTracking().OrderBy(g => g.Id).ToListAsync(ct);
        if (http.User.IsInRole(Roles.PlatformAdmin)) return rows;
        var agency = http.User.Agency();
        return rows.Where(g => g.OwnerAgency == agency || g.Members.Contains(agency)).ToList();
    }

    private static GroupView ToView(SharingGroup g) => new(g.PublicId, g.OwnerAgency, g.Name, g.Members, g.CreatedAt);
}
