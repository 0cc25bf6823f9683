using JinDu.Contracts;

namespace JinDu.Screening.Contracts.Events;

/// <summary>
/// An inspection whose result was suspicious, a positive drug test or a seizure.
/// Subjects travel as keyed tokens and masked values only: never plaintext personal data.
/// </summary>
public sealed record InspectionFlagged : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required Guid InspectionId { get; init; }
    public required Guid CheckpointId { get; init; }
    public required string CheckpointName { get; init; }
    /// <summary>lower-case result: suspicious, positive_test or seizure.</summary>
    public required string Result { get; init; }
    public required DateTimeOffset InspectedAt { get; init; }
    public required IReadOnlyList<FlaggedSubject> Subjects { get; init; }
    public required IReadOnlyList<SeizureLine> Seizures { get; init; }
}

/// <param name="Token">HMAC-SHA256 token of the normalised identifier (the platform's matching key).</param>
/// <param name="Masked">The identifier masked for display, e.g. 5227**********1234.</param>
/// <param name="HouseholdCode">For a person's ID number, the 6-digit division code it was issued in.</param>
public sealed record FlaggedSubject(SubjectKind Kind, string Token, string Masked, string? HouseholdCode);

/// <param name="Substance">lower-case substance code, e.g. methamphetamine.</param>
public sealed record SeizureLine(string Substance, decimal Grams);
