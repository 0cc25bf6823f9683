using JinDu.BuildingBlocks.Divisions;

namespace JinDu.BuildingBlocks.Auth.LocalIssuer;

public sealed record DemoAccount(string UserName, string DisplayName, string Agency, IReadOnlyList<string> Roles);

public sealed record DemoClient(string ClientId, string Secret, string Agency, IReadOnlyList<string> Roles, string? CourierCompany);

/// <summary>
/// The demo agencies, accounts and machine clients of the local issuer: real county codes of
/// 黔南州 (5227). Every account signs in with the same demo password; production uses a real provider.
/// </summary>
public sealed class DemoDirectory
{
    public const string DemoPassword = "jindu-demo";

    public static readonly string[] DemoAgencies = ["522722", "522726", "522701"];
    public const string DemoPrefecture = "522700";

    public IReadOnlyList<DemoAccount> Accounts { get; }
    public IReadOnlyList<DemoClient> Clients { get; }

    public DemoDirectory(DivisionCatalog divisions)
    {
        var accounts = new List<DemoAccount>();
        foreach (var code in DemoAgencies)
        {
            var name = divisions.Find(code)?.Name ?? code;
            accounts.Add(new($"officer.{code}", $"{name}检查站民警", code, [Roles.CheckpointOfficer]));
            accounts.Add(new($"analyst.{code}", $"{name}情报研判", code, [Roles.Analyst]));
            accounts.Add(new($"supervisor.{code}", $"{name}禁毒办", code, [Roles.Supervisor]));
            accounts.Add(new($"liaison.{code}", $"{name}协作联络员", code, [Roles.Liaison]));
        }
        var pref = divisions.Find(DemoPrefecture)?.Name ?? DemoPrefecture;
        accounts.Add(new($"supervisor.{DemoPrefecture}", $"{pref}禁毒办", DemoPrefecture, [Roles.Supervisor]));
        accounts.Add(new("auditor", "平台审计员", DemoPrefecture, [Roles.Auditor]));
        accounts.Add(new("admin", "平台管理员", DemoPrefecture, [Roles.PlatformAdmin]));
        Accounts = accounts;
        Clients =
        [
            new("courier-sf", "sf-demo-secret", "522701", [Roles.Courier], "SF"),
            new("courier-zto", "zto-demo-secret", "522722", [Roles.Courier], "ZTO"),
        ];
    }

    public DemoAccount? FindAccount(string userName) =>
        Accounts.FirstOrDefault(a => string.Equals(a.UserName, userName, StringComparison.OrdinalIgnoreCase));

    public DemoClient? FindClient(string clientId) =>
        Clients.FirstOrDefault(c => string.Equals(c.ClientId, clientId, StringComparison.Ordinal));
}
