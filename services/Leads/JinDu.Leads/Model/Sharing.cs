namespace JinDu.Leads.Model;

/// <summary>How an agency other than the owner came to see a lead.</summary>
public enum RecipientVia
{
    Partners,
    Group,
    /// <summary>An owner's grant of a request for access (调阅申请), with an expiry.</summary>
    Grant,
}

/// <summary>
/// An agency that may see a lead besides its owner (and, at prefecture level, the owner's prefecture): named
/// partners, a sharing group's members, or a time-limited grant.
/// </summary>
public sealed class LeadRecipient
{
    public string Agency { get; set; } = "";
    public RecipientVia Via { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset At { get; set; }
    public string By { get; set; } = "";
}

public enum DecisionStatus
{
    Pending,
    Approved,
    Refused,
}

/// <summary>An analyst's proposal to share a lead with partners or a group: waits for a supervisor of the owner.</summary>
public sealed class SharingRequest
{
    public long Id { get; set; }
    public Guid PublicId { get; set; }
    public long LeadId { get; set; }
    public string OwnerAgency { get; set; } = "";
    public SharingLevel Level { get; set; }
    public List<string> Agencies { get; set; } = [];
    public string? GroupName { get; set; }
    public HandlingCode Handling { get; set; }
    public string? HandlingConditions { get; set; }
    public string RequestedBy { get; set; } = "";
    public DateTimeOffset RequestedAt { get; set; }
    public DecisionStatus Status { get; set; }
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? Reason { get; set; }
}

/// <summary>调阅申请: an agency holding only a pointer to a lead asks its owner to see it.</summary>
public sealed class AccessRequest
{
    public static readonly TimeSpan MaxGrant = TimeSpan.FromDays(90);

    public long Id { get; set; }
    public Guid PublicId { get; set; }
    public long LeadId { get; set; }
    public string LeadReference { get; set; } = "";
    public string OwnerAgency { get; set; } = "";
    public string RequesterAgency { get; set; } = "";
    public string RequestedBy { get; set; } = "";
    public string Reason { get; set; } = "";
    public DateTimeOffset RequestedAt { get; set; }
    public DecisionStatus Status { get; set; }
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public string? Answer { get; set; }
    public int Version { get; set; }
}
