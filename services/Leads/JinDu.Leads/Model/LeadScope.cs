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

    public static bool IsSharedWith(Lead l, string agency, DateTimeOffset now) =>
        l.OwnerAgency != agency &&
        ((l.Sharing == SharingLevel.Prefecture && l.OwnerAgency.StartsWith(DivisionCatalog.PrefectureOf(agency)[..4], StringComparison.Ordinal)) ||
         l.Recipients.Any(r => r.Agency == agency && (r.ExpiresAt == null || r.ExpiresAt > now)));
}
