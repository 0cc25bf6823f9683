using JinDu.Contracts;

namespace JinDu.Cooperation.Contracts.Events;

/// <summary>
/// Agency A asked agency B for assistance (协查) about one of A's leads. A pointer with categories: the question
/// itself (which may name people) stays in Cooperation, readable by the parties only.
/// </summary>
public sealed record AssistanceRequested : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required Guid RequestId { get; init; }
    public required string RequestingAgency { get; init; }
    public required string AssistingAgency { get; init; }
    public required Guid LeadId { get; init; }
    public required string LeadReference { get; init; }
    /// <summary>urgent or normal.</summary>
    public required string Priority { get; init; }
    public required IReadOnlyList<string> RequestedActions { get; init; }
    public required DateTimeOffset Deadline { get; init; }
}
