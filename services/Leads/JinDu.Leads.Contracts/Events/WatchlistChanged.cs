using JinDu.Contracts;

namespace JinDu.Leads.Contracts.Events;

/// <summary>
/// Tokens joined or left the watchlist (布控) for one lead. Tokens only: the watchlist never holds
/// identifier values.
/// </summary>
public sealed record WatchlistChanged : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required string LeadReference { get; init; }
    public required string OwnerAgency { get; init; }
    public required int Severity { get; init; }
    public required IReadOnlyList<string> AddedTokens { get; init; }
    public required IReadOnlyList<string> RemovedTokens { get; init; }
}
