using JinDu.Contracts;

namespace JinDu.Screening.Contracts.Events;

/// <summary>
/// An outlet's day fell under 100% on the "three 100%" rule. Raised once per outlet and day, with the
/// counts at the moment it was noticed; the roll-up itself keeps counting.
/// </summary>
public sealed record CourierComplianceBreached : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The county where the outlet is.</summary>
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required string Company { get; init; }
    public required string OutletCode { get; init; }
    /// <summary>The outlet's day in China Standard Time (UTC+8).</summary>
    public required DateOnly Day { get; init; }
    public required int Parcels { get; init; }
    public required int RealNameVerified { get; init; }
    public required int OpenedAndInspected { get; init; }
    public required int XRayed { get; init; }
    public required int AllThree { get; init; }
}
