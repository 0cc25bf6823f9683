using System.Globalization;
using System.Security.Claims;
using System.Text;
using CsvHelper;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Hosting;
using JinDu.Screening.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Screening.Couriers;

public sealed record OutletDayView(
    string Company, string OutletCode, string OutletRegion, DateOnly Day, int Parcels,
    int RealNameVerified, int OpenedAndInspected, int XRayed, int AllThree, int Suspicious,
    double RealNameRate, double OpenedRate, double XRayRate, double AllThreeRate, bool Compliant, DateTimeOffset? BreachedAt);

public sealed record NonCompliantParcelView(
    string Waybill, string OutletCode, DateTimeOffset AcceptedAt, string SenderIdMasked,
    bool RealNameVerified, bool OpenedAndInspected, bool XRayed, string? XRayResult, int Version);

/// <summary>
/// The "three 100%" figures per company, outlet and day (China Standard Time), for the supervisors and
/// analysts of the agency where the outlet is (a prefecture sees its counties) and for the courier itself.
/// </summary>
public static class ComplianceApi
{
    public static IEndpointRouteBuilder MapComplianceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/screening/v1/compliance").WithGroupName(Apis.InspectionsApi.Group).WithTags("Courier compliance")
            .RequireAuthorization(p => p.RequireRole(Roles.Supervisor, Roles.Analyst, Roles.Courier));

        api.MapGet("/outlets", async Task<IResult> (string? day, string? company, string? cursor, int? limit, HttpContext http, ScreeningDbContext db, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            var d = ParseDay(day, errors);
            if (!Cursor.TryRead(cursor, limit, errors, out var position, out var take) || !errors.IsValid) return errors.ToResult();
            var query = Scope(db.OutletDays.AsNoTracking(), http.User).Where(o => o.Day == d);
            if (!string.IsNullOrWhiteSpace(company)) query = query.Where(o => o.Company == company.Trim().ToUpperInvariant());
            if (position.Length > 0) query = query.Where(o => string.Compare(o.Company + "/" + o.OutletCode, position) > 0);
            var rows = await query.OrderBy(o => o.Company).ThenBy(o => o.OutletCode).Take(take + 1).ToListAsync(ct);
            var next = rows.Count > take ? Cursor.Encode(rows[take - 1].Company + "/" + rows[take - 1].OutletCode) : null;
            return TypedResults.Ok(new Page<OutletDayView>(rows.Take(take).Select(ToView).ToList(), next));
        });

        api.MapGet("/companies", async Task<IResult> (string? day, HttpContext http, ScreeningDbContext db, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            var d = ParseDay(day, errors);
            if (!errors.IsValid) return errors.ToResult();
            var rows = await Scope(db.OutletDays.AsNoTracking(), http.User).Where(o => o.Day == d)
                .GroupBy(o => o.Company)
                .Select(g => new OutletDay
                {
                    Company = g.Key, OutletCode = "*", OutletRegion = "*", Day = d,
                    Parcels = g.Sum(o => o.Parcels), RealNameVerified = g.Sum(o => o.RealNameVerified), OpenedAndInspected = g.Sum(o => o.OpenedAndInspected),
                    XRayed = g.Sum(o => o.XRayed), AllThree = g.Sum(o => o.AllThree), Suspicious = g.Sum(o => o.Suspicious),
                })
                .ToListAsync(ct);
            return TypedResults.Ok(new Page<OutletDayView>(rows.OrderBy(r => r.Company).Select(ToView).ToList(), null));
        });

        // The parcels that broke the rule on one outlet-day; ?format=csv (or Accept: text/csv) for a spreadsheet.
        api.MapGet("/outlets/{company}/{outlet}/{day}/non-compliant", async Task<IResult> (string company, string outlet, string day, string? format,
            HttpContext http, ScreeningDbContext db, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            var d = ParseDay(day, errors);
            if (!errors.IsValid) return errors.ToResult();
            company = company.ToUpperInvariant();
            outlet = outlet.ToUpperInvariant();
            var outletDay = await Scope(db.OutletDays.AsNoTracking(), http.User)
                .FirstOrDefaultAsync(o => o.Company == company && o.OutletCode == outlet && o.Day == d, ct);
            if (outletDay is null) return Problems.NotFoundProblem("The outlet-day");
            var parcels = await db.Parcels.AsNoTracking()
                .Where(p => p.Company == company && p.OutletCode == outlet && p.Day == d && !(p.RealNameVerified && p.OpenedAndInspected && p.XRayed))
                .OrderBy(p => p.AcceptedAt).Take(100_000)
                .Select(p => new NonCompliantParcelView(p.Waybill, p.OutletCode, p.AcceptedAt, p.SenderIdMasked, p.RealNameVerified,
                    p.OpenedAndInspected, p.XRayed, p.XRayResult, p.Version))
                .ToListAsync(ct);
            if (format == "csv" || http.Request.Headers.Accept.ToString().Contains("text/csv", StringComparison.OrdinalIgnoreCase))
            {
                await using var text = new StringWriter(CultureInfo.InvariantCulture);
                await using (var csv = new CsvWriter(text, CultureInfo.InvariantCulture))
                    await csv.WriteRecordsAsync(parcels, ct);
                return Results.File(Encoding.UTF8.GetBytes(text.ToString()), "text/csv; charset=utf-8", $"non-compliant-{company}-{outlet}-{day}.csv");
            }
            return TypedResults.Ok(new Page<NonCompliantParcelView>(parcels, null));
        });
        return app;
    }

    /// <summary>Staff see outlets in their county (a prefecture: in its counties); a courier sees its own company.</summary>
    private static IQueryable<OutletDay> Scope(IQueryable<OutletDay> query, ClaimsPrincipal user)
    {
        if (user.IsInRole(Roles.Courier))
        {
            var company = user.FindFirst(JinDuClaims.CourierCompany)?.Value ?? "";
            return query.Where(o => o.Company == company);
        }
        var agency = user.Agency();
        if (agency.EndsWith("00", StringComparison.Ordinal))
        {
            var prefix = agency.EndsWith("0000", StringComparison.Ordinal) ? agency[..2] : agency[..4];
            return query.Where(o => o.OutletRegion.StartsWith(prefix));
        }
        return query.Where(o => o.OutletRegion == agency);
    }

    private static int ParseDay(string? day, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(day))
        {
            errors.Add("day", "is required (yyyy-MM-dd, China Standard Time)");
            return 0;
        }
        if (!DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            errors.Add("day", "must be a date as yyyy-MM-dd");
            return 0;
        }
        return d.Year * 10_000 + d.Month * 100 + d.Day;
    }

    private static double Rate(int part, int whole) => whole == 0 ? 1 : Math.Round((double)part / whole, 6);

    private static OutletDayView ToView(OutletDay o) => new(
        o.Company, o.OutletCode, o.OutletRegion, ParcelValidator.DateOf(o.Day), o.Parcels, o.RealNameVerified, o.OpenedAndInspected,
        o.XRayed, o.AllThree, o.Suspicious, Rate(o.RealNameVerified, o.Parcels), Rate(o.OpenedAndInspected, o.Parcels),
        Rate(o.XRayed, o.Parcels), Rate(o.AllThree, o.Parcels), o.AllThree == o.Parcels, o.BreachedAt);
}
