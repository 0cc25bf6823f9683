using System.Globalization;
using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Apis;

public sealed record LeadQuery(
    string? Cursor, string? Limit, string? SourceId, string? Source, string? Status, string? Substance, string? Severity, string? MinSeverity,
    string? From, string? To, string? Assignee, string? Scope, string? IdNumber, string? Plate, string? Phone, string? Waybill, string? Address);

/// <summary>GET /api/leads/v1/leads: the caller's agency's leads, filtered; identifiers are matched by token only.</summary>
public static class LeadSearch
{
    private static readonly string[] Known =
        ["cursor", "limit", "sourceId", "source", "status", "substance", "severity", "minSeverity", "from", "to", "assignee", "scope",
         "idNumber", "plate", "phone", "waybill", "address"];

    private static readonly (string Field, SubjectKind Kind)[] Identifiers =
        [("idNumber", SubjectKind.Person), ("plate", SubjectKind.Vehicle), ("phone", SubjectKind.Phone), ("waybill", SubjectKind.Parcel), ("address", SubjectKind.Address)];

    public static async Task<IResult> HandleAsync([AsParameters] LeadQuery q, HttpContext http, LeadsDbContext db, DivisionCatalog divisions,
        PersonalDataProtector protector, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        foreach (var key in http.Request.Query.Keys)
            if (!Known.Contains(key, StringComparer.OrdinalIgnoreCase))
                errors.Add(key, $"is not a filter of this list (known: {string.Join(", ", Known)})");
        var before = IdCursor.Read(q.Limit, q.Cursor, errors, out var take);

        var agency = http.User.Agency();
        var shared = false;
        if (Present(q.Scope) is { } scope)
        {
            if (string.Equals(scope, "shared", StringComparison.OrdinalIgnoreCase)) shared = true;
            else if (!string.Equals(scope, "own", StringComparison.OrdinalIgnoreCase)) errors.Add("scope", "must be own or shared");
        }
        var query = shared
            ? db.Leads.AsNoTracking().Where(LeadScope.SharedWith(agency, time.GetUtcNow()))
            : db.Leads.AsNoTracking().Where(l => l.OwnerAgency == agency);

        if (Present(q.SourceId) is { } sourceText)
        {
            if (Guid.TryParse(sourceText, out var sourceId)) query = query.Where(l => l.SourceId == sourceId);
            else errors.Add("sourceId", "must be a UUID");
        }
        if (Present(q.Source) is { } sourceKind)
        {
            if (EnumText.TryParse<LeadSource>(sourceKind, out var source)) query = query.Where(l => l.Source == source);
            else errors.Add("source", $"must be one of: {EnumText.Allowed<LeadSource>()}");
        }
        if (Present(q.Status) is { } statusText)
        {
            if (EnumText.TryParse<LeadStatus>(statusText, out var status)) query = query.Where(l => l.Status == status);
            else errors.Add("status", $"must be one of: {EnumText.Allowed<LeadStatus>()}");
        }
        if (Present(q.Substance) is { } substanceText)
        {
            var substance = substanceText.ToLowerInvariant();
            if (!Substances.All.Contains(substance)) errors.Add("substance", $"must be one of: {Substances.Allowed}");
            else query = query.Where(l => l.Substances.Contains(substance));
        }
        foreach (var (field, text) in new[] { ("severity", q.Severity), ("minSeverity", q.MinSeverity) })
        {
            if (Present(text) is not { } value) continue;
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var severity) || severity is < 1 or > 5)
                errors.Add(field, "must be a whole number from 1 to 5");
            else if (field == "severity") query = query.Where(l => l.Severity == severity);
            else query = query.Where(l => l.Severity >= severity);
        }
        var from = QueryTimes.Read(q.From, "from", errors);
        var to = QueryTimes.Read(q.To, "to", errors);
        if (from is { } f && to is { } t && f >= t) errors.Add("to", "must be later than from");
        if (from is { } fromValue) query = query.Where(l => l.CreatedAt >= fromValue);
        if (to is { } toValue) query = query.Where(l => l.CreatedAt < toValue);
        if (Present(q.Assignee) is { } assignee)
        {
            // Who works on another agency's lead is the owner's business: no probing by assignee.
            if (shared) errors.Add("assignee", "only for your own agency's leads");
            else query = query.Where(l => l.Assignee == assignee);
        }

        // The plaintext goes no further than this method: not into the query, the answer, logs or errors.
        var today = Times.BeijingToday(time);
        var searchedKinds = new List<string>();
        var values = new Dictionary<string, string?>
        {
            ["idNumber"] = q.IdNumber, ["plate"] = q.Plate, ["phone"] = q.Phone, ["waybill"] = q.Waybill, ["address"] = q.Address,
        };
        foreach (var (field, kind) in Identifiers)
        {
            if (Present(values[field]) is not { } value) continue;
            if (!SubjectValues.TryNormalize(kind, value, today, out var normalised, out var error))
            {
                errors.Add(field, error);
                continue;
            }
            var token = protector.Token(kind, normalised);
            query = query.Where(l => l.Subjects.Any(s => s.Token == token));
            searchedKinds.Add(EnumText.Of(kind));
        }
        if (!errors.IsValid) return errors.ToResult();

        if (before is { } last) query = query.Where(l => l.Id < last);
        var rows = await query.OrderByDescending(l => l.Id).Take(take + 1).ToListAsync(ct);

        if (searchedKinds.Count > 0)
        {
            // A search by identifier is a use of personal data: who looked for which kind, and how much they found.
            audit.Record(db, http, "search_by_identifier", "leads", detail: $"{string.Join(",", searchedKinds)}; {Math.Min(rows.Count, take)} found");
            await db.SaveChangesAsync(ct);
        }
        var next = rows.Count > take ? Cursor.Encode(rows[take - 1].Id.ToString(CultureInfo.InvariantCulture)) : null;
        return TypedResults.Ok(new Page<LeadView>(rows.Take(take).Select(l => shared ? LeadView.SharedOf(l, divisions) : LeadView.Of(l, divisions, withDetails: false)).ToList(), next));
    }

    private static string? Present(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
