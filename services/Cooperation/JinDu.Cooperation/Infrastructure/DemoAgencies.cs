using System.Text.Json;
using JinDu.BuildingBlocks.Auth.LocalIssuer;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Infrastructure;

/// <summary>The demo agencies registered as participants, each with its demo liaison account (Demo:Seed).</summary>
public sealed class DemoAgencies(DivisionCatalog divisions, PersonalDataProtector protector, TimeProvider time) : IDataSeeder<CooperationDbContext>
{
    public async Task SeedAsync(CooperationDbContext db, CancellationToken cancellationToken)
    {
        foreach (var code in DemoDirectory.DemoAgencies.Append(DemoDirectory.DemoPrefecture))
        {
            if (await db.RegisteredAgencies.AnyAsync(a => a.Code == code, cancellationToken)) continue;
            var name = divisions.Find(code)?.Name ?? code;
            AgencyContact[] contacts = [new($"{name}禁毒办值班室", null, null, "duty office")];
            db.RegisteredAgencies.Add(new RegisteredAgency
            {
                Code = code,
                DisplayName = name + "禁毒办",
                ContactsProtected = protector.Encrypt(JsonSerializer.Serialize(contacts, JsonDefaults.Api)),
                LiaisonAccounts = code == DemoDirectory.DemoPrefecture ? [] : [$"liaison.{code}"],
                RegisteredAt = time.GetUtcNow(),
                UpdatedAt = time.GetUtcNow(),
            });
        }
        await db.SaveChangesAsync(cancellationToken);
    }
}
