namespace JinDu.Contracts;

/// <summary>
/// What every integration event carries (DESIGN.md §3): an id that consumers use to apply it once,
/// when it happened (UTC), the agency whose action produced it, and the schema version of its shape.
/// Events are immutable records; their full type name is part of the contract and must never move.
/// </summary>
public interface IIntegrationEvent
{
    Guid EventId { get; }
    DateTimeOffset OccurredAt { get; }
    string ProducerAgency { get; }
    int SchemaVersion { get; }
}
