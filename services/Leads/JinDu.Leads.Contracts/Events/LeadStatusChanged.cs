using JinDu.Contracts;

namespace JinDu.Leads.Contracts.Events;

/// <summary>A lead moved along its lifecycle. A pointer and the new status, never subject values.</summary>
public sealed record LeadStatusChanged : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required Guid LeadId { get; init; }
    public required string Reference { get; init; }
    public required string OwnerAgency { get; init; }
    /// <summary>triaged, assigned, investigating, case_opened or closed.</summary>
    public required string From { get; init; }
    public required string To { get; init; }
    /// <summary>unfounded, merged or duplicate when closed.</summary>
    public string? CloseReason { get; init; }
    public string? MergedIntoReference { get; init; }
}
