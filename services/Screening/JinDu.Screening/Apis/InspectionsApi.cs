using System.Globalization;
using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Identifiers;
using JinDu.BuildingBlocks.Messaging;
using JinDu.BuildingBlocks.Privacy;
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
            .RequireAuthorization(p => p.RequireRole(Roles.CheckpointOfficer, Roles.Supervisor, Roles.Analyst))
            .WithSummary("List the agency's inspections, newest first, filtered by checkpoint, time, result, substance or identifier")
            .WithDescription("Identifiers (idNumber, plate, phone, waybill) are checked and normalised as in a post and matched " +
                             "through their keyed tokens, never as plaintext; several filters narrow together. Times are ISO 8601 " +
                             "(UTC unless an offset is given): from inclusive, to exclusive, on inspectedAt. Subjects are always masked.");
        app.MapInspectionFigures();
        return app;
    }

    private static async Task<IResult> PostInspection(
        PostInspectionRequest request, HttpContext http, ScreeningDbContext db, InspectionFactory factory,
        IWatchlistLookup watchlist, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var (idempotency, answer) = await IdempotentRequest.BeginAsync(db, http, request, ct);
        if (answer is not null) return answer;

        var agency = http.User.Agency();
        var built = await factory.BuildAsync(request, agency, http.User, ct);
        if (built.Errors is { IsValid: false } errors) return errors.ToResult();
        var inspection = built.Inspection!;

        var hits = await watchlist.MatchAsync(inspection.Subjects.Select(s => s.Token).Distinct().ToList(), ct);
        await db.Inspections.AddAsync(inspection, ct); // async: on PostgreSQL it may take the next block of ids from the sequence
        if (inspection.IsFlagged) db.OutboxMessages.Add(OutboxMessage.From(ToFlaggedEvent(inspection, time)));
        else if (hits.Hits.Count > 0) db.OutboxMessages.Add(OutboxMessage.From(ToHitEvent(inspection, hits, time)));

        var view = ToView(inspection, hits);
        var location = $"/api/screening/v1/inspections/{inspection.PublicId}";
        idempotency.Record(db, StatusCodes.Status201Created, view, location, time.GetUtcNow());
        audit.Record(db, http, "create", $"inspection/{inspection.PublicId}", detail: EnumText.Of(inspection.Result));
        try
        {
            await SingleBatch.SaveChangesAsync(db, ct); // on PostgreSQL one round trip, all or nothing
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation() && idempotency.HasKey)
        {
            // The same request arrived twice at once: the first one's answer is the answer.
            if (await idempotency.ReplayWinnerAsync(db, http, ct) is { } replay) return replay;
            throw;
        }
        return TypedResults.Created(location, view);
    }

    /// <summary>
    /// One inspection, masked; a supervisor may ask for the identifiers in full (?reveal=true), and
    /// every such read is written to the audit trail in the same transaction as nothing else: no audit
    /// entry, no plaintext.
    /// </summary>
    private static async Task<IResult> GetInspection(Guid id, bool? reveal, HttpContext http, ScreeningDbContext db,
        PersonalDataProtector protector, AuditTrail audit, CancellationToken ct)
    {
        var agency = http.User.Agency();
        var inspection = await db.Inspections.AsNoTracking().Include(i => i.Checkpoint)
            .FirstOrDefaultAsync(i => i.PublicId == id && i.AgencyCode == agency, ct);
        if (inspection is null) return Problems.NotFoundProblem("The inspection");
        if (reveal != true) return TypedResults.Ok(ToView(inspection, null));
        var target = $"inspection/{inspection.PublicId}";
        if (!http.User.IsInRole(Roles.Supervisor))
        {
            audit.Record(db, http, "read_personal_data", target, outcome: "denied");
            await db.SaveChangesAsync(ct);
            return TypedResults.Problem(title: "Forbidden", detail: "Only a supervisor may see identifiers in full.", statusCode: StatusCodes.Status403Forbidden);
        }
        audit.Record(db, http, "read_personal_data", target, detail: string.Join(",", inspection.Subjects.Select(s => EnumText.Of(s.Kind))));
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ToView(inspection, null) with
        {
            Revealed = inspection.Subjects.Select(s => new RevealedSubjectView(EnumText.Of(s.Kind), protector.Decrypt(s.Encrypted),
                s.EncryptedName is null ? null : protector.Decrypt(s.EncryptedName))).ToList(),
        });
    }

    private static async Task<IResult> ListInspections(
        [AsParameters] InspectionQuery q, HttpContext http, ScreeningDbContext db, PersonalDataProtector protector,
        TimeProvider time, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        InspectionQuery.RejectUnknownParameters(http.Request.Query, errors);
        var before = IdCursor.Read(q.Limit, q.Cursor, errors, out var take);

        var agency = http.User.Agency();
        var query = db.Inspections.AsNoTracking().Where(i => i.AgencyCode == agency);

        if (Present(q.CheckpointId) is { } checkpointText)
        {
            if (!Guid.TryParse(checkpointText, out var checkpointId) || checkpointId == Guid.Empty)
                errors.Add("checkpointId", "must be a checkpoint's id (a UUID)");
            else
            {
                // Another agency's checkpoint is answered exactly like one that does not exist.
                var checkpoint = await db.Checkpoints.AsNoTracking()
                    .Where(c => c.PublicId == checkpointId && c.AgencyCode == agency).Select(c => (long?)c.Id).FirstOrDefaultAsync(ct);
                if (checkpoint is not { } internalId) errors.Add("checkpointId", "is not a checkpoint of your agency");
                else query = query.Where(i => i.CheckpointId == internalId);
            }
        }

        var from = QueryTimes.Read(q.From, "from", errors);
        var to = QueryTimes.Read(q.To, "to", errors);
        if (from is { } f && to is { } t && f >= t) errors.Add("to", "must be later than from");
        if (from is { } fromValue) query = query.Where(i => i.InspectedAt >= fromValue);
        if (to is { } toValue) query = query.Where(i => i.InspectedAt < toValue);

        if (Present(q.Result) is { } resultText)
        {
            if (!EnumText.TryParse<InspectionResult>(resultText, out var result))
                errors.Add("result", $"must be one of: {EnumText.Allowed<InspectionResult>()}");
            else query = query.Where(i => i.Result == result);
        }

        if (Present(q.Substance) is { } substanceText)
        {
            var substance = substanceText.ToLowerInvariant();
            if (!Substances.All.Contains(substance))
                errors.Add("substance", $"must be one of: {string.Join(", ", Substances.All.Order(StringComparer.Ordinal))}");
            else query = query.Where(i => i.Seizures.Any(s => s.Substance == substance));
        }

        // Identifiers: the same checks and normalisation as a post, then the keyed token. The plaintext
        // goes no further than this method: not into the query, the answer, logs or errors.
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime.AddHours(8)); // birth dates are Beijing-time dates
        foreach (var (field, text) in new[] { ("idNumber", q.IdNumber), ("plate", q.Plate), ("phone", q.Phone), ("waybill", q.Waybill) })
        {
            if (Present(text) is not { } value) continue;
            if (!SubjectIdentifiers.TryNormalize(field, value, today, out var kind, out var normalised, out var error))
            {
                errors.Add(field, error);
                continue;
            }
            var token = protector.Token(kind, normalised);
            query = query.Where(i => i.Subjects.Any(s => s.Token == token));
        }

        if (!errors.IsValid) return errors.ToResult();

        if (before is { } last) query = query.Where(i => i.Id < last);
        var rows = await query.Include(i => i.Checkpoint).OrderByDescending(i => i.Id).Take(take + 1).ToListAsync(ct);
        var next = rows.Count > take ? Cursor.Encode(rows[take - 1].Id.ToString(CultureInfo.InvariantCulture)) : null;
        return TypedResults.Ok(new Page<InspectionView>(rows.Take(take).Select(i => ToView(i, null)).ToList(), next));
    }

    private static string? Present(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    internal static WatchlistHitRecorded ToHitEvent(Inspection inspection, WatchlistAnswer answer, TimeProvider time)
    {
        var matched = answer.Hits.Select(h => h.Token).ToHashSet(StringComparer.Ordinal);
        return new WatchlistHitRecorded
        {
            EventId = Guid.CreateVersion7(),
            OccurredAt = time.GetUtcNow(),
            ProducerAgency = inspection.AgencyCode,
            InspectionId = inspection.PublicId,
            CheckpointId = inspection.Checkpoint!.PublicId,
            CheckpointName = inspection.Checkpoint.Name,
            InspectedAt = inspection.InspectedAt,
            Subjects = inspection.Subjects.Where(s => matched.Contains(s.Token))
                .Select(s => new FlaggedSubject(s.Kind, s.Token, s.Masked, s.HouseholdCode)).ToList(),
            MatchedLeads = answer.Hits.Select(h => h.LeadReference).Distinct().ToList(),
        };
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

/// <summary>The query string of GET /api/screening/v1/inspections. Every value is text so a bad one is named in the 400.</summary>
public sealed record InspectionQuery(
    string? CheckpointId, string? From, string? To, string? Result, string? Substance,
    string? IdNumber, string? Plate, string? Phone, string? Waybill, string? Cursor, string? Limit)
{
    private static readonly HashSet<string> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        "checkpointId", "from", "to", "result", "substance", "idNumber", "plate", "phone", "waybill", "cursor", "limit",
    };

    /// <summary>
    /// A misspelt filter (id_number=…) would otherwise be ignored and the answer would look like a search that found
    /// everything; name it instead.
    /// </summary>
    public static void RejectUnknownParameters(IQueryCollection query, ValidationErrors errors)
    {
        foreach (var key in query.Keys)
            if (!Known.Contains(key)) errors.Add(key, $"is not a filter of this list (known: {string.Join(", ", Known)})");
    }
}

/// <summary>Identifiers checked and normalised one way for posts (InspectionFactory) and searches, so a search finds what a post stored.</summary>
internal static class SubjectIdentifiers
{
    public static bool TryNormalize(string field, string text, DateOnly today, out SubjectKind kind, out string value, out string error)
    {
        value = "";
        switch (field)
        {
            case "idNumber":
                kind = SubjectKind.Person;
                if (!ResidentIdNumber.TryParse(text, today, out var id, out error)) return false;
                value = id.Value;
                return true;
            case "plate":
                kind = SubjectKind.Vehicle;
                return PlateNumber.TryNormalize(text, out value, out error);
            case "phone":
                kind = SubjectKind.Phone;
                return MobileNumber.TryNormalize(text, out value, out error);
            case "waybill":
                kind = SubjectKind.Parcel;
                return Waybill.TryNormalizeAny(text, out value, out error);
            default:
                throw new ArgumentOutOfRangeException(nameof(field), field, "not an identifier filter");
        }
    }
}
