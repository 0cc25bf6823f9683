namespace JinDu.Cooperation.Model;

/// <summary>
/// An agency's standing request for notices of some types, narrowed by filters. Watch identifiers are
/// kept as matching tokens (and their masked form for display), never in plaintext.
/// </summary>
public sealed class Subscription
{
    public long Id { get; set; }
    public Guid PublicId { get; set; }
    public string Agency { get; set; } = "";
    public List<NoticeType> Types { get; set; } = [];
    public List<string> Substances { get; set; } = [];
    public int? MinSeverity { get; set; }
    /// <summary>Division codes (county, prefecture or province) the source agency must lie in.</summary>
    public List<string> Regions { get; set; } = [];
    public List<string> WatchTokens { get; set; } = [];
    public List<string> WatchMasked { get; set; } = [];
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}
