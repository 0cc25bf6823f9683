using JinDu.Contracts;

namespace JinDu.Screening.Contracts.Events;

/// <summary>
/// An inspection that was not flagged (result clear) but whose subject is on the watchlist: the person or
/// vehicle passed a checkpoint. Flagged inspections say as much in <see cref="InspectionFlagged"/>; this one
/// tells Leads, so each matched lead's owner in another agency gets a hit to confirm. Only the matched
/// subjects travel, as tokens and masked values.
/// </summary>
public sealed record WatchlistHitRecorded : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required Guid InspectionId { get; init; }
    public required Guid CheckpointId { get; init; }
    public required string CheckpointName { get; init; }
    public required DateTimeOffset InspectedAt { get; init; }
    public required IReadOnlyList<FlaggedSubject> Subjects { get; init; }
    /// <summary>The references of the leads the subjects matched.</summary>
    public required IReadOnlyList<string> MatchedLeads { get; init; }
}
