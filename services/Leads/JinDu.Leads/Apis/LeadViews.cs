using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.Leads.Correlation;
using JinDu.Leads.Model;

namespace JinDu.Leads.Apis;

public sealed record LeadSubjectView(string Kind, string Masked);

/// <summary>A subject in full: only for a supervisor who asked (?reveal=true), audited.</summary>
public sealed record RevealedSubjectView(string Kind, string Value);

public sealed record TimelineView(DateTimeOffset At, string Actor, string Action, string Detail);

/// <summary>Another lead sharing a subject: a pointer (reference, agency, contact), nothing of its contents.</summary>
public sealed record LeadLinkView(Guid LeadId, string Reference, string Agency, string Contact, string SubjectKind, DateTimeOffset LinkedAt);

public sealed record LeadView(
    Guid Id, string Reference, string OwnerAgency, string Source, Guid? SourceId, string Status, int Severity,
    string Summary, IReadOnlyList<string> Substances, IReadOnlyList<LeadSubjectView> Subjects,
    string? Reliability, int? Credibility, string? Grading, string SharingLevel, string HandlingCode, string? HandlingConditions,
    string? Assignee, string? CaseNumber, string? CloseReason, Guid? MergedInto,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? TriagedAt,
    IReadOnlyList<LeadLinkView>? Links, IReadOnlyList<TimelineView>? Timeline)
{
    public IReadOnlyList<RevealedSubjectView>? Revealed { get; init; }

    /// <summary>Set on a lead another agency shared with the caller: who to contact about it.</summary>
    public string? Contact { get; init; }

    /// <summary>
    /// What a recipient of a shared lead sees: the lead and its subjects masked, the grading and the handling code —
    /// not the owner's working notes (timeline, assignee, case number, links, where it came from).
    /// </summary>
    public static LeadView SharedOf(Lead l, DivisionCatalog divisions) => new(
        l.PublicId, l.Reference, l.OwnerAgency, EnumText.Of(l.Source), null, EnumText.Of(l.Status), l.Severity, l.Summary,
        l.Substances, l.Subjects.Select(s => new LeadSubjectView(EnumText.Of(s.Kind), s.Masked)).ToList(),
        l.Reliability, l.Credibility, l.Reliability is not null && l.Credibility is not null ? $"{l.Reliability}{l.Credibility}" : null,
        EnumText.Of(l.Sharing), EnumText.Of(l.Handling), l.HandlingConditions,
        null, null, null, null, l.CreatedAt, l.UpdatedAt, null, null, null)
    {
        Contact = divisions.ContactOf(l.OwnerAgency),
    };

    public static LeadView Of(Lead l, DivisionCatalog divisions, bool withDetails) => new(
        l.PublicId, l.Reference, l.OwnerAgency, EnumText.Of(l.Source), l.SourceId, EnumText.Of(l.Status), l.Severity, l.Summary,
        l.Substances, l.Subjects.Select(s => new LeadSubjectView(EnumText.Of(s.Kind), s.Masked)).ToList(),
        l.Reliability, l.Credibility, l.Reliability is not null && l.Credibility is not null ? $"{l.Reliability}{l.Credibility}" : null,
        EnumText.Of(l.Sharing), EnumText.Of(l.Handling), l.HandlingConditions,
        l.Assignee, l.CaseNumber, l.CloseReason is { } r ? EnumText.Of(r) : null, l.MergedInto,
        l.CreatedAt, l.UpdatedAt, l.TriagedAt,
        withDetails ? l.Links.OrderBy(k => k.LinkedAt).Select(k => new LeadLinkView(k.OtherLeadId, k.OtherReference, k.OtherAgency,
            divisions.ContactOf(k.OtherAgency), EnumText.Of(k.Kind), k.LinkedAt)).ToList() : null,
        withDetails ? l.Timeline.OrderBy(t => t.At).Select(t => new TimelineView(t.At, t.Actor, t.Action, t.Detail)).ToList() : null);
}
