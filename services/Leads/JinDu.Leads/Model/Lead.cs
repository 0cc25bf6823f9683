using JinDu.Contracts;

namespace JinDu.Leads.Model;

public enum LeadSource
{
    Tip,
    Checkpoint,
    Courier,
    Analyst,
    Partner,
}

public enum LeadStatus
{
    New,
    Triaged,
    Assigned,
    Investigating,
    CaseOpened,
    Closed,
}

/// <summary>Why a lead was closed.</summary>
public enum CloseReason
{
    Unfounded,
    Merged,
    Duplicate,
}

/// <summary>Who may see a lead (DESIGN.md §2).</summary>
public enum SharingLevel
{
    Internal,
    Prefecture,
    Partners,
    Group,
}

/// <summary>What a recipient may do with a lead (DESIGN.md §2, after Europol's H-codes).</summary>
public enum HandlingCode
{
    H0,
    H1,
    H2,
    H3,
}

/// <summary>A piece of intelligence owned by one agency (线索).</summary>
public sealed class Lead
{
    public long Id { get; set; }
    public Guid PublicId { get; set; }
    /// <summary>Human reference, e.g. XS-522722-20261125-3F9A1C: quoted on the phone between agencies.</summary>
    public string Reference { get; set; } = "";
    public string OwnerAgency { get; set; } = "";
    public LeadSource Source { get; set; }
    /// <summary>The id of what it came from (inspection, parcel, tip).</summary>
    public Guid? SourceId { get; set; }
    public LeadStatus Status { get; set; }
    public int Severity { get; set; }
    public string Summary { get; set; } = "";
    public List<string> Substances { get; set; } = [];
    /// <summary>Source reliability A–D or X (cannot be judged); null until someone grades it.</summary>
    public string? Reliability { get; set; }
    /// <summary>Credibility of the information 1–4; null until someone grades it.</summary>
    public int? Credibility { get; set; }
    public SharingLevel Sharing { get; set; }
    public HandlingCode Handling { get; set; }
    /// <summary>The free-text conditions of H3.</summary>
    public string? HandlingConditions { get; set; }
    /// <summary>The user name of the analyst working on it (from assigned on).</summary>
    public string? Assignee { get; set; }
    public string? CaseNumber { get; set; }
    public CloseReason? CloseReason { get; set; }
    public Guid? MergedInto { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>When it left <see cref="LeadStatus.New"/>: the figures' time to triage.</summary>
    public DateTimeOffset? TriagedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    /// <summary>Optimistic concurrency: two analysts moving the same lead at once, one of them gets a 409.</summary>
    public int Version { get; set; }
    public List<LeadSubject> Subjects { get; set; } = [];
    public List<TimelineEntry> Timeline { get; set; } = [];
    public List<LeadLink> Links { get; set; } = [];
    public List<LeadRecipient> Recipients { get; set; } = [];
    /// <summary>The sharing group's name when shared at group level.</summary>
    public string? ShareGroup { get; set; }

    public bool IsActive => Status is not LeadStatus.Closed;

    public void Record(DateTimeOffset at, string actor, string action, string detail = "")
    {
        Timeline.Add(new TimelineEntry { At = at, Actor = actor, Action = action, Detail = detail });
        UpdatedAt = at;
    }
}

/// <summary>
/// A subject of a lead: matched by token, shown masked. <see cref="Encrypted"/> holds the value when this
/// service was given it (an analyst's or a tipster's entry); subjects that came with a screening flag carry
/// only token and mask, their values stay in Screening.
/// </summary>
public sealed class LeadSubject
{
    public SubjectKind Kind { get; set; }
    public string Token { get; set; } = "";
    public string Masked { get; set; } = "";
    public string? Encrypted { get; set; }
}

/// <summary>Who did what to a lead, when.</summary>
public sealed class TimelineEntry
{
    public DateTimeOffset At { get; set; }
    public string Actor { get; set; } = "";
    public string Action { get; set; } = "";
    public string Detail { get; set; } = "";
}

/// <summary>
/// Another lead (this agency's or another's) that shares a subject with this one (串并): a pointer to it,
/// never its contents.
/// </summary>
public sealed class LeadLink
{
    public Guid OtherLeadId { get; set; }
    public string OtherReference { get; set; } = "";
    public string OtherAgency { get; set; } = "";
    public SubjectKind Kind { get; set; }
    public DateTimeOffset LinkedAt { get; set; }
}
