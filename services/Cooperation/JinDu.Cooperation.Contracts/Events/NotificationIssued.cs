using JinDu.Contracts;

namespace JinDu.Cooperation.Contracts.Events;

/// <summary>A notification was put into a recipient agency's delivery stream at a sequence number.</summary>
public sealed record NotificationIssued : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required Guid NotificationId { get; init; }
    public required string RecipientAgency { get; init; }
    public required long Sequence { get; init; }
    /// <summary>household_county, lead_shared, deconfliction, …</summary>
    public required string Type { get; init; }
}
