using JinDu.Contracts;

namespace JinDu.Screening.Contracts.Events;

/// <summary>
/// A parcel in a courier feed matched the watchlist or was suspicious on X-ray; a referral went back to
/// the courier. Subjects as tokens and masked values only.
/// </summary>
public sealed record ParcelFlagged : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The agency issuing the referral: the watchlisted lead's owner, else the outlet's county.</summary>
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required string Company { get; init; }
    public required string WaybillMasked { get; init; }
    public required string WaybillToken { get; init; }
    public required string OutletCode { get; init; }
    public required string OutletRegion { get; init; }
    public required DateTimeOffset AcceptedAt { get; init; }
    /// <summary>watchlist or xray_suspicious.</summary>
    public required string Reason { get; init; }
    /// <summary>hold or inspect.</summary>
    public required string Referral { get; init; }
    public required IReadOnlyList<FlaggedSubject> Subjects { get; init; }
    /// <summary>References of the leads whose watchlist entries matched, if any.</summary>
    public required IReadOnlyList<string> MatchedLeads { get; init; }
}
