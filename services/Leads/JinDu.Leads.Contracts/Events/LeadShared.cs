using JinDu.Contracts;

namespace JinDu.Leads.Contracts.Events;

/// <summary>
/// A lead was shared beyond its owner (分享), or access to it was granted. Carries what every recipient may see
/// and no more: the pointer, its category, substances, severity and the handling code — never subject values,
/// masks or tokens, nor the summary (recipients read that through the API, where each read is audited).
/// </summary>
public sealed record LeadShared : IIntegrationEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ProducerAgency { get; init; }
    public int SchemaVersion { get; init; } = 1;

    public required Guid LeadId { get; init; }
    public required string Reference { get; init; }
    public required string OwnerAgency { get; init; }
    public required string Contact { get; init; }
    /// <summary>prefecture, partners, group, or grant (a request for access that the owner granted).</summary>
    public required string Level { get; init; }
    /// <summary>The prefecture (code ending 00) when shared at prefecture level; otherwise null.</summary>
    public string? Prefecture { get; init; }
    /// <summary>The agencies it is shared with by name (partners, a group's members, a grantee).</summary>
    public required IReadOnlyList<string> RecipientAgencies { get; init; }
    public string? GroupName { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>tip, checkpoint, courier, analyst or partner.</summary>
    public required string Source { get; init; }
    public required IReadOnlyList<string> Substances { get; init; }
    public required int Severity { get; init; }
    /// <summary>h0–h3 (DESIGN.md §2); h3 with its conditions.</summary>
    public required string HandlingCode { get; init; }
    public string? HandlingConditions { get; init; }
    /// <summary>The kinds of subject the lead has (person, phone, …), without values.</summary>
    public required IReadOnlyList<string> SubjectKinds { get; init; }
}
