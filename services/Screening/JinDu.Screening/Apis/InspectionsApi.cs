using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Contracts;
using JinDu.Screening.Contracts.Events;
using JinDu.Screening.Infrastructure;
using JinDu.Screening.Model;
using JinDu.Screening.Watchlist;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Screening.Apis;

public static class InspectionsApi
{
    public const string Group = "screening";

    public static IEndpointRouteBuilder MapInspectionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/screening/v1/inspections").WithGroupName(Group).WithTags("Inspections");
        api.MapPost("/", PostInspection)
            .RequireAuthorization(p => p.RequireRole(Roles.CheckpointOfficer))
            .WithSummary("Record an inspection and get the watchlist answer at once");
        api.MapGet("/{id:guid}", GetInspection)
            .RequireAuthorization(p => p.RequireRole(Roles.CheckpointOfficer, Roles.Supervisor, Roles.Analyst));
        api.MapGet("/", ListInspections)
            .RequireAuthorization(p => p.RequireRole(Roles.CheckpointOfficer, Roles.Supervisor, Roles.Analyst));
        return app;
    }

    private static async Task<IResult> PostInspection(
        PostInspectionRequest request, HttpContext http, ScreeningDbContext db, InspectionFactory factory,
        IWatchlistLookup watchlist, TimeProvider time, CancellationToken ct)
    {
        var (idempotency, answer) = await IdempotentRequest.BeginAsync(db, http, request, ct);
        if (answer is not null) return answer;

        var agency = http.User.Agency();
        var built = await factory.BuildAsync(request, agency, http.User, ct);
        if (built.Errors is { IsValid: false } errors) return errors.ToResult();
        var inspection = built.Inspection!;

        var hits = await watchlist.MatchAsync(inspection.Subjects.Select(s => s.Token).Distinct().ToList(), ct);
        db.Inspections.Add(inspection);
        if (inspection.IsFlagged) db.OutboxMessages.Add(OutboxMessage.From(ToFlaggedEvent(inspection, time)));

        var view = ToView(inspection, hits);
        var location = $"/api/screening/v1/inspections/{inspection.PublicId}";
        idempotency.Record(db, StatusCodes.Status201Created, view, location, time.GetUtcNow());
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation() && idempotency.HasKey)
        {
            // The same request arrived twice at once: the first one's answer is the answer.
            if (await idempotency.ReplayWinnerAsync(db, http, ct) is { } replay) return replay;
            throw;
        }
        return TypedResults.Created(location, view);
    }

    private static async Task<IResult> GetInspection(Guid id, HttpContext http, ScreeningDbContext db, CancellationToken ct)
    {
        var agency = http.User.Agency();
        var inspection = await db.Inspections.AsNoTracking().Include(i => i.Checkpoint)
            .FirstOrDefaultAsync(i => i.PublicId == id && i.AgencyCode == agency, ct);
        return inspection is null ? Problems.NotFoundProblem("The inspection") : TypedResults.Ok(ToView(inspection, null));
    }

    private static async Task<IResult> ListInspections(string? cursor, int? limit, HttpContext http, ScreeningDbContext db, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        if (!Cursor.TryRead(cursor, limit, errors, out var position, out var take)) return errors.ToResult();
        var agency = http.User.Agency();
        var query = db.Inspections.AsNoTracking().Include(i => i.Checkpoint).Where(i => i.AgencyCode == agency);
        if (long.TryParse(position, out var before)) query = query.Where(i => i.Id < before);
        var rows = await query.OrderByDescending(i => i.Id).Take(take + 1).ToListAsync(ct);
        var next = rows.Count > take ? Cursor.Encode(rows[take - 1].Id.ToString()) : null;
        return TypedResults.Ok(new Page<InspectionView>(rows.Take(take).Select(i => ToView(i, null)).ToList(), next));
    }

    internal static InspectionFlagged ToFlaggedEvent(Inspection inspection, TimeProvider time) => new()
    {
        EventId = Guid.CreateVersion7(),
        OccurredAt = time.GetUtcNow(),
        ProducerAgency = inspection.AgencyCode,
        InspectionId = inspection.PublicId,
        CheckpointId = inspection.Checkpoint!.PublicId,
        CheckpointName = inspection.Checkpoint.Name,
        Result = EnumText.Of(inspection.Result),
        InspectedAt = inspection.InspectedAt,
        Subjects = inspection.Subjects.Select(s => new FlaggedSubject(s.Kind, s.Token, s.Masked, s.HouseholdCode)).ToList(),
        Seizures = inspection.Seizures.Select(s => new SeizureLine(s.Substance, s.Grams)).ToList(),
    };

    private static InspectionView ToView(Inspection i, WatchlistAnswer? watchlist) => new(
        i.PublicId,
        i.Checkpoint!.PublicId,
        i.Checkpoint.Name,
        i.AgencyCode,
        i.OfficerName,
        i.InspectedAt,
        i.RecordedAt,
        EnumText.Of(i.Method),
        EnumText.Of(i.Result),
        i.IsFlagged,
        i.Subjects.Select(s => new SubjectView(EnumText.Of(s.Kind), s.Masked, s.HouseholdCode)).ToList(),
        i.Seizures.Select(s => new SeizureView(s.Substance, s.Grams)).ToList(),
        i.Notes,
        watchlist is null ? null : new WatchlistView(
            watchlist.Checked,
            watchlist.Hits.Select(h =>
            {
                var subject = i.Subjects.First(s => s.Token == h.Token);
                return new WatchlistHitView(EnumText.Of(subject.Kind), subject.Masked, h.LeadReference, h.OwnerAgency, h.Contact, h.Severity);
            }).ToList(),
            watchlist.Checked ? null : "The watchlist could not be checked just now; the inspection is recorded. Check again or call the duty desk."));
}
