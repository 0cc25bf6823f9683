using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Correlation;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Apis;

/// <summary>
/// POST /api/leads/v1/leads/{id}/status: move a lead on. <c>assignee</c> goes with assigned (the caller when
/// omitted), <c>caseNumber</c> with case_opened, <c>reason</c> (unfounded, merged, duplicate) with closed, and
/// <c>mergedInto</c> (another active lead of the agency) with merged, optionally with duplicate.
/// </summary>
public sealed record ChangeStatusRequest(string? Status, string? Assignee, string? CaseNumber, string? Reason, string? MergedInto, string? Note);

public static class ChangeStatus
{
    public static async Task<IResult> HandleAsync(Guid id, ChangeStatusRequest request, HttpContext http, LeadsDbContext db,
        Correlator correlator, DivisionCatalog divisions, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var (idempotency, answer) = await IdempotentRequest.BeginAsync(db, http, new { id, request }, ct);
        if (answer is not null) return answer;

        var agency = http.User.Agency();
        var lead = await db.Leads.FirstOrDefaultAsync(l => l.PublicId == id && l.OwnerAgency == agency, ct);
        if (lead is null) return Problems.NotFoundProblem("The lead");

        var errors = new ValidationErrors();
        var to = EnumText.Required<LeadStatus>(request.Status, "status", errors);
        if (!errors.IsValid) return errors.ToResult();
        if (!LeadLifecycle.CanMove(lead.Status, to))
        {
            var next = LeadLifecycle.NextFrom(lead.Status);
            return TypedResults.Problem(title: "Illegal transition",
                detail: $"A lead that is {EnumText.Of(lead.Status)} cannot become {EnumText.Of(to)}; " +
                        (next.Count == 0 ? "it is final." : "allowed next: " + string.Join(", ", next.Select(EnumText.Of)) + "."),
                statusCode: StatusCodes.Status409Conflict, type: Problems.Conflict,
                extensions: new Dictionary<string, object?> { ["field"] = "status", ["currentStatus"] = EnumText.Of(lead.Status) });
        }

        var note = request.Note?.Trim();
        if (note is { Length: > 1000 }) errors.Add("note", "must be at most 1000 characters");
        if (to != LeadStatus.Assigned && request.Assignee is not null) errors.Add("assignee", "only when the status becomes assigned");
        if (to != LeadStatus.CaseOpened && request.CaseNumber is not null) errors.Add("caseNumber", "only when the status becomes case_opened");
        if (to != LeadStatus.Closed && request.Reason is not null) errors.Add("reason", "only when the status becomes closed");
        if (request.MergedInto is not null && to != LeadStatus.Closed) errors.Add("mergedInto", "only when the lead is closed as merged or duplicate");

        var now = time.GetUtcNow();
        var actor = http.User.CallerId();
        var from = lead.Status;
        Lead? target = null;
        var detail = $"{EnumText.Of(from)} → {EnumText.Of(to)}";
        switch (to)
        {
            case LeadStatus.Triaged:
                lead.TriagedAt = now;
                break;
            case LeadStatus.Assigned:
                var assignee = string.IsNullOrWhiteSpace(request.Assignee) ? actor : request.Assignee.Trim();
                if (assignee.Length > 200) errors.Add("assignee", "must be at most 200 characters");
                lead.Assignee = assignee;
                detail += $", assignee {assignee}";
                break;
            case LeadStatus.CaseOpened:
                var caseNumber = request.CaseNumber?.Trim();
                if (string.IsNullOrEmpty(caseNumber)) errors.Add("caseNumber", "is required when a case is opened");
                else if (caseNumber.Length > 50) errors.Add("caseNumber", "must be at most 50 characters");
                lead.CaseNumber = caseNumber;
                detail += $", case {caseNumber}";
                break;
            case LeadStatus.Closed:
                var reason = EnumText.Required<CloseReason>(request.Reason, "reason", errors);
                if (errors.Has("reason")) break;
                lead.CloseReason = reason;
                lead.ClosedAt = now;
                detail += $" ({EnumText.Of(reason)})";
                if (reason == CloseReason.Merged && request.MergedInto is null) errors.Add("mergedInto", "is required when a lead is merged: the lead it joins");
                if (reason == CloseReason.Unfounded && request.MergedInto is not null) errors.Add("mergedInto", "only with merged or duplicate");
                if (request.MergedInto is not null && !errors.Has("mergedInto"))
                {
                    // Another agency's lead is answered like one that does not exist: it names no field of theirs.
                    if (!Guid.TryParse(request.MergedInto, out var targetId)) errors.Add("mergedInto", "must be a lead's id (a UUID)");
                    else if (targetId == lead.PublicId) errors.Add("mergedInto", "must be another lead");
                    else
                    {
                        target = await db.Leads.FirstOrDefaultAsync(l => l.PublicId == targetId && l.OwnerAgency == agency && l.Status != LeadStatus.Closed, ct);
                        if (target is null) errors.Add("mergedInto", "is not an active lead of your agency");
                        else
                        {
                            lead.MergedInto = target.PublicId;
                            detail += $" into {target.Reference}";
                        }
                    }
                }
                break;
        }
        if (!errors.IsValid)
        {
            db.ChangeTracker.Clear();
            return errors.ToResult();
        }

        lead.Status = to;
        lead.Version++;
        lead.Record(now, actor, "status_changed", note is { Length: > 0 } ? $"{detail}: {note}" : detail);
        db.OutboxMessages.Add(OutboxMessage.From(LeadEvents.StatusChanged(lead, from, now, target?.Reference)));
        if (to == LeadStatus.Triaged && lead.Source == LeadSource.Tip && lead.Subjects.Count > 0)
        {
            // A tip's identifiers are watched from the moment an analyst has looked at it, not before.
            db.OutboxMessages.Add(OutboxMessage.From(LeadEvents.WatchlistAdded(lead, now, lead.Subjects.Select(s => s.Token))));
            await correlator.LinkAsync(lead, lead.Subjects, now, ct);
        }
        if (to == LeadStatus.Closed)
        {
            // Closed leads leave the watchlist (布控 lifted); their subjects go on in the lead they were merged into.
            if (lead.Subjects.Count > 0 && LeadScope.IsWatched(lead.Source, from))
                db.OutboxMessages.Add(OutboxMessage.From(LeadEvents.WatchlistRemoved(lead, now, lead.Subjects.Select(s => s.Token))));
            if (target is not null) await MergeAsync(db, lead, target, actor, correlator, now, ct);
        }

        var view = LeadView.Of(lead, divisions, withDetails: true);
        idempotency.Record(db, StatusCodes.Status200OK, view, null, now);
        audit.Record(db, http, "change_status", $"lead/{lead.PublicId}", detail: detail);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.ConflictProblem("The lead was changed by someone else at the same time; reload it and try again.");
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation() && idempotency.HasKey)
        {
            if (await idempotency.ReplayWinnerAsync(db, http, ct) is { } replay) return replay;
            throw;
        }
        return TypedResults.Ok(view);
    }

    private static async Task MergeAsync(LeadsDbContext db, Lead lead, Lead target, string actor, Correlator correlator, DateTimeOffset now, CancellationToken ct)
    {
        var added = lead.Subjects.Where(s => target.Subjects.All(t => t.Token != s.Token))
            .Select(s => new LeadSubject { Kind = s.Kind, Token = s.Token, Masked = s.Masked, Encrypted = s.Encrypted }).ToList();
        target.Subjects.AddRange(added);
        foreach (var substance in lead.Substances.Where(s => !target.Substances.Contains(s))) target.Substances.Add(substance);
        target.Severity = Math.Max(target.Severity, lead.Severity);
        target.Version++;
        target.Record(now, actor, "merged_from", $"{lead.Reference}, {added.Count} subject(s) added");
        if (added.Count > 0)
            db.OutboxMessages.Add(OutboxMessage.From(LeadEvents.WatchlistAdded(target, now, target.Subjects.Select(s => s.Token))));
        await correlator.LinkAsync(target, added, now, ct, except: lead.Id);
    }
}
