using JinDu.Contracts;

namespace JinDu.Cooperation.Contracts.Events;

/// <summary>A request passed its deadline unanswered and was escalated to the assisting agency's prefecture.</summary>
public sealed record AssistanceOverdue : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required Guid RequestId { get; init; }
    public required string RequestingAgency { get; init; }
    public required string AssistingAgency { get; init; }
    public required string EscalatedTo { get; init; }
    public required string LeadReference { get; init; }
    public required DateTimeOffset Deadline { get; init; }
}
