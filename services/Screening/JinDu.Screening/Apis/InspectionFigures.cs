using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Hosting;
using JinDu.Screening.Infrastructure;
using JinDu.Screening.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Screening.Apis;

/// <summary>Seized weight and number of seizure lines of one substance in the period.</summary>
public sealed record SubstanceFigures(string Substance, decimal Grams, int Count);

/// <summary>One checkpoint's counts in the period (every active checkpoint of the agency is listed, with zeros).</summary>
public sealed record CheckpointFigures(Guid CheckpointId, string Name, bool Active, int Inspections, int Flagged, int Seizures);

/// <summary>GET /api/screening/v1/figures: an agency's inspection figures for a period [from, to).</summary>
public sealed record InspectionFiguresView(
    string Agency,
    DateTimeOffset From,
    DateTimeOffset To,
    int Inspections,
    int Flagged,
    IReadOnlyDictionary<string, int> ByResult,
    IReadOnlyList<SubstanceFigures> Seizures,
    IReadOnlyList<CheckpointFigures> Checkpoints);

/// <summary>
/// The figures a county's anti-drug office watches (issue 3): inspections, flags and seizures by substance
/// for one agency and period, computed by GROUP BY queries in the database. Aggregates only: no subject,
/// officer or identifier is part of the answer.
/// </summary>
public static class InspectionFigures
{
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromDays(7);
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    public static IEndpointRouteBuilder MapInspectionFigures(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/screening/v1/figures", GetFigures)
            .WithGroupName(InspectionsApi.Group).WithTags("Figures")
            // Officers may see their own agency's figures too: they are aggregates over records an officer can
            // already list (GET …/inspections), and a checkpoint's shift wants to see its own counts.
            .RequireAuthorization(p => p.RequireRole(Roles.Supervisor, Roles.Analyst, Roles.CheckpointOfficer))
            .WithSummary("Inspections, flags and seizures (grams per substance) of the caller's agency for a period")
            .WithDescription("from (inclusive) and to (exclusive) are ISO 8601 times on inspectedAt, UTC unless an offset is given; " +
                             "to defaults to now and from to 7 days before to; the period may be at most 366 days. " +
                             "Roles: supervisor, analyst, checkpoint-officer; always the caller's own agency.");
        return app;
    }

    private static async Task<IResult> GetFigures(string? from, string? to, HttpContext http, ScreeningDbContext db,
        TimeProvider time, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        if (QueryTimes.ReadPeriod(http.Request.Query.Keys, from, to, time.GetUtcNow(), DefaultPeriod, MaxPeriod, errors) is not (var since, var until))
            return errors.ToResult();

        var agency = http.User.Agency();
        var inPeriod = db.Inspections.AsNoTracking()
            .Where(i => i.AgencyCode == agency && i.InspectedAt >= since && i.InspectedAt < until);

        var byResult = await inPeriod.GroupBy(i => i.Result)
            .Select(g => new { Result = g.Key, Count = g.Count() })
            .ToListAsync(ct);

        var byCheckpoint = await inPeriod.GroupBy(i => i.CheckpointId)
            .Select(g => new
            {
                CheckpointId = g.Key,
                Inspections = g.Count(),
                Flagged = g.Count(i => i.Result != InspectionResult.Clear),
                Seizures = g.Count(i => i.Result == InspectionResult.Seizure),
            })
            .ToListAsync(ct);

        var lines = inPeriod.SelectMany(i => i.Seizures);
        var bySubstance = db.Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite"
            // SQLite has no decimal: the grams are stored as REAL there, and summed as such.
            ? (await lines.GroupBy(x => x.Substance)
                    .Select(g => new { Substance = g.Key, Grams = g.Sum(x => (double)x.Grams), Count = g.Count() })
                    .ToListAsync(ct))
                .Select(x => new SubstanceFigures(x.Substance, Math.Round((decimal)x.Grams, 3), x.Count)).ToList()
            : (await lines.GroupBy(x => x.Substance)
                    .Select(g => new { Substance = g.Key, Grams = g.Sum(x => x.Grams), Count = g.Count() })
                    .ToListAsync(ct))
                .Select(x => new SubstanceFigures(x.Substance, x.Grams, x.Count)).ToList();

        var counted = byCheckpoint.Select(c => c.CheckpointId).ToList();
        var checkpoints = await db.Checkpoints.AsNoTracking()
            .Where(c => c.AgencyCode == agency && (c.Active || counted.Contains(c.Id)))
            .Select(c => new { c.Id, c.PublicId, c.Name, c.Active })
            .ToListAsync(ct);
        var perCheckpoint = checkpoints
            .Select(c => byCheckpoint.FirstOrDefault(b => b.CheckpointId == c.Id) is { } b
                ? new CheckpointFigures(c.PublicId, c.Name, c.Active, b.Inspections, b.Flagged, b.Seizures)
                : new CheckpointFigures(c.PublicId, c.Name, c.Active, 0, 0, 0))
            .OrderByDescending(c => c.Inspections).ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList();

        var results = Enum.GetValues<InspectionResult>()
            .ToDictionary(EnumText.Of, r => byResult.FirstOrDefault(x => x.Result == r)?.Count ?? 0);
        var total = results.Values.Sum();
        return TypedResults.Ok(new InspectionFiguresView(
            agency, since, until, total, total - results[EnumText.Of(InspectionResult.Clear)], results,
            bySubstance.OrderByDescending(x => x.Grams).ThenBy(x => x.Substance, StringComparer.Ordinal).ToList(),
            perCheckpoint));
    }
}
