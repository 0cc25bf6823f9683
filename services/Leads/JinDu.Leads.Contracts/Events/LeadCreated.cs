using JinDu.Contracts;

namespace JinDu.Leads.Contracts.Events;

/// <summary>A new lead exists. Carries a pointer and categories, never subject values.</summary>
public sealed record LeadCreated : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required Guid LeadId { get; init; }
    public required string Reference { get; init; }
    public required string OwnerAgency { get; init; }
    /// <summary>tip, checkpoint, courier, analyst or partner.</summary>
    public required string Source { get; init; }
    public required int Severity { get; init; }
    public required IReadOnlyList<string> Substances { get; init; }
    public required IReadOnlyList<string> SubjectTokens { get; init; }
}
