using JinDu.Contracts;

namespace JinDu.Cooperation.Contracts.Events;

/// <summary>
/// Notices were put into a recipient agency's delivery stream, each at its sequence number: the notices one transaction
/// wrote for one recipient from one source agency, in stream order. A batch of events announces its notices with one of
/// these per recipient and source, not one per notice: at 200 flags/s one per notice was 800 events a second through the
/// outbox and the broker (partner-latency).
/// <para>Schema 2. Schema 1 carried one notice in NotificationId, Sequence and Type.</para>
/// </summary>
public sealed record NotificationIssued : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The agency whose event caused the notices (the flagging county, a lead's owner, …).</summary>
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 2;

    public required string RecipientAgency { get; init; }
    /// <summary>At least one; in stream order.</summary>
    public required IReadOnlyList<IssuedNotice> Notices { get; init; }
}

/// <summary>One notice in a recipient's stream.</summary>
/// <param name="Type">household_notice, lead_shared, deconfliction, …</param>
public sealed record IssuedNotice(Guid NotificationId, long Sequence, string Type);
