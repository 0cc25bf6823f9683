using System.Linq.Expressions;
using JinDu.BuildingBlocks.Divisions;

namespace JinDu.Leads.Model;

/// <summary>
/// Which leads an agency may see: its own, those of its prefecture shared at prefecture level, and those shared
/// with it by name or granted to it and not yet expired. Everything else answers 404.
/// </summary>
public static class LeadScope
{
    public static Expression<Func<Lead, bool>> SharedWith(string agency, DateTimeOffset now)
    {
        var prefix = DivisionCatalog.PrefectureOf(agency)[..4];
        return l => l.OwnerAgency != agency &&
                    ((l.Sharing == SharingLevel.Prefecture && l.OwnerAgency.StartsWith(prefix)) ||
                     l.Recipients.Any(r => r.Agency == agency && (r.ExpiresAt == null || r.ExpiresAt > now)));
    }

    /// <summary>
    /// Leads whose subjects are watched (watchlist, correlation, hit confirmation): every active lead except an
    /// anonymous tip nobody has triaged yet — an unchecked tip must not put a stranger's phone on the watchlist.
    /// </summary>
    public static readonly Expression<Func<Lead, bool>> Watched =
        l => l.Status != LeadStatus.Closed && !(l.Source == LeadSource.Tip && l.Status == LeadStatus.New);

    public static bool IsWatched(Lead l) => IsWatched(l.Source, l.Status);

    public static bool IsWatched(LeadSource source, LeadStatus status) => status != LeadStatus.Closed && !(source == LeadSource.Tip && status == LeadStatus.New);

    public static bool IsSharedWith(Lead l, string agency, DateTimeOffset now) =>
        l.OwnerAgency != agency &&
        ((l.Sharing == SharingLevel.Prefecture && l.OwnerAgency.StartsWith(DivisionCatalog.PrefectureOf(agency)[..4], StringComparison.Ordinal)) ||
         l.Recipients.Any(r => r.Agency == agency && (r.ExpiresAt == null || r.ExpiresAt > now)));
}
