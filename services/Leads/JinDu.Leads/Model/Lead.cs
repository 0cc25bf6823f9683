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
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<LeadSubject> Subjects { get; set; } = [];
    public List<TimelineEntry> Timeline { get; set; } = [];

    public bool IsActive => Status is not LeadStatus.Closed;
}

/// <summary>A subject of a lead: matched by token, shown masked.</summary>
public sealed class LeadSubject
{
    public SubjectKind Kind { get; set; }
    public string Token { get; set; } = "";
    public string Masked { get; set; } = "";
}

/// <summary>Who did what to a lead, when.</summary>
public sealed class TimelineEntry
{
    public DateTimeOffset At { get; set; }
    public string Actor { get; set; } = "";
    public string Action { get; set; } = "";
    public string Detail { get; set; } = "";
}
