namespace JinDu.Leads.Model;

public enum HitUrgency
{
    Urgent,
    Routine,
}

public enum HitTaskStatus
{
    Open,
    Confirmed,
    Denied,
}

/// <summary>
/// 比中核实: a checkpoint or a parcel of another agency matched this agency's lead; the owner must confirm or
/// deny within 10 minutes (urgent) or an hour (routine). The clock is the platform's: an overdue task escalates.
/// </summary>
public sealed class HitConfirmationTask
{
    public static readonly TimeSpan UrgentWithin = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan RoutineWithin = TimeSpan.FromHours(1);

    public long Id { get; set; }
    public Guid PublicId { get; set; }
    public string OwnerAgency { get; set; } = "";
    public long LeadId { get; set; }
    public Guid LeadPublicId { get; set; }
    public string LeadReference { get; set; } = "";
    /// <summary>The inspection or parcel event that hit (its id), so redelivery makes no second task.</summary>
    public Guid HitId { get; set; }
    public string HitAgency { get; set; } = "";
    /// <summary>Where and what, masked: "检查站名: seizure", "SF ****1234 at outlet".</summary>
    public string HitDescription { get; set; } = "";
    public HitUrgency Urgency { get; set; }
    public HitTaskStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public DateTimeOffset? EscalatedAt { get; set; }
    public DateTimeOffset? AnsweredAt { get; set; }
    public string? AnsweredBy { get; set; }
    public string? Note { get; set; }
    public int Version { get; set; }
}
