namespace JinDu.Cooperation.Model;

public enum AssistancePriority
{
    Urgent,
    Normal,
}

public enum AssistanceStatus
{
    /// <summary>Sent by an analyst or liaison: waits for a supervisor of the requesting agency; the assisting agency sees nothing yet.</summary>
    PendingApproval,
    /// <summary>A supervisor of the requesting agency refused to send it (with a reason). Final; never seen by the assisting agency.</summary>
    Refused,
    Requested,
    Acknowledged,
    Answered,
    Declined,
    Closed,
}

/// <summary>
/// 协查: agency A (requesting) asks agency B (assisting) about one of A's leads, with a deadline. The question, the
/// answer and the findings may name people, so they are stored encrypted; only A, B and their prefectures see them.
/// </summary>
public sealed class AssistanceRequest
{
    public long Id { get; set; }
    public Guid PublicId { get; set; }
    public string RequestingAgency { get; set; } = "";
    public string AssistingAgency { get; set; } = "";
    public Guid LeadId { get; set; }
    public string LeadReference { get; set; } = "";
    public string QuestionProtected { get; set; } = "";
    public List<string> RequestedActions { get; set; } = [];
    public AssistancePriority Priority { get; set; }
    public DateTimeOffset Deadline { get; set; }
    public AssistanceStatus Status { get; set; }
    public string? AnswerProtected { get; set; }
    /// <summary>Structured findings (<see cref="Finding"/> list as JSON), encrypted.</summary>
    public string? FindingsProtected { get; set; }
    public string? DeclineReasonProtected { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>
    /// The supervisor of the requesting agency who approved or refused it, and when; for a supervisor's own request, its
    /// author at creation. Set and not refused = sent: only then does the assisting agency see it, and its deadline runs from then.
    /// </summary>
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? RefusalReasonProtected { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public DateTimeOffset? RespondedAt { get; set; }
    public string? RespondedBy { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    /// <summary>When the request was escalated to the assisting agency's prefecture for passing its deadline.</summary>
    public DateTimeOffset? EscalatedAt { get; set; }
    public string? EscalatedTo { get; set; }
    /// <summary>Bumped by every change: two people answering at once, or an answer racing the escalation, cannot both win.</summary>
    public int Version { get; set; }

    public bool IsOpen => Status is AssistanceStatus.Requested or AssistanceStatus.Acknowledged;

    /// <summary>How long the assisting agency has from the moment it is sent: the requester's deadline less the time of asking.</summary>
    public TimeSpan TimeAllowed => Deadline - CreatedAt;
}

/// <summary>One structured finding of an answer: what kind, what was found, whether it was confirmed.</summary>
public sealed record Finding(string Kind, string Detail, bool Confirmed);

public static class AssistanceActions
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        "verify_identity", "locate_person", "check_records", "check_vehicle", "check_phone", "interview", "search", "surveillance", "other",
    };

    public static readonly IReadOnlySet<string> FindingKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "identity", "address", "record", "vehicle", "phone", "association", "seizure", "other",
    };
}
