using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Apis;

public sealed record AgreementView(Guid Id, IReadOnlyList<string> Parties, IReadOnlyList<string> SharingLevels, string Disclosure,
    DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

public sealed record CreateAgreementRequest(IReadOnlyList<string>? Parties, IReadOnlyList<string>? SharingLevels, string? Disclosure);

/// <summary>
/// Partner agreements, registered by the platform admin; each party (and the counties of a party that is a
/// prefecture) reads the agreements it is in. One active agreement per pair; a revoked one stops applying at once.
/// </summary>
public static class AgreementsApi
{
    public static IEndpointRouteBuilder MapAgreementsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/cooperation/v1/agreements").WithGroupName(InboxApi.Group).WithTags("Agreements")
            .RequireAuthorization(p => p.RequireRole(Roles.Liaison, Roles.Supervisor, Roles.Analyst, Roles.PlatformAdmin));

        api.MapGet("/", async (HttpContext http, CooperationDbContext db, CancellationToken ct) =>
        {
            var rows = await Visible(db, http).OrderBy(a => a.Id).ToListAsync(ct);
            return TypedResults.Ok(new Page<AgreementView>(rows.Select(ToView).ToList(), null));
        });

        api.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, CooperationDbContext db, CancellationToken ct) =>
            await Visible(db, http).FirstOrDefaultAsync(a => a.PublicId == id, ct) is { } a ? TypedResults.Ok(ToView(a)) : Problems.NotFoundProblem("The agreement"));

        api.MapPost("/", async Task<IResult> (CreateAgreementRequest r, HttpContext http, CooperationDbContext db, DivisionCatalog divisions,
            AuditTrail audit, TimeProvider time, CancellationToken ct) =>
        {
            var (idempotency, answer) = await IdempotentRequest.BeginAsync(db, http, r, ct);
            if (answer is not null) return answer;
            var errors = new ValidationErrors();
            if (r.Parties is not { Count: 2 }) errors.Add("parties", "must name exactly two agencies");
            else
            {
                for (var i = 0; i < 2; i++)
                    if (AgenciesApi.Known(divisions, r.Parties[i]) is null) errors.Add($"parties[{i}]", "must be a county or prefecture code from the official division list");
                if (r.Parties[0] == r.Parties[1]) errors.Add("parties", "must be two different agencies");
            }
            var levels = new List<SharingLevel>();
            if (r.SharingLevels is not { Count: > 0 }) errors.Add("sharingLevels", "name at least one of: prefecture, partners, group");
            else
                for (var i = 0; i < r.SharingLevels.Count; i++)
                {
                    var level = EnumText.Required<SharingLevel>(r.SharingLevels[i], $"sharingLevels[{i}]", errors);
                    if (level == SharingLevel.Internal && EnumText.TryParse<SharingLevel>(r.SharingLevels[i], out _))
                        errors.Add($"sharingLevels[{i}]", "internal leads are never shared; name prefecture, partners or group");
                    else if (!levels.Contains(level)) levels.Add(level);
                }
            var disclosure = EnumText.Required<Disclosure>(r.Disclosure, "disclosure", errors);
            if (!errors.IsValid) return errors.ToResult();

            var (a, b) = string.CompareOrdinal(r.Parties![0], r.Parties[1]) < 0 ? (r.Parties[0], r.Parties[1]) : (r.Parties[1], r.Parties[0]);
            if (await db.Agreements.AnyAsync(x => x.PartyA == a && x.PartyB == b && x.RevokedAt == null, ct))
                return Problems.ConflictProblem($"{a} and {b} already have an active agreement; revoke it first.");
            var agreement = new Agreement { PublicId = Guid.CreateVersion7(), PartyA = a, PartyB = b, SharingLevels = levels, Disclosure = disclosure, CreatedAt = time.GetUtcNow() };
            db.Agreements.Add(agreement);
            var view = ToView(agreement);
            var location = $"/api/cooperation/v1/agreements/{agreement.PublicId}";
            idempotency.Record(db, StatusCodes.Status201Created, view, location, time.GetUtcNow());
            audit.Record(db, http, "create", $"agreement/{agreement.PublicId}", detail: $"{a}-{b} {EnumText.Of(disclosure)}");
            return await db.SaveCreateAsync(idempotency, http, ct) ?? TypedResults.Created(location, view);
        }).RequireAuthorization(p => p.RequireRole(Roles.PlatformAdmin));

        api.MapDelete("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, CooperationDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct) =>
        {
            var agreement = await db.Agreements.FirstOrDefaultAsync(a => a.PublicId == id, ct);
            if (agreement is null) return Problems.NotFoundProblem("The agreement");
            if (agreement.RevokedAt is null)
            {
                agreement.RevokedAt = time.GetUtcNow();
                audit.Record(db, http, "revoke", $"agreement/{id}");
                await db.SaveChangesAsync(ct);
            }
            return TypedResults.NoContent();
        }).RequireAuthorization(p => p.RequireRole(Roles.PlatformAdmin)).WithSummary("Revokes the agreement.");
        return app;
    }

    private static IQueryable<Agreement> Visible(CooperationDbContext db, HttpContext http)
    {
        if (http.User.IsInRole(Roles.PlatformAdmin)) return db.Agreements.AsNoTracking();
        var agency = http.User.Agency();
        var prefecture = DivisionCatalog.PrefectureOf(agency);
        var rows = db.Agreements.AsNoTracking();
        // A prefecture oversees its counties' agreements too.
        if (agency == prefecture)
        {
            var within = agency[..4];
            return rows.Where(a => a.PartyA.StartsWith(within) || a.PartyB.StartsWith(within));
        }
        return rows.Where(a => a.PartyA == agency || a.PartyB == agency || a.PartyA == prefecture || a.PartyB == prefecture);
    }

    private static AgreementView ToView(Agreement a) =>
        new(a.PublicId, [a.PartyA, a.PartyB], a.SharingLevels.Select(EnumText.Of).ToList(), EnumText.Of(a.Disclosure), a.CreatedAt, a.RevokedAt);
}
