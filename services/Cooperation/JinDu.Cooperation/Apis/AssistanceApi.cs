using System.Text.Json;
using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Cooperation.Assistance;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Apis;

public sealed record CreateAssistanceRequest(string? AssistingAgency, Guid? LeadId, string? LeadReference, string? Question,
    IReadOnlyList<string>? RequestedActions, string? Priority, DateTimeOffset? Deadline);

public sealed record AnswerAssistanceRequest(string? Text, IReadOnlyList<Finding>? Findings);

public sealed record DeclineAssistanceRequest(string? Reason);

public sealed record RefuseAssistanceRequest(string? Reason);

public sealed record AssistanceView(Guid Id, string RequestingAgency, string AssistingAgency, Guid LeadId, string LeadReference, string Question,
    IReadOnlyList<string> RequestedActions, string Priority, DateTimeOffset Deadline, bool Overdue, string Status, string? Answer,
    IReadOnlyList<Finding>? Findings, string? DeclineReason, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? RespondedAt, DateTimeOffset? ClosedAt, DateTimeOffset? EscalatedAt, string? EscalatedTo, string? DecidedBy,
    DateTimeOffset? DecidedAt, string? RefusalReason);

/// <summary>
/// Assistance requests (协查): A asks, B acknowledges, answers or declines, A closes. A request sent by an analyst or a
/// liaison waits (<c>pending_approval</c>) until a supervisor of A approves it — only then does B see it and hear of it, and
/// its deadline runs from then — or refuses it with a reason; a supervisor's own request goes out at once. Only A, B and
/// their prefectures see a request (others get 404; B and its prefecture see nothing of one not sent); only B responds
/// and only A closes. Question, answer and reasons are encrypted at rest, and every read and decision is audited.
/// </summary>
public static class AssistanceApi
{
    public static IEndpointRouteBuilder MapAssistanceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/cooperation/v1/assistance").WithGroupName(InboxApi.Group).WithTags("Assistance requests")
            .RequireAuthorization(p => p.RequireRole(Roles.Analyst, Roles.Supervisor, Roles.Liaison));

        api.MapPost("/", CreateAsync).WithSummary("Asks another agency for assistance; deadline defaults to 8 h (urgent) or 3 days (normal).");

        api.MapGet("/", async Task<IResult> (string? role, string? status, string? cursor, int? limit, HttpContext http, CooperationDbContext db,
            PersonalDataProtector protector, AuditTrail audit, CooperationClock clock, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            if (role is not (null or "sent" or "received")) errors.Add("role", "must be sent or received");
            AssistanceStatus? wanted = status is null ? null : EnumText.Required<AssistanceStatus>(status, "status", errors);
            if (!Cursor.TryRead(cursor, limit, errors, out var position, out var take) || !errors.IsValid) return errors.ToResult();
            var agency = http.User.Agency();
            var after = long.TryParse(position, out var p) ? p : 0;
            var query = Visible(db, agency).Where(r => r.Id > after);
            if (role == "sent") query = query.Where(r => r.RequestingAgency == agency);
            if (role == "received") query = query.Where(r => r.AssistingAgency == agency);
            if (wanted is { } w) query = query.Where(r => r.Status == w);
            var rows = await query.OrderBy(r => r.Id).Take(take + 1).ToListAsync(ct);
            var page = rows.Take(take).ToList();
            if (page.Count > 0)
            {
                audit.Record(db, http, "read", "assistance", detail: $"{page.Count} requests");
                await db.SaveChangesAsync(ct);
            }
            var next = rows.Count > take ? Cursor.Encode(rows[take - 1].Id.ToString()) : null;
            return TypedResults.Ok(new Page<AssistanceView>(page.Select(r => ToView(r, protector, clock.Now)).ToList(), next));
        });

        api.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, CooperationDbContext db, PersonalDataProtector protector,
            AuditTrail audit, CooperationClock clock, CancellationToken ct) =>
        {
            var request = await Visible(db, http.User.Agency()).FirstOrDefaultAsync(r => r.PublicId == id, ct);
            if (request is null) return Problems.NotFoundProblem("The assistance request");
            audit.Record(db, http, "read", $"assistance/{id}");
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(ToView(request, protector, clock.Now));
        });

        api.MapPost("/{id:guid}/approve", (Guid id, HttpContext http, CooperationDbContext db, AssistanceDesk desk, PersonalDataProtector protector,
            AuditTrail audit, CooperationClock clock, CancellationToken ct) =>
            TransitionAsync(id, http, db, protector, audit, clock, Party.Requesting, [AssistanceStatus.PendingApproval], "approve", async r =>
            {
                var now = clock.Now;
                // The deadline runs from now: B gets the time A asked for, however long the request waited.
                r.Deadline = now + r.TimeAllowed;
                r.Status = AssistanceStatus.Requested;
                r.DecidedBy = http.User.CallerId();
                r.DecidedAt = now;
                await desk.RequestedAsync(r, ct);
                return null;
            }, ct))
            .RequireAuthorization(p => p.RequireRole(Roles.Supervisor))
            .WithSummary("A supervisor of the requesting agency sends a request an analyst or liaison asked for; the deadline runs from now.");

        api.MapPost("/{id:guid}/refuse", (Guid id, RefuseAssistanceRequest body, HttpContext http, CooperationDbContext db, PersonalDataProtector protector,
            AuditTrail audit, CooperationClock clock, CancellationToken ct) =>
            TransitionAsync(id, http, db, protector, audit, clock, Party.Requesting, [AssistanceStatus.PendingApproval], "refuse", r =>
            {
                if (string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Length > 500)
                    return Task.FromResult<IResult?>(new ValidationErrors().Add("reason", "is required, at most 500 characters").ToResult());
                r.Status = AssistanceStatus.Refused;
                r.DecidedBy = http.User.CallerId();
                r.DecidedAt = clock.Now;
                r.RefusalReasonProtected = protector.Encrypt(body.Reason.Trim());
                return Task.FromResult<IResult?>(null);
            }, ct))
            .RequireAuthorization(p => p.RequireRole(Roles.Supervisor))
            .WithSummary("A supervisor of the requesting agency refuses to send a request, with a reason; the assisting agency never sees it.");

        api.MapPost("/{id:guid}/acknowledge", (Guid id, HttpContext http, CooperationDbContext db, AssistanceDesk desk, PersonalDataProtector protector,
            AuditTrail audit, CooperationClock clock, CancellationToken ct) =>
            TransitionAsync(id, http, db, protector, audit, clock, Party.Assisting, [AssistanceStatus.Requested], "acknowledge", r =>
            {
                r.Status = AssistanceStatus.Acknowledged;
                r.AcknowledgedAt = clock.Now;
                return Task.FromResult<IResult?>(null);
            }, ct));

        api.MapPost("/{id:guid}/answer", (Guid id, AnswerAssistanceRequest body, HttpContext http, CooperationDbContext db, AssistanceDesk desk,
            PersonalDataProtector protector, AuditTrail audit, CooperationClock clock, CancellationToken ct) =>
            TransitionAsync(id, http, db, protector, audit, clock, Party.Assisting, [AssistanceStatus.Requested, AssistanceStatus.Acknowledged], "answer", async r =>
            {
                var errors = new ValidationErrors();
                if (string.IsNullOrWhiteSpace(body.Text) || body.Text.Length > 10_000) errors.Add("text", "is required, at most 10000 characters");
                if (body.Findings is { Count: > 100 }) errors.Add("findings", "at most 100");
                for (var i = 0; i < (body.Findings?.Count ?? 0); i++)
                {
                    var f = body.Findings![i];
                    if (f is null || !AssistanceActions.FindingKinds.Contains(f.Kind ?? ""))
                        errors.Add($"findings[{i}].kind", $"must be one of: {string.Join(", ", AssistanceActions.FindingKinds.Order())}");
                    if (f is null || string.IsNullOrWhiteSpace(f.Detail) || f.Detail.Length > 2000) errors.Add($"findings[{i}].detail", "is required, at most 2000 characters");
                }
                if (!errors.IsValid) return errors.ToResult();
                var findings = body.Findings ?? [];
                r.Status = AssistanceStatus.Answered;
                r.RespondedAt = clock.Now;
                r.RespondedBy = http.User.CallerId();
                r.AnswerProtected = protector.Encrypt(body.Text!.Trim());
                r.FindingsProtected = protector.Encrypt(JsonSerializer.Serialize(findings, JsonDefaults.Api));
                await desk.RespondedAsync(r, findings.Count, ct);
                return null;
            }, ct));

        api.MapPost("/{id:guid}/decline", (Guid id, DeclineAssistanceRequest body, HttpContext http, CooperationDbContext db, AssistanceDesk desk,
            PersonalDataProtector protector, AuditTrail audit, CooperationClock clock, CancellationToken ct) =>
            TransitionAsync(id, http, db, protector, audit, clock, Party.Assisting, [AssistanceStatus.Requested, AssistanceStatus.Acknowledged], "decline", async r =>
            {
                if (string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Length > 500)
                    return new ValidationErrors().Add("reason", "is required, at most 500 characters").ToResult();
                r.Status = AssistanceStatus.Declined;
                r.RespondedAt = clock.Now;
                r.RespondedBy = http.User.CallerId();
                r.DeclineReasonProtected = protector.Encrypt(body.Reason.Trim());
                await desk.RespondedAsync(r, 0, ct);
                return null;
            }, ct));

        api.MapPost("/{id:guid}/close", (Guid id, HttpContext http, CooperationDbContext db, PersonalDataProtector protector, AuditTrail audit,
            CooperationClock clock, CancellationToken ct) =>
            TransitionAsync(id, http, db, protector, audit, clock, Party.Requesting,
                [AssistanceStatus.PendingApproval, AssistanceStatus.Requested, AssistanceStatus.Acknowledged, AssistanceStatus.Answered, AssistanceStatus.Declined],
                "close", r =>
            {
                r.Status = AssistanceStatus.Closed;
                r.ClosedAt = clock.Now;
                return Task.FromResult<IResult?>(null);
            }, ct));
        return app;
    }

    private enum Party
    {
        Requesting,
        Assisting,
    }

    private static async Task<IResult> CreateAsync(CreateAssistanceRequest r, HttpContext http, CooperationDbContext db, DivisionCatalog divisions,
        PersonalDataProtector protector, AssistanceDesk desk, AuditTrail audit, CooperationClock clock, CancellationToken ct)
    {
        var (idempotency, answer) = await IdempotentRequest.BeginAsync(db, http, r, ct);
        if (answer is not null) return answer;
        var agency = http.User.Agency();
        var now = clock.Now;
        var errors = new ValidationErrors();
        if (AgenciesApi.Known(divisions, r.AssistingAgency) is null) errors.Add("assistingAgency", "must be a county or prefecture code from the official division list");
        else if (r.AssistingAgency == agency) errors.Add("assistingAgency", "must be another agency than your own");
        if (r.LeadId is null || r.LeadId == Guid.Empty) errors.Add("leadId", "is required: the lead the request is about");
        if (string.IsNullOrWhiteSpace(r.LeadReference) || r.LeadReference.Length > 100) errors.Add("leadReference", "is required, at most 100 characters");
        if (string.IsNullOrWhiteSpace(r.Question) || r.Question.Length > 5000) errors.Add("question", "is required, at most 5000 characters");
        var actions = new List<string>();
        if (r.RequestedActions is not { Count: > 0 }) errors.Add("requestedActions", $"name at least one of: {string.Join(", ", AssistanceActions.All.Order())}");
        else
            for (var i = 0; i < r.RequestedActions.Count; i++)
            {
                var action = r.RequestedActions[i]?.Trim().ToLowerInvariant() ?? "";
                if (!AssistanceActions.All.Contains(action)) errors.Add($"requestedActions[{i}]", $"must be one of: {string.Join(", ", AssistanceActions.All.Order())}");
                else if (!actions.Contains(action)) actions.Add(action);
            }
        var priority = EnumText.Required<AssistancePriority>(r.Priority, "priority", errors);
        if (r.Deadline is { } d && (d <= now || d > now.AddDays(90))) errors.Add("deadline", "must be in the future and within 90 days");
        if (!errors.IsValid) return errors.ToResult();

        // A supervisor's request goes out at once; an analyst's or a liaison's waits for a supervisor of the agency.
        var supervisor = http.User.IsInRole(Roles.Supervisor);
        var request = new AssistanceRequest
        {
            PublicId = Guid.CreateVersion7(), RequestingAgency = agency, AssistingAgency = r.AssistingAgency!, LeadId = r.LeadId!.Value,
            LeadReference = r.LeadReference!.Trim(), QuestionProtected = protector.Encrypt(r.Question!.Trim()), RequestedActions = actions,
            Priority = priority, Deadline = r.Deadline?.ToUniversalTime() ?? now + AssistanceDesk.DefaultTime(priority),
            Status = supervisor ? AssistanceStatus.Requested : AssistanceStatus.PendingApproval, CreatedBy = http.User.CallerId(), CreatedAt = now,
            DecidedBy = supervisor ? http.User.CallerId() : null, DecidedAt = supervisor ? now : null,
        };
        db.AssistanceRequests.Add(request);
        if (supervisor) await desk.RequestedAsync(request, ct);
        var view = ToView(request, protector, now);
        var location = $"/api/cooperation/v1/assistance/{request.PublicId}";
        idempotency.Record(db, StatusCodes.Status201Created, view, location, now);
        audit.Record(db, http, "create", $"assistance/{request.PublicId}",
            detail: $"to {request.AssistingAgency} {EnumText.Of(priority)}" + (supervisor ? "" : " awaiting approval"));
        return await db.SaveCreateAsync(idempotency, http, ct) ?? TypedResults.Created(location, view);
    }

    private static async Task<IResult> TransitionAsync(Guid id, HttpContext http, CooperationDbContext db, PersonalDataProtector protector,
        AuditTrail audit, CooperationClock clock, Party party, AssistanceStatus[] from, string action, Func<AssistanceRequest, Task<IResult?>> apply,
        CancellationToken ct)
    {
        var agency = http.User.Agency();
        var request = await Visible(db, agency, tracking: true).FirstOrDefaultAsync(r => r.PublicId == id, ct);
        if (request is null) return Problems.NotFoundProblem("The assistance request");
        var allowed = party == Party.Assisting ? request.AssistingAgency : request.RequestingAgency;
        if (agency != allowed)
            return TypedResults.Problem(title: "Forbidden", statusCode: StatusCodes.Status403Forbidden,
                detail: party == Party.Assisting ? "Only the assisting agency can do this." : "Only the requesting agency can do this.");
        if (!from.Contains(request.Status))
            return Problems.ConflictProblem($"The request is {EnumText.Of(request.Status)}; it cannot be {action}d now.");
        if (await apply(request) is { } refusal) return refusal;
        request.Version++;
        audit.Record(db, http, action, $"assistance/{id}");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.ConflictProblem("The request changed while you were acting on it; read it again.");
        }
        return TypedResults.Ok(ToView(request, protector, clock.Now));
    }

    /// <summary>
    /// The requests an agency may see: its own sent ones (also while they wait for approval, or refused) and the ones it
    /// received once they were sent, and the same for the counties of its prefecture.
    /// </summary>
    private static IQueryable<AssistanceRequest> Visible(CooperationDbContext db, string agency, bool tracking = false)
    {
        var rows = tracking ? db.AssistanceRequests : db.AssistanceRequests.AsNoTracking();
        if (agency == DivisionCatalog.PrefectureOf(agency))
        {
            var within = agency[..4];
            return rows.Where(r => r.RequestingAgency.StartsWith(within)
                                   || (r.AssistingAgency.StartsWith(within) && r.DecidedAt != null && r.Status != AssistanceStatus.Refused));
        }
        return rows.Where(r => r.RequestingAgency == agency
                               || (r.AssistingAgency == agency && r.DecidedAt != null && r.Status != AssistanceStatus.Refused));
    }

    private static AssistanceView ToView(AssistanceRequest r, PersonalDataProtector protector, DateTimeOffset now) =>
        new(r.PublicId, r.RequestingAgency, r.AssistingAgency, r.LeadId, r.LeadReference, protector.Decrypt(r.QuestionProtected), r.RequestedActions,
            EnumText.Of(r.Priority), r.Deadline, r.IsOpen && r.Deadline <= now, EnumText.Of(r.Status),
            r.AnswerProtected is null ? null : protector.Decrypt(r.AnswerProtected),
            r.FindingsProtected is null ? null : JsonSerializer.Deserialize<List<Finding>>(protector.Decrypt(r.FindingsProtected), JsonDefaults.Api),
            r.DeclineReasonProtected is null ? null : protector.Decrypt(r.DeclineReasonProtected),
            r.CreatedBy, r.CreatedAt, r.AcknowledgedAt, r.RespondedAt, r.ClosedAt, r.EscalatedAt, r.EscalatedTo, r.DecidedBy, r.DecidedAt,
            r.RefusalReasonProtected is null ? null : protector.Decrypt(r.RefusalReasonProtected));
}
