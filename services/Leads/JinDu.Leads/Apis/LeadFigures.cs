using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Hosting;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Apis;

/// <summary>
/// GET /api/leads/v1/figures: one agency's leads created in [from, to) — by current status and by source, how
/// many became cases, and the median time from creation to triage. Aggregates only.
/// </summary>
public sealed record LeadFiguresView(
    string Agency, DateTimeOffset From, DateTimeOffset To, int Leads,
    IReadOnlyDictionary<string, int> ByStatus, IReadOnlyDictionary<string, int> BySource,
    int CasesOpened, double ConversionRate, int Triaged, double? MedianMinutesToTriage);

public static class LeadFigures
{
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromDays(30);
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    public static IEndpointRouteBuilder MapLeadFigures(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/leads/v1/figures", GetFiguresAsync)
            .WithGroupName(LeadsApi.Group).WithTags("Figures")
            .RequireAuthorization(p => p.RequireRole(Roles.Supervisor, Roles.Analyst))
            .WithSummary("Leads of the caller's agency created in a period: by status and source, conversions to cases, median time to triage")
            .WithDescription("from (inclusive) and to (exclusive) are ISO 8601 times on createdAt; to defaults to now (or 30 days after from), from to 30 days before to; " +
                             "at most 366 days.");
        return app;
    }

    private static async Task<IResult> GetFiguresAsync(string? from, string? to, HttpContext http, LeadsDbContext db, TimeProvider time, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        if (QueryTimes.ReadPeriod(http.Request.Query.Keys, from, to, time.GetUtcNow(), DefaultPeriod, MaxPeriod, errors) is not (var since, var until))
            return errors.ToResult();

        var agency = http.User.Agency();
        var inPeriod = db.Leads.AsNoTracking().Where(l => l.OwnerAgency == agency && l.CreatedAt >= since && l.CreatedAt < until);
        var byStatus = await inPeriod.GroupBy(l => l.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        var bySource = await inPeriod.GroupBy(l => l.Source).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        // Medians do not translate to SQL on both providers; the pairs are two timestamps a lead, read without the rest.
        var triage = await inPeriod.Where(l => l.TriagedAt != null).Select(l => new { l.CreatedAt, l.TriagedAt }).ToListAsync(ct);

        var total = byStatus.Sum(s => s.Count);
        var cases = byStatus.Where(s => s.Key == LeadStatus.CaseOpened).Sum(s => s.Count);
        var minutes = triage.Select(t => (t.TriagedAt!.Value - t.CreatedAt).TotalMinutes).Order().ToList();
        return TypedResults.Ok(new LeadFiguresView(
            agency, since, until, total,
            Enum.GetValues<LeadStatus>().ToDictionary(EnumText.Of, s => byStatus.Where(x => x.Key == s).Sum(x => x.Count)),
            Enum.GetValues<LeadSource>().ToDictionary(EnumText.Of, s => bySource.Where(x => x.Key == s).Sum(x => x.Count)),
            cases, total == 0 ? 0 : Math.Round((double)cases / total, 4), minutes.Count, Median(minutes)));
    }

    public static double? Median(IReadOnlyList<double> sorted) => sorted.Count switch
    {
        0 => null,
        var n when n % 2 == 1 => Math.Round(sorted[n / 2], 2),
        var n => Math.Round((sorted[n / 2 - 1] + sorted[n / 2]) / 2, 2),
    };
}
