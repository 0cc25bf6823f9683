using JinDu.Contracts;

namespace JinDu.Leads.Contracts.Events;

/// <summary>
/// A deconfliction notice (冲突提示) for one owner: "agency X also has an active lead on a subject of your
/// lead <see cref="RecipientLeadReference"/>, contact …". A pointer only: which kind of subject, never its
/// value, token or mask, and nothing of the other lead beyond its reference, agency and contact.
/// Both owners get one, each naming the other.
/// </summary>
public sealed record LeadsCorrelated : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required string RecipientAgency { get; init; }
    public required Guid RecipientLeadId { get; init; }
    public required string RecipientLeadReference { get; init; }
    public required string OtherAgency { get; init; }
    public required string OtherAgencyName { get; init; }
    public required string OtherLeadReference { get; init; }
    /// <summary>Who to call at the other agency (its anti-drug office).</summary>
    public required string Contact { get; init; }
    /// <summary>person, vehicle, phone, parcel or address.</summary>
    public required string SubjectKind { get; init; }
}
