using System.Security.Claims;
using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Identifiers;
using JinDu.BuildingBlocks.Messaging;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;
using JinDu.Leads.Consumers;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Apis;

/// <summary>
/// A tip from the public: what happened (<c>text</c>), the county it is about (<c>county</c>, a 6-digit division
/// code, as a tip form's list of counties gives it), and optionally an <c>address</c>, identifiers
/// (<c>subjects</c>: person, vehicle, phone, parcel) and a <c>contact</c> for a reward.
/// </summary>
public sealed record SubmitTipRequest(string? Text, string? County, string? Address, IReadOnlyList<SubjectInput>? Subjects, string? Contact);

/// <summary>What the tipster gets back: the receipt code (shown once; the platform keeps only its hash).</summary>
public sealed record TipReceiptView(string ReceiptCode, string Status, DateTimeOffset ReceivedAt);

/// <summary>All a receipt code shows: how far the tip has got and whether a reward was granted.</summary>
public sealed record TipStatusView(string Status, string Reward);

public sealed record ReceivedTipView(Guid Id, Guid LeadId, string LeadReference, string County, DateTimeOffset ReceivedAt, string Status,
    string Reward, string? RewardDecidedBy, DateTimeOffset? RewardDecidedAt, string? ContactMasked)
{
    /// <summary>The contact in full: only for a supervisor who asked (?reveal=true), audited.</summary>
    public string? Contact { get; init; }
}

public sealed record RewardRequest(bool? Granted, string? Note);

/// <summary>
/// 举报: the public's tip endpoints (no token) and the receiving agency's side. Nothing about the tipster is
/// stored beyond what they typed: the audit entries of these endpoints carry no address, and the receipt code is
/// kept only as a hash. The gateway limits the rate per client address and the body size; the service caps the
/// body too, for the standalone mode.
/// </summary>
public static class TipsApi
{
    public const int MaxBodyBytes = 16 * 1024;
    public const int MaxText = 4000;
    public const int MaxSubjects = 10;
    private static readonly ClaimsPrincipal Public = new(new ClaimsIdentity([new Claim(JinDuClaims.Subject, "public")]));

    public static IEndpointRouteBuilder MapTipsApi(this IEndpointRouteBuilder app)
    {
        var tips = app.MapGroup("/api/leads/v1/tips").WithGroupName(LeadsApi.Group).WithTags("Tips from the public").AllowAnonymous();
        tips.MapPost("/", SubmitAsync).WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .WithSummary("Submit an anonymous tip; the answer's receipt code is the only way to follow it up");
        tips.MapGet("/{receiptCode}", StatusAsync).WithSummary("A tip's status and whether a reward was granted, by its receipt code");

        var received = app.MapGroup("/api/leads/v1/received-tips").WithGroupName(LeadsApi.Group).WithTags("Tips from the public")
            .RequireAuthorization(p => p.RequireRole(Roles.Analyst, Roles.Supervisor));
        received.MapGet("/", ListAsync).WithSummary("The agency's tips, newest first");
        received.MapGet("/{id:guid}", GetAsync)
            .WithSummary("One tip; ?reveal=true (a supervisor) adds the contact the tipster left, audited — to pay a reward");
        received.MapPost("/{id:guid}/reward", DecideRewardAsync).RequireAuthorization(p => p.RequireRole(Roles.Supervisor))
            .WithSummary("A supervisor of the tip's county grants a reward or not");
        return app;
    }

    private static async Task<IResult> SubmitAsync(SubmitTipRequest request, HttpContext http, LeadsDbContext db, DivisionCatalog divisions,
        PersonalDataProtector protector, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        var text = request.Text?.Trim() ?? "";
        if (text.Length == 0) errors.Add("text", "is required: say what you saw");
        else if (text.Length > MaxText) errors.Add("text", $"must be at most {MaxText} characters");
        var county = request.County?.Trim();
        var division = divisions.Find(county);
        if (string.IsNullOrEmpty(county)) errors.Add("county", "is required: the county (6-digit division code) the tip is about");
        else if (division is not { Level: DivisionLevel.County }) errors.Add("county", "is not a county's division code");
        if (request.Subjects is { Count: > MaxSubjects }) errors.Add("subjects", $"at most {MaxSubjects}");
        var subjects = request.Subjects is { Count: > MaxSubjects } ? [] : CreateLead.ReadSubjects(request.Subjects, "subjects", protector, Times.BeijingToday(time), errors);
        if (!string.IsNullOrWhiteSpace(request.Address))
        {
            if (request.Address.Length > SubjectValues.MaxAddressLength) errors.Add("address", $"must be at most {SubjectValues.MaxAddressLength} characters");
            else subjects.AddRange(CreateLead.ReadSubjects([new SubjectInput("address", request.Address)], "address", protector, Times.BeijingToday(time), errors)
                .Where(a => subjects.All(s => s.Token != a.Token)));
        }
        var contact = request.Contact?.Trim();
        if (contact is { Length: > 100 }) errors.Add("contact", "must be at most 100 characters");
        // Field names and what is wrong, never the values: a tip is not echoed back.
        if (!errors.IsValid) return errors.ToResult();

        var now = time.GetUtcNow();
        var code = ReceiptCode.New();
        var lead = new Lead
        {
            PublicId = Guid.CreateVersion7(),
            OwnerAgency = division!.Code,
            Source = LeadSource.Tip,
            Status = LeadStatus.New,
            Severity = 2,
            Summary = text,
            CreatedAt = now,
            UpdatedAt = now,
            Subjects = subjects,
        };
        lead.Reference = await LeadReference.UnusedAsync(db, lead, ct);
        var tip = new Tip
        {
            PublicId = Guid.CreateVersion7(),
            ReceiptHash = ReceiptCode.Hash(code),
            Agency = lead.OwnerAgency,
            ReceivedAt = now,
            ContactEncrypted = string.IsNullOrEmpty(contact) ? null : protector.Encrypt(contact),
            ContactMasked = string.IsNullOrEmpty(contact) ? null : MaskContact(contact),
            Reward = RewardDecision.Undecided,
        };
        lead.SourceId = tip.PublicId;
        lead.Record(now, "public", "created_from_tip", $"{subjects.Count} subject(s)" + (contact is { Length: > 0 } ? ", contact left" : ""));
        db.Leads.Add(lead);
        db.OutboxMessages.Add(OutboxMessage.From(LeadEvents.Created(lead, now)));
        // Not on the watchlist yet: an analyst triages an anonymous tip first (see LeadScope.Watched).
        tip.Lead = lead;
        db.Tips.Add(tip);
        audit.Record(db, Public, "submit_tip", $"tip/{tip.PublicId}", from: null);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/leads/v1/tips/{code}", new TipReceiptView(code, "received", now));
    }

    private static async Task<IResult> StatusAsync(string receiptCode, LeadsDbContext db, CancellationToken ct)
    {
        if (!ReceiptCode.LooksValid(receiptCode)) return Problems.NotFoundProblem("The tip");
        var hash = ReceiptCode.Hash(receiptCode);
        var found = await db.Tips.AsNoTracking().Where(t => t.ReceiptHash == hash)
            .Join(db.Leads, t => t.LeadId, l => l.Id, (t, l) => new { t.Reward, l.Status })
            .FirstOrDefaultAsync(ct);
        return found is null ? Problems.NotFoundProblem("The tip") : TypedResults.Ok(new TipStatusView(PublicStatus(found.Status), EnumText.Of(found.Reward)));
    }

    /// <summary>What a tipster may know of the work on their tip: whether it is being looked at and how it ended.</summary>
    public static string PublicStatus(LeadStatus status) => status switch
    {
        LeadStatus.New => "received",
        LeadStatus.CaseOpened => "case_opened",
        LeadStatus.Closed => "closed",
        _ => "being_checked",
    };

    private static async Task<IResult> ListAsync(HttpContext http, LeadsDbContext db, CancellationToken ct)
    {
        var agency = http.User.Agency();
        var rows = await db.Tips.AsNoTracking().Where(t => t.Agency == agency)
            .Join(db.Leads, t => t.LeadId, l => l.Id, (t, l) => new { Tip = t, l.PublicId, l.Reference, l.Status })
            .OrderByDescending(x => x.Tip.Id).Take(200).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(x => View(x.Tip, x.PublicId, x.Reference, x.Status)).ToList());
    }

    private static async Task<IResult> GetAsync(Guid id, bool? reveal, HttpContext http, LeadsDbContext db, PersonalDataProtector protector,
        AuditTrail audit, CancellationToken ct)
    {
        var agency = http.User.Agency();
        var found = await db.Tips.AsNoTracking().Where(t => t.PublicId == id && t.Agency == agency)
            .Join(db.Leads, t => t.LeadId, l => l.Id, (t, l) => new { Tip = t, l.PublicId, l.Reference, l.Status })
            .FirstOrDefaultAsync(ct);
        if (found is null) return Problems.NotFoundProblem("The tip");
        var view = View(found.Tip, found.PublicId, found.Reference, found.Status);
        if (reveal != true) return TypedResults.Ok(view);
        var target = $"tip/{found.Tip.PublicId}";
        if (!http.User.IsInRole(Roles.Supervisor))
        {
            audit.Record(db, http, "read_personal_data", target, outcome: "denied");
            await db.SaveChangesAsync(ct);
            return TypedResults.Problem(title: "Forbidden", detail: "Only a supervisor may see a tipster's contact.", statusCode: StatusCodes.Status403Forbidden);
        }
        audit.Record(db, http, "read_personal_data", target, detail: "contact");
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(view with { Contact = found.Tip.ContactEncrypted is null ? null : protector.Decrypt(found.Tip.ContactEncrypted) });
    }

    private static async Task<IResult> DecideRewardAsync(Guid id, RewardRequest request, HttpContext http, LeadsDbContext db, AuditTrail audit,
        TimeProvider time, CancellationToken ct)
    {
        var agency = http.User.Agency();
        // Only the agency for the place named decides; any other answers 404.
        var tip = await db.Tips.FirstOrDefaultAsync(t => t.PublicId == id && t.Agency == agency, ct);
        if (tip is null) return Problems.NotFoundProblem("The tip");
        var errors = new ValidationErrors();
        if (request.Granted is null) errors.Add("granted", "is required: true or false");
        var note = request.Note?.Trim();
        if (note is { Length: > 1000 }) errors.Add("note", "must be at most 1000 characters");
        if (!errors.IsValid) return errors.ToResult();
        if (tip.Reward != RewardDecision.Undecided) return Problems.ConflictProblem($"The reward was already decided ({EnumText.Of(tip.Reward)}) by {tip.RewardDecidedBy}.");

        var now = time.GetUtcNow();
        var lead = await db.Leads.FirstAsync(l => l.Id == tip.LeadId, ct);
        tip.Reward = request.Granted!.Value ? RewardDecision.Granted : RewardDecision.NotGranted;
        tip.RewardDecidedBy = http.User.CallerId();
        tip.RewardDecidedAt = now;
        tip.RewardNote = string.IsNullOrEmpty(note) ? null : note;
        tip.Version++;
        lead.Record(now, tip.RewardDecidedBy, "reward_" + EnumText.Of(tip.Reward), note ?? "");
        lead.Version++;
        audit.Record(db, http, "decide_reward", $"tip/{tip.PublicId}", detail: EnumText.Of(tip.Reward));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.ConflictProblem("The tip was decided by someone else at the same time; reload it.");
        }
        return TypedResults.Ok(View(tip, lead.PublicId, lead.Reference, lead.Status));
    }

    private static ReceivedTipView View(Tip t, Guid leadId, string reference, LeadStatus status) => new(
        t.PublicId, leadId, reference, t.Agency, t.ReceivedAt, EnumText.Of(status), EnumText.Of(t.Reward), t.RewardDecidedBy, t.RewardDecidedAt, t.ContactMasked);

    private static string MaskContact(string contact) =>
        MobileNumber.TryNormalize(contact, out var phone, out _) ? Mask.Phone(phone)
        : contact.Length <= 2 ? new string('*', contact.Length) : contact[..1] + new string('*', Math.Min(contact.Length - 2, 8)) + contact[^1..];
}
