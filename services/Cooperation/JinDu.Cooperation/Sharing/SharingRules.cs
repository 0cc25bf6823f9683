using JinDu.BuildingBlocks.Divisions;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Sharing;

/// <summary>Feeds <see cref="RedactionPolicy"/> from the database: the active agreements that touch two agencies, a group's members.</summary>
public sealed class SharingRules(CooperationDbContext db)
{
    public async Task<IReadOnlyList<AgreementTerms>> AgreementsBetweenAsync(string a, string b, CancellationToken ct)
    {
        string[] parties = [a, b, DivisionCatalog.PrefectureOf(a), DivisionCatalog.PrefectureOf(b)];
        var rows = await db.Agreements.AsNoTracking()
            .Where(x => x.RevokedAt == null && parties.Contains(x.PartyA) && parties.Contains(x.PartyB))
            .ToListAsync(ct);
        return rows.Select(x => new AgreementTerms(x.PartyA, x.PartyB, x.SharingLevels, x.Disclosure)).ToList();
    }

    public async Task<Disclosure?> DecideAsync(SharingCase c, CancellationToken ct) =>
        RedactionPolicy.Decide(c, await AgreementsBetweenAsync(c.Owner, c.Recipient, ct));

    /// <summary>The members of the owner's sharing group of that name, or null when the owner has none by that name.</summary>
    public async Task<IReadOnlyCollection<string>?> GroupMembersAsync(string owner, string name, CancellationToken ct) =>
        await db.SharingGroups.AsNoTracking().Where(g => g.OwnerAgency == owner && g.Name == name).Select(g => g.Members).FirstOrDefaultAsync(ct);

    public async Task<IReadOnlyCollection<string>> GroupMembersAsync(Guid? group, CancellationToken ct) =>
        group is null ? [] : await db.SharingGroups.AsNoTracking().Where(g => g.PublicId == group).Select(g => g.Members).FirstOrDefaultAsync(ct) ?? [];
}
