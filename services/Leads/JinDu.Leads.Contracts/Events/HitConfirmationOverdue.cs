using JinDu.Contracts;

namespace JinDu.Leads.Contracts.Events;

/// <summary>
/// A hit-confirmation task (比中核实) passed its deadline unanswered: escalated to the owner's prefecture.
/// Pointers and times only.
/// </summary>
public sealed record HitConfirmationOverdue : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required Guid TaskId { get; init; }
    public required string LeadReference { get; init; }
    public required string OwnerAgency { get; init; }
    /// <summary>The prefecture-level agency the task escalates to.</summary>
    public required string EscalateTo { get; init; }
    public required string HitAgency { get; init; }
    /// <summary>urgent or routine.</summary>
    public required string Urgency { get; init; }
    public required DateTimeOffset DueAt { get; init; }
}
