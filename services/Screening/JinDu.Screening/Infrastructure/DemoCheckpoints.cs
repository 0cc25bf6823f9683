using JinDu.BuildingBlocks.Data;
using JinDu.Screening.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Screening.Infrastructure;

/// <summary>Checkpoints of the demo agencies, with fixed ids so the README's curl lines work (Demo:Seed).</summary>
public sealed class DemoCheckpoints : IDataSeeder<ScreeningDbContext>
{
    public static readonly Guid LiboHighway = Guid.Parse("52272200-0000-4000-8000-000000000001");
    public static readonly Guid DushanRail = Guid.Parse("52272600-0000-4000-8000-000000000001");
    public static readonly Guid DuyunLogistics = Guid.Parse("52270100-0000-4000-8000-000000000001");

    public static readonly Checkpoint[] All =
    [
        new() { PublicId = LiboHighway, AgencyCode = "522722", Name = "荔波高速公路检查站", Kind = CheckpointKind.Highway, Location = "G7611 荔波收费站" },
        new() { PublicId = DushanRail, AgencyCode = "522726", Name = "独山火车站检查站", Kind = CheckpointKind.RailStation, Location = "独山站进站口" },
        new() { PublicId = DuyunLogistics, AgencyCode = "522701", Name = "都匀物流园检查站", Kind = CheckpointKind.LogisticsPark, Location = "都匀经济开发区物流园" },
    ];

    public async Task SeedAsync(ScreeningDbContext db, CancellationToken cancellationToken)
    {
        foreach (var c in All)
        {
            if (await db.Checkpoints.AnyAsync(x => x.PublicId == c.PublicId, cancellationToken)) continue;
            db.Checkpoints.Add(new Checkpoint { PublicId = c.PublicId, AgencyCode = c.AgencyCode, Name = c.Name, Kind = c.Kind, Location = c.Location });
        }
        await db.SaveChangesAsync(cancellationToken);
    }
}
