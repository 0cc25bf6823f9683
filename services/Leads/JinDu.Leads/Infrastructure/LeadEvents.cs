using JinDu.BuildingBlocks.Hosting;
using JinDu.Leads.Contracts.Events;
using JinDu.Leads.Model;

namespace JinDu.Leads.Infrastructure;

/// <summary>The integration events a lead's changes publish (through the outbox), built in one place.</summary>
public static class LeadEvents
{
    public static LeadCreated Created(Lead lead, DateTimeOffset now) => new()
    {
        EventId = Guid.CreateVersion7(),
        OccurredAt = now,
        ProducerAgency = lead.OwnerAgency,
        LeadId = lead.PublicId,
        Reference = lead.Reference,
        OwnerAgency = lead.OwnerAgency,
        Source = EnumText.Of(lead.Source),
        Severity = lead.Severity,
        Substances = lead.Substances.ToList(),
        SubjectTokens = lead.Subjects.Select(s => s.Token).ToList(),
    };

    public static WatchlistChanged WatchlistAdded(Lead lead, DateTimeOffset now, IEnumerable<string> tokens) =>
        Watchlist(lead, now, tokens.Distinct().ToList(), []);

    public static WatchlistChanged WatchlistRemoved(Lead lead, DateTimeOffset now, IEnumerable<string> tokens) =>
        Watchlist(lead, now, [], tokens.Distinct().ToList());

    private static WatchlistChanged Watchlist(Lead lead, DateTimeOffset now, List<string> added, List<string> removed) => new()
    {
        EventId = Guid.CreateVersion7(),
        OccurredAt = now,
        ProducerAgency = lead.OwnerAgency,
        LeadReference = lead.Reference,
        OwnerAgency = lead.OwnerAgency,
        Severity = lead.Severity,
        AddedTokens = added,
        RemovedTokens = removed,
    };

    public static LeadStatusChanged StatusChanged(Lead lead, LeadStatus from, DateTimeOffset now, string? mergedIntoReference) => new()
    {
        EventId = Guid.CreateVersion7(),
        OccurredAt = now,
        ProducerAgency = lead.OwnerAgency,
        LeadId = lead.PublicId,
        Reference = lead.Reference,
        OwnerAgency = lead.OwnerAgency,
        From = EnumText.Of(from),
        To = EnumText.Of(lead.Status),
        CloseReason = lead.CloseReason is { } reason ? EnumText.Of(reason) : null,
        MergedIntoReference = mergedIntoReference,
    };
}

/// <summary>
/// The clock of lead deadlines (hit confirmations). Its own registration so a test can move it forward
/// without moving token lifetimes or the outbox's timers with it.
/// </summary>
public sealed class LeadsClock(TimeProvider time)
{
    public TimeProvider Time => time;

    public DateTimeOffset Now => time.GetUtcNow();
}
