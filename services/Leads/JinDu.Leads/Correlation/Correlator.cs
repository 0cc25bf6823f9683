using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Contracts.Events;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Correlation;

/// <summary>
/// 串并: when a lead gains subjects, every other active lead (of any agency) with one of the same tokens is
/// linked to it, both ways, and each owner gets a deconfliction notice naming the other — a pointer only.
/// Runs inside the caller's unit of work, so links and notices commit with the change that caused them.
/// </summary>
public sealed class Correlator(LeadsDbContext db, DivisionCatalog divisions, ILogger<Correlator> log)
{
    /// <summary>At most this many leads are linked to one lead per change, so one very common token cannot fan out without bound.</summary>
    public const int MaxLinks = 100;

    public async Task LinkAsync(Lead lead, IReadOnlyCollection<LeadSubject> newSubjects, DateTimeOffset now, CancellationToken ct, long except = 0)
    {
        if (newSubjects.Count == 0) return;
        var tokens = newSubjects.Select(s => s.Token).Distinct().ToList();
        var others = await db.Leads
            // except: a lead closing in this same unit of work, still active in the database.
            .Where(LeadScope.Watched)
            .Where(l => l.Id != lead.Id && l.Id != except && l.Subjects.Any(s => tokens.Contains(s.Token)))
            .OrderBy(l => l.Id)
            .Take(MaxLinks)
            .ToListAsync(ct);
        Link(lead, newSubjects, now, others);
    }

    /// <summary>
    /// Links <paramref name="lead"/> to the watched leads among <paramref name="candidates"/> that have one of the new
    /// subjects' tokens, judged on their state in this unit of work. Candidates come in id order, leads not yet saved
    /// last in the order they were made (what a query would return had each been saved before the next change).
    /// </summary>
    public void Link(Lead lead, IReadOnlyCollection<LeadSubject> newSubjects, DateTimeOffset now, IEnumerable<Lead> candidates)
    {
        if (newSubjects.Count == 0) return;
        var tokens = newSubjects.Select(s => s.Token).ToHashSet(StringComparer.Ordinal);
        var others = candidates
            .Where(o => !ReferenceEquals(o, lead) && LeadScope.IsWatched(o) && o.Subjects.Any(s => tokens.Contains(s.Token)))
            .Take(MaxLinks);
        foreach (var other in others)
        {
            if (other.PublicId == lead.PublicId || lead.Links.Any(k => k.OtherLeadId == other.PublicId)) continue;
            var kind = other.Subjects.First(s => tokens.Contains(s.Token)).Kind;
            lead.Links.Add(new LeadLink { OtherLeadId = other.PublicId, OtherReference = other.Reference, OtherAgency = other.OwnerAgency, Kind = kind, LinkedAt = now });
            other.Links.Add(new LeadLink { OtherLeadId = lead.PublicId, OtherReference = lead.Reference, OtherAgency = lead.OwnerAgency, Kind = kind, LinkedAt = now });
            lead.Record(now, "platform", "correlated", $"{other.Reference} ({Name(other.OwnerAgency)}) shares a {EnumText.Of(kind)}");
            other.Record(now, "platform", "correlated", $"{lead.Reference} ({Name(lead.OwnerAgency)}) shares a {EnumText.Of(kind)}");
            other.Version++;
            db.OutboxMessages.Add(OutboxMessage.From(Notice(lead, other, kind, now)));
            db.OutboxMessages.Add(OutboxMessage.From(Notice(other, lead, kind, now)));
            log.LogInformation("Leads {Reference} and {Other} correlated on a {Kind}", lead.Reference, other.Reference, kind);
        }
    }

    private string Name(string agency) => divisions.Find(agency)?.Name ?? agency;

    private LeadsCorrelated Notice(Lead recipient, Lead other, JinDu.Contracts.SubjectKind kind, DateTimeOffset now) => new()
    {
        EventId = Guid.CreateVersion7(),
        OccurredAt = now,
        ProducerAgency = recipient.OwnerAgency,
        RecipientAgency = recipient.OwnerAgency,
        RecipientLeadId = recipient.PublicId,
        RecipientLeadReference = recipient.Reference,
        OtherAgency = other.OwnerAgency,
        OtherAgencyName = Name(other.OwnerAgency),
        OtherLeadReference = other.Reference,
        Contact = divisions.ContactOf(other.OwnerAgency),
        SubjectKind = EnumText.Of(kind),
    };
}
