using JinDu.BuildingBlocks.Identifiers;

namespace JinDu.DataGenerator;

/// <summary>
/// One record of a courier's "three 100%" feed. <see cref="Version"/> is 1 for a waybill's first record and 2
/// for a later re-submission of the same waybill (same company, outlet and acceptance time, one field changed);
/// the latest version is the one that counts.
/// </summary>
public sealed record GeneratedParcel(
    string Waybill,
    string Company,
    string OutletCode,
    string OutletRegion,
    DateTimeOffset AcceptedAt,
    string SenderName,
    string? SenderIdNumber,
    string SenderPhone,
    string RecipientPhone,
    string RecipientRegion,
    string OriginRegion,
    string DestinationRegion,
    string DeclaredContents,
    int WeightGrams,
    bool RealNameVerified,
    bool OpenedAndInspected,
    string? Inspector,
    bool XRayed,
    string? XRayMachine,
    string? XRayResult,
    int Version)
{
    public bool AllThree => RealNameVerified && OpenedAndInspected && XRayed;

    public bool Suspicious => XRayResult == "suspicious";
}

/// <summary>A courier outlet (网点): "SF-522701-003" is 顺丰's outlet 003 in 都匀市.</summary>
public sealed record GeneratedOutlet(
    CourierCompany Company,
    string CompanyCode,
    string Code,
    string Region,
    IReadOnlyList<string> Inspectors,
    IReadOnlyList<string> XRayMachines);

public sealed record ParcelOptions
{
    /// <summary>The business day the parcels are accepted on (a calendar day at <see cref="UtcOffset"/>).</summary>
    public DateOnly Day { get; init; } = DateOnly.FromDateTime(DateTime.UtcNow + TimeSpan.FromHours(8));

    /// <summary>
    /// The offset the day is counted in: China Standard Time (+08:00) by default, as the platform's roll-ups
    /// count it, so AcceptedAt runs from the day before 16:00Z to the day 16:00Z.
    /// </summary>
    public TimeSpan UtcOffset { get; init; } = TimeSpan.FromHours(8);

    /// <summary>
    /// No acceptance time later than this (for "today so far": the platform refuses times in the future);
    /// null: the whole day. The records are squeezed into the part of the day before it.
    /// </summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>Records to produce, re-submissions included (distinct waybills = Count − re-submissions).</summary>
    public int Count { get; init; } = 1000;

    /// <summary>Share of (final) parcels failing at least one of the three checks.</summary>
    public double NonCompliantShare { get; init; } = 0.02;

    /// <summary>Share of (final) parcels whose X-ray result is suspicious.</summary>
    public double SuspiciousShare { get; init; } = 0.001;

    /// <summary>Share of records that re-submit an earlier waybill with one field changed (below 0.5).</summary>
    public double DuplicateShare { get; init; } = 0.01;

    public IReadOnlyList<CourierCompany> Companies { get; init; } = Enum.GetValues<CourierCompany>();

    /// <summary>Outlets per company; the first ones are in the demo counties so demo agencies see data.</summary>
    public int OutletsPerCompany { get; init; } = 20;

    /// <summary>Counties every company has an outlet in (the demo agencies of 黔南州).</summary>
    public IReadOnlyList<string> DemoCounties { get; init; } = ["522722", "522726", "522701"];
}
