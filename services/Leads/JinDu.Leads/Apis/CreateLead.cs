using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;
using JinDu.Leads.Consumers;
using JinDu.Leads.Correlation;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Apis;

public sealed record SubjectInput(string? Kind, string? Value);

public sealed record CreateLeadRequest(
    string? Summary, IReadOnlyList<SubjectInput>? Subjects, IReadOnlyList<string>? Substances, int? Severity,
    string? Reliability, int? Credibility, string? SharingLevel, string? HandlingCode, string? HandlingConditions);

/// <summary>POST /api/leads/v1/leads: an analyst records a lead of their own agency (source analyst).</summary>
public static class CreateLead
{
    public const int MaxSubjects = 50;
    public const int MaxSummary = 2000;

    public static async Task<IResult> HandleAsync(CreateLeadRequest request, HttpContext http, LeadsDbContext db,
        PersonalDataProtector protector, Correlator correlator, DivisionCatalog divisions, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var (idempotency, answer) = await IdempotentRequest.BeginAsync(db, http, request, ct);
        if (answer is not null) return answer;

        var errors = new ValidationErrors();
        var summary = request.Summary?.Trim() ?? "";
        if (summary.Length == 0) errors.Add("summary", "is required");
        else if (summary.Length > MaxSummary) errors.Add("summary", $"must be at most {MaxSummary} characters");
        if (request.Severity is not { } severity || severity is < 1 or > 5) errors.Add("severity", "is required, from 1 (low) to 5 (most serious)");
        var subjects = ReadSubjects(request.Subjects, "subjects", protector, Times.BeijingToday(time), errors);
        var substances = ReadSubstances(request.Substances, errors);
        ReadGrading(request.Reliability, request.Credibility, errors, out var reliability);
        var sharing = SharingLevel.Internal;
        if (request.SharingLevel is not null && EnumText.TryParse<SharingLevel>(request.SharingLevel, out var level)) sharing = level;
        else if (request.SharingLevel is not null) errors.Add("sharingLevel", $"must be one of: {EnumText.Allowed<SharingLevel>()}");
        if (sharing is SharingLevel.Partners or SharingLevel.Group)
            errors.Add("sharingLevel", "partners and group sharing need a supervisor's approval; create the lead at internal or prefecture level");
        var handling = ReadHandling(request.HandlingCode, request.HandlingConditions, errors, out var conditions);
        if (!errors.IsValid) return errors.ToResult();

        var now = time.GetUtcNow();
        var lead = new Lead
        {
            PublicId = Guid.CreateVersion7(),
            OwnerAgency = http.User.Agency(),
            Source = LeadSource.Analyst,
            Status = LeadStatus.New,
            Severity = request.Severity!.Value,
            Summary = summary,
            Substances = substances,
            Reliability = reliability,
            Credibility = request.Credibility,
            Sharing = sharing,
            Handling = handling,
            HandlingConditions = conditions,
            CreatedAt = now,
            UpdatedAt = now,
            Subjects = subjects,
        };
        lead.Reference = await LeadReference.UnusedAsync(db, lead, ct);
        lead.Record(now, http.User.CallerId(), "created", $"by an analyst, {subjects.Count} subject(s)");
        db.Leads.Add(lead);
        db.OutboxMessages.Add(OutboxMessage.From(LeadEvents.Created(lead, now)));
        if (subjects.Count > 0) db.OutboxMessages.Add(OutboxMessage.From(LeadEvents.WatchlistAdded(lead, now, subjects.Select(s => s.Token))));
        await correlator.LinkAsync(lead, subjects, now, ct);

        var view = LeadView.Of(lead, divisions, withDetails: true);
        var location = $"/api/leads/v1/leads/{lead.PublicId}";
        idempotency.Record(db, StatusCodes.Status201Created, view, location, now);
        audit.Record(db, http, "create", $"lead/{lead.PublicId}", detail: string.Join(",", subjects.Select(s => EnumText.Of(s.Kind))));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // A lead this one correlates with changed at the same moment: nothing was stored; a retry links cleanly.
            return Problems.ConflictProblem("A related lead changed at the same time; nothing was recorded, please send it again.");
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            if (idempotency.HasKey && await idempotency.ReplayWinnerAsync(db, http, ct) is { } replay) return replay;
            return Problems.ConflictProblem("A related lead was linked at the same time; nothing was recorded, please send it again.");
        }
        return TypedResults.Created(location, view);
    }

    /// <summary>Checks, normalises, tokenises and encrypts typed identifiers; errors name subjects[i].value.</summary>
    public static List<LeadSubject> ReadSubjects(IReadOnlyList<SubjectInput>? inputs, string field, PersonalDataProtector protector,
        DateOnly today, ValidationErrors errors)
    {
        var subjects = new List<LeadSubject>();
        if (inputs is null) return subjects;
        if (inputs.Count > MaxSubjects)
        {
            errors.Add(field, $"at most {MaxSubjects} subjects");
            return subjects;
        }
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            if (input is null)
            {
                errors.Add($"{field}[{i}]", "must be an object with kind and value");
                continue;
            }
            var kind = EnumText.Required<SubjectKind>(input.Kind, $"{field}[{i}].kind", errors);
            if (errors.Has($"{field}[{i}].kind")) continue;
            // The error names the field, never echoes the value: it is personal data.
            if (!SubjectValues.TryNormalize(kind, input.Value, today, out var value, out var error))
            {
                errors.Add($"{field}[{i}].value", error);
                continue;
            }
            var token = protector.Token(kind, value);
            if (subjects.Any(s => s.Token == token)) continue;
            subjects.Add(new LeadSubject { Kind = kind, Token = token, Masked = SubjectValues.MaskOf(kind, value), Encrypted = protector.Encrypt(value) });
        }
        return subjects;
    }

    public static List<string> ReadSubstances(IReadOnlyList<string>? inputs, ValidationErrors errors)
    {
        var substances = new List<string>();
        if (inputs is null) return substances;
        for (var i = 0; i < inputs.Count; i++)
        {
            var s = inputs[i]?.Trim().ToLowerInvariant();
            if (s is null || !Substances.All.Contains(s)) errors.Add($"substances[{i}]", $"must be one of: {Substances.Allowed}");
            else if (!substances.Contains(s)) substances.Add(s);
        }
        return substances;
    }

    public static void ReadGrading(string? reliabilityText, int? credibility, ValidationErrors errors, out string? reliability)
    {
        reliability = reliabilityText?.Trim().ToUpperInvariant();
        if (reliability is not null && !SourceGrading.IsReliability(reliability))
            errors.Add("reliability", "must be A, B, C or D (reliability of the source), or X when it cannot be judged");
        if (credibility is not null && !SourceGrading.IsCredibility(credibility))
            errors.Add("credibility", "must be 1 to 4 (credibility of the information)");
    }

    public static HandlingCode ReadHandling(string? code, string? conditionsText, ValidationErrors errors, out string? conditions)
    {
        conditions = string.IsNullOrWhiteSpace(conditionsText) ? null : conditionsText.Trim();
        var handling = HandlingCode.H0;
        if (code is not null && !EnumText.TryParse(code, out handling))
            errors.Add("handlingCode", $"must be one of: {EnumText.Allowed<HandlingCode>()}");
        if (handling == HandlingCode.H3 && conditions is null) errors.Add("handlingConditions", "is required with h3: state the conditions");
        else if (handling != HandlingCode.H3 && conditions is not null) errors.Add("handlingConditions", "only with handling code h3");
        else if (conditions is { Length: > 500 }) errors.Add("handlingConditions", "must be at most 500 characters");
        return handling;
    }
}
