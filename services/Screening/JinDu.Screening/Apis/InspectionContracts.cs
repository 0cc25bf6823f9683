namespace JinDu.Screening.Apis;

public sealed record SubjectInput(string? IdNumber, string? Name, string? Plate, string? Phone, string? Waybill);

public sealed record SeizureInput(string? Substance, decimal? Grams);

/// <summary>POST /api/screening/v1/inspections. Enumerations are lower-case strings.</summary>
public sealed record PostInspectionRequest(
    Guid? CheckpointId,
    DateTimeOffset? InspectedAt,
    string? Method,
    string? Result,
    SubjectInput? Subject,
    IReadOnlyList<SeizureInput>? Seizures,
    string? Notes);

public sealed record SubjectView(string Kind, string Masked, string? HouseholdCode);

public sealed record SeizureView(string Substance, decimal Grams);

public sealed record WatchlistHitView(string Kind, string Masked, string LeadReference, string OwnerAgency, string Contact, int Severity);

public sealed record WatchlistView(bool Checked, IReadOnlyList<WatchlistHitView> Hits, string? Message);

public sealed record InspectionView(
    Guid Id,
    Guid CheckpointId,
    string CheckpointName,
    string Agency,
    string Officer,
    DateTimeOffset InspectedAt,
    DateTimeOffset RecordedAt,
    string Method,
    string Result,
    bool Flagged,
    IReadOnlyList<SubjectView> Subjects,
    IReadOnlyList<SeizureView> Seizures,
    string? Notes,
    WatchlistView? Watchlist)
{
    /// <summary>The identifiers in full, only on ?reveal=true for a supervisor, and only ever audited.</summary>
    public IReadOnlyList<RevealedSubjectView>? Revealed { get; init; }
}

public sealed record RevealedSubjectView(string Kind, string Value, string? Name);
