using JinDu.BuildingBlocks.Auth.LocalIssuer;
using JinDu.BuildingBlocks.Divisions;
using JinDu.Leads.Grpc;
using JinDu.Screening.Infrastructure;
using JinDu.Screening.Watchlist;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace JinDu.Standalone;

public static class StandaloneSetup
{
    /// <summary>
    /// Defaults of the standalone mode, each only where configuration does not say otherwise:
    /// SQLite files and keys under ./data, the in-memory bus, the embedded issuer, demo data.
    /// </summary>
    public static WebApplicationBuilder AddStandaloneDefaults(this WebApplicationBuilder builder)
    {
        var c = builder.Configuration;
        var data = Path.GetFullPath(c["DataDirectory"] ?? "data");
        void Default(string key, string value)
        {
            if (string.IsNullOrEmpty(c[key])) c[key] = value;
        }
        Default("DataDirectory", data);
        Default("Database:Provider", "Sqlite");
        Default("Messaging:Transport", "InMemory");
        Default("Auth:Mode", "Embedded");
        Default("Auth:Issuer", "jindu-standalone");
        Default("Auth:LocalIssuer:KeyFile", Path.Combine(data, "keys", "issuer.pem"));
        Default("PersonalData:KeyFile", Path.Combine(data, "keys", "personal-data.json"));
        Default("PersonalData:CreateKeyFile", "true");
        Default("Demo:Seed", "true");
        builder.Services.AddMemoryCache();
        builder.Services.AddDistributedMemoryCache();
        return builder;
    }

    public static void PrintBannerOnStart(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            var url = addresses?.FirstOrDefault()?.Replace("0.0.0.0", "localhost").Replace("[::]", "localhost") ?? "http://localhost:5080";
            var directory = app.Services.GetRequiredService<DemoDirectory>();
            var divisions = app.Services.GetRequiredService<DivisionCatalog>();
            Console.WriteLine(Banner.Text(url, directory, divisions, app.Configuration["DataDirectory"]!));
        });
    }
}

/// <summary>In one process Screening asks the Leads watchlist directly instead of over gRPC.</summary>
public sealed class InProcessWatchlistLookup(WatchlistQuery query) : IWatchlistLookup
{
    public async Task<WatchlistAnswer> MatchAsync(IReadOnlyCollection<string> tokens, CancellationToken cancellationToken)
    {
        var matches = await query.MatchAsync(tokens, cancellationToken);
        return new WatchlistAnswer(true, matches.Select(m => new WatchlistHit(m.Token, m.LeadReference, m.OwnerAgency, m.Contact, m.Severity)).ToList());
    }
}

public static class Banner
{
    public static string Text(string url, DemoDirectory directory, DivisionCatalog divisions, string dataDirectory)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine();
        sb.AppendLine("JinDu Platform — standalone mode (all services in one process)");
        sb.AppendLine($"  API:        {url}/api/{{screening,leads,cooperation}}/v1/…");
        sb.AppendLine($"  API docs:   {url}/openapi/screening.json  /openapi/leads.json  /openapi/cooperation.json");
        sb.AppendLine($"  Health:     {url}/health/ready");
        sb.AppendLine($"  Data:       {dataDirectory} (SQLite files and keys; delete it to start afresh)");
        sb.AppendLine();
        sb.AppendLine("Demo agencies (official division codes):");
        foreach (var code in DemoDirectory.DemoAgencies.Append(DemoDirectory.DemoPrefecture))
            sb.AppendLine($"  {code}  {divisions.Find(code)?.Name}");
        sb.AppendLine($"Demo accounts (password for all: {DemoDirectory.DemoPassword}):");
        foreach (var a in directory.Accounts)
            sb.AppendLine($"  {a.UserName,-22} {a.Agency}  {string.Join(",", a.Roles),-20} {a.DisplayName}");
        sb.AppendLine("Machine clients (client_credentials):");
        foreach (var c in directory.Clients)
            sb.AppendLine($"  {c.ClientId,-22} secret {c.Secret,-18} {c.Agency}  courier {c.CourierCompany}");
        sb.AppendLine("Demo checkpoints:");
        foreach (var c in DemoCheckpoints.All)
            sb.AppendLine($"  {c.PublicId}  {c.AgencyCode}  {c.Name}");
        sb.AppendLine();
        sb.AppendLine("Get a token:");
        sb.AppendLine($"  curl -s {url}/connect/token -d grant_type=password -d username=officer.522722 -d password={DemoDirectory.DemoPassword}");
        return sb.ToString();
    }
}

/// <summary>
/// Names this assembly for WebApplicationFactory: every service's top-level Program is public in .NET 10,
/// so "Program" alone is ambiguous once the host references all three.
/// </summary>
public sealed class StandaloneEntryPoint;
