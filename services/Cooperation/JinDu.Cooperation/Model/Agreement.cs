namespace JinDu.Cooperation.Model;

/// <summary>
/// A partner agreement between two agencies (a party may be a prefecture, covering its counties):
/// which sharing levels flow under it and how much personal data leaves (tokens, masked or full).
/// </summary>
public sealed class Agreement
{
    public long Id { get; set; }
    public Guid PublicId { get; set; }
    /// <summary>The lower of the two codes, so one pair has one row.</summary>
    public string PartyA { get; set; } = "";
    public string PartyB { get; set; } = "";
    public List<SharingLevel> SharingLevels { get; set; } = [];
    public Disclosure Disclosure { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
