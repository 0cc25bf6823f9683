using JinDu.Contracts;

namespace JinDu.Leads.Contracts.Events;

/// <summary>
/// A checkpoint or parcel hit in <see cref="HitAgency"/> matched an active lead of <see cref="OwnerAgency"/>, who must
/// confirm or deny it by <see cref="DueAt"/> (比中核实). A pointer: the owner's own lead, the hit's agency and whom to
/// call there — never the subject, the checkpoint's record or the parcel.
/// </summary>
public sealed record HitConfirmationRequested : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required Guid TaskId { get; init; }
    public required Guid LeadId { get; init; }
    public required string LeadReference { get; init; }
    public required string OwnerAgency { get; init; }
    public required string HitAgency { get; init; }
    /// <summary>Who to call at the hit's agency (its anti-drug office).</summary>
    public required string HitContact { get; init; }
    /// <summary>checkpoint or courier.</summary>
    public required string HitSource { get; init; }
    /// <summary>urgent (10 minutes) or routine (1 hour).</summary>
    public required string Urgency { get; init; }
    public required DateTimeOffset DueAt { get; init; }
}
