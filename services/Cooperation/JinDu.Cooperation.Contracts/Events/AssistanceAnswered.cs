using JinDu.Contracts;

namespace JinDu.Cooperation.Contracts.Events;

/// <summary>The assisting agency answered a request, or declined it (<see cref="Outcome"/>), at <see cref="OccurredAt"/>.</summary>
public sealed record AssistanceAnswered : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required Guid RequestId { get; init; }
    public required string RequestingAgency { get; init; }
    public required string AssistingAgency { get; init; }
    public required string LeadReference { get; init; }
    /// <summary>answered or declined.</summary>
    public required string Outcome { get; init; }
    public required int FindingCount { get; init; }
    /// <summary>Whether the answer came before the deadline.</summary>
    public required bool OnTime { get; init; }
}
