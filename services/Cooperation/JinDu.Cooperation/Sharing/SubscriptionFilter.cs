using JinDu.Cooperation.Model;

namespace JinDu.Cooperation.Sharing;

/// <summary>What a notice is about, as far as subscription filters look at it (tokens only, never plaintext).</summary>
public sealed record NoticeFacts(
    NoticeType Type,
    string SourceAgency,
    IReadOnlyCollection<string> Substances,
    int? Severity,
    IReadOnlyCollection<string> SubjectTokens);

/// <summary>
/// Whether a subscription wants a notice: its type is subscribed, and every filter given holds — a substance in
/// common, at least the minimum severity, the source agency inside one of the regions, a watched token among the subjects.
/// An empty filter lets everything through.
/// </summary>
public static class SubscriptionFilter
{
    public static bool Matches(Subscription s, NoticeFacts n)
    {
        if (!s.Types.Contains(n.Type)) return false;
        if (s.Substances.Count > 0 && !n.Substances.Any(x => s.Substances.Contains(x, StringComparer.OrdinalIgnoreCase))) return false;
        if (s.MinSeverity is { } min && (n.Severity ?? 0) < min) return false;
        if (s.Regions.Count > 0 && !s.Regions.Any(r => InRegion(n.SourceAgency, r))) return false;
        if (s.WatchTokens.Count > 0 && !n.SubjectTokens.Any(s.WatchTokens.Contains)) return false;
        return true;
    }

    /// <summary>A code lies in a region given as a county (itself), a prefecture (xxxx00) or a province (xx0000).</summary>
    public static bool InRegion(string code, string region) =>
        region.EndsWith("0000", StringComparison.Ordinal) ? code[..2] == region[..2]
        : region.EndsWith("00", StringComparison.Ordinal) ? code[..4] == region[..4]
        : code == region;
}
