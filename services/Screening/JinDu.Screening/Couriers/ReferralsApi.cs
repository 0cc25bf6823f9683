using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Hosting;
using JinDu.Screening.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Screening.Couriers;

public sealed record ReferralView(Guid Id, long Sequence, string Waybill, string Action, string Reason, string IssuingAgency,
    DateTimeOffset IssuedAt, DateTimeOffset? AcknowledgedAt);

public sealed record ReferralPage(IReadOnlyList<ReferralView> Items, long LastSequence);

/// <summary>
/// Referrals (指令) for a courier to poll: hold, inspect or release one waybill, numbered per company so
/// the courier can ask for everything after the last one it has, and acknowledge each.
/// </summary>
public static class ReferralsApi
{
    public static IEndpointRouteBuilder MapReferralsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/screening/v1/courier/referrals").WithGroupName(Apis.InspectionsApi.Group).WithTags("Courier referrals")
            .RequireAuthorization(p => p.RequireRole(Roles.Courier));

        api.MapGet("/", async Task<IResult> (long? after, int? limit, HttpContext http, ScreeningDbContext db, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            if (after is < 0) errors.Add("after", "must be 0 or more");
            var take = limit ?? Cursor.DefaultLimit;
            if (take is < 1 or > Cursor.MaxLimit) errors.Add("limit", $"must be between 1 and {Cursor.MaxLimit}");
            if (!errors.IsValid) return errors.ToResult();
            var company = http.User.FindFirst(JinDuClaims.CourierCompany)?.Value ?? "";
            var from = after ?? 0;
            var rows = await db.Referrals.AsNoTracking().Where(r => r.Company == company && r.Sequence > from)
                .OrderBy(r => r.Sequence).Take(take).ToListAsync(ct);
            var last = await db.Referrals.Where(r => r.Company == company).MaxAsync(r => (long?)r.Sequence, ct) ?? 0;
            return TypedResults.Ok(new ReferralPage(rows.Select(ToView).ToList(), last));
        });

        api.MapPost("/{id:guid}/acknowledge", async Task<IResult> (Guid id, HttpContext http, ScreeningDbContext db, TimeProvider time, CancellationToken ct) =>
        {
            var company = http.User.FindFirst(JinDuClaims.CourierCompany)?.Value ?? "";
            var referral = await db.Referrals.FirstOrDefaultAsync(r => r.PublicId == id && r.Company == company, ct);
            if (referral is null) return Problems.NotFoundProblem("The referral");
            referral.AcknowledgedAt ??= time.GetUtcNow(); // acknowledging twice changes nothing
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(ToView(referral));
        });
        // Staff of the issuing agency: their referrals, and releasing a waybill when the case allows.
        var staff = app.MapGroup("/api/screening/v1/referrals").WithGroupName(Apis.InspectionsApi.Group).WithTags("Courier referrals")
            .RequireAuthorization(p => p.RequireRole(Roles.Analyst, Roles.Supervisor));
        staff.MapGet("/", async Task<IResult> (string? cursor, int? limit, HttpContext http, ScreeningDbContext db, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            if (!Cursor.TryRead(cursor, limit, errors, out var position, out var take)) return errors.ToResult();
            var agency = http.User.Agency();
            var query = db.Referrals.AsNoTracking().Where(r => r.IssuingAgency == agency);
            if (long.TryParse(position, out var before)) query = query.Where(r => r.Id < before);
            var rows = await query.OrderByDescending(r => r.Id).Take(take + 1).ToListAsync(ct);
            var next = rows.Count > take ? Cursor.Encode(rows[take - 1].Id.ToString()) : null;
            return TypedResults.Ok(new Page<ReferralView>(rows.Take(take).Select(ToView).ToList(), next));
        });
        staff.MapPost("/{id:guid}/release", async Task<IResult> (Guid id, HttpContext http, ScreeningDbContext db, ReferralSignal signal, TimeProvider time, CancellationToken ct) =>
        {
            var agency = http.User.Agency();
            var referral = await db.Referrals.FirstOrDefaultAsync(r => r.PublicId == id && r.IssuingAgency == agency, ct);
            if (referral is null) return Problems.NotFoundProblem("The referral");
            if (referral.Action == ReferralAction.Release) return Problems.ConflictProblem("This referral is itself a release.");
            if (await db.Referrals.AnyAsync(r => r.Company == referral.Company && r.Waybill == referral.Waybill && r.Action == ReferralAction.Release, ct))
                return Problems.ConflictProblem("The waybill has already been released.");
            var sequence = await db.Referrals.Where(r => r.Company == referral.Company).MaxAsync(r => r.Sequence, ct);
            var release = new Referral
            {
                PublicId = Guid.CreateVersion7(), Company = referral.Company, Sequence = sequence + 1, Waybill = referral.Waybill,
                Action = ReferralAction.Release, Reason = $"released by {http.User.CallerName()}", IssuingAgency = agency, IssuedAt = time.GetUtcNow(),
            };
            db.Referrals.Add(release);
            await db.SaveChangesAsync(ct);
            signal.Notify();
            return TypedResults.Created($"/api/screening/v1/referrals/{release.PublicId}", ToView(release));
        });
        return app;
    }

    private static ReferralView ToView(Referral r) =>
        new(r.PublicId, r.Sequence, r.Waybill, EnumText.Of(r.Action), r.Reason, r.IssuingAgency, r.IssuedAt, r.AcknowledgedAt);
}
