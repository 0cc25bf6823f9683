namespace JinDu.Cooperation.Model;

/// <summary>
/// One notice to one recipient agency, numbered in that agency's delivery stream (Sequence) so a
/// subscriber can see gaps and replay from a position.
/// </summary>
public sealed class Notification
{
    public long Id { get; set; }
    public Guid PublicId { get; set; }
    public string RecipientAgency { get; set; } = "";
    public long Sequence { get; set; }
    /// <summary>household_county, lead_shared, deconfliction, hit_confirmation, assistance_request, assistance_answer.</summary>
    public string Type { get; set; } = "";
    public string Title { get; set; } = "";
    /// <summary>The redacted content as JSON: only what the sharing rules let this recipient see.</summary>
    public string Payload { get; set; } = "";
    /// <summary>The event that caused it: one event never notifies the same recipient twice.</summary>
    public Guid SourceEventId { get; set; }
    public string SourceAgency { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The last sequence number handed out per recipient agency.</summary>
public sealed class DeliveryStream
{
    public string RecipientAgency { get; set; } = "";
    public long LastSequence { get; set; }
}
