using System.Text.Json;
using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Identifiers;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Apis;

public sealed record AgencyView(string Code, string Name, string Level, string Prefecture, bool Registered, string? DisplayName,
    IReadOnlyList<AgencyContact>? Contacts, IReadOnlyList<string>? LiaisonAccounts);

public sealed record RegisterAgencyRequest(string? DisplayName, IReadOnlyList<AgencyContact>? Contacts, IReadOnlyList<string>? LiaisonAccounts);

/// <summary>
/// Agencies: every county and prefecture code is known; the platform admin registers those that take part.
/// Contacts are personal data: stored encrypted, and every read of them is audited.
/// </summary>
public static class AgenciesApi
{
    public static IEndpointRouteBuilder MapAgenciesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/cooperation/v1/agencies").WithGroupName(InboxApi.Group).WithTags("Agencies")
            .RequireAuthorization(p => p.RequireRole(Roles.Liaison, Roles.Supervisor, Roles.Analyst, Roles.PlatformAdmin));

        api.MapGet("/", async (CooperationDbContext db, DivisionCatalog divisions, CancellationToken ct) =>
        {
            var rows = await db.RegisteredAgencies.AsNoTracking().OrderBy(a => a.Code).ToListAsync(ct);
            return TypedResults.Ok(new Page<AgencyView>(rows.Select(a => ToView(divisions.Find(a.Code)!, a, null)).ToList(), null));
        }).WithSummary("The registered (participating) agencies, without contacts.");

        api.MapGet("/{code}", async Task<IResult> (string code, HttpContext http, CooperationDbContext db, DivisionCatalog divisions,
            PersonalDataProtector protector, AuditTrail audit, CancellationToken ct) =>
        {
            if (Known(divisions, code) is not { } division) return Problems.NotFoundProblem("The agency");
            var registered = await db.RegisteredAgencies.AsNoTracking().FirstOrDefaultAsync(a => a.Code == code, ct);
            if (registered is null) return TypedResults.Ok(ToView(division, null, null));
            audit.Record(db, http, "read_personal_data", $"agency/{code}/contacts");
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(ToView(division, registered, Contacts(protector, registered)));
        }).WithSummary("Any county or prefecture code; contacts of a registered agency (audited).");

        api.MapPut("/{code}", async Task<IResult> (string code, RegisterAgencyRequest r, HttpContext http, CooperationDbContext db,
            DivisionCatalog divisions, PersonalDataProtector protector, AuditTrail audit, TimeProvider time, CancellationToken ct) =>
        {
            if (Known(divisions, code) is not { } division) return Problems.NotFoundProblem("The agency");
            var errors = Validate(r);
            if (!errors.IsValid) return errors.ToResult();
            var now = time.GetUtcNow();
            var agency = await db.RegisteredAgencies.FirstOrDefaultAsync(a => a.Code == code, ct);
            var created = agency is null;
            if (agency is null)
            {
                agency = new RegisteredAgency { Code = code, RegisteredAt = now };
                db.RegisteredAgencies.Add(agency);
            }
            var contacts = (r.Contacts ?? []).Select(c => c with { Name = c.Name.Trim(), Phone = c.Phone?.Trim(), Email = c.Email?.Trim() }).ToList();
            agency.DisplayName = r.DisplayName!.Trim();
            agency.ContactsProtected = protector.Encrypt(JsonSerializer.Serialize(contacts, JsonDefaults.Api));
            agency.LiaisonAccounts = (r.LiaisonAccounts ?? []).Select(a => a.Trim()).Distinct().ToList();
            agency.UpdatedAt = now;
            audit.Record(db, http, created ? "create" : "update", $"agency/{code}", detail: $"liaisons={agency.LiaisonAccounts.Count}");
            await db.SaveChangesAsync(ct);
            var view = ToView(division, agency, contacts);
            return created ? TypedResults.Created($"/api/cooperation/v1/agencies/{code}", view) : TypedResults.Ok(view);
        }).RequireAuthorization(p => p.RequireRole(Roles.PlatformAdmin))
          .WithSummary("Registers (201) or updates (200) a participating agency: display name, contacts, liaison accounts.");
        return app;
    }

    /// <summary>A county or prefecture code of the official list: the agencies there can be.</summary>
    public static Division? Known(DivisionCatalog divisions, string? code) =>
        divisions.Find(code) is { Level: DivisionLevel.County or DivisionLevel.Prefecture } d ? d : null;

    private static ValidationErrors Validate(RegisterAgencyRequest r)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(r.DisplayName) || r.DisplayName.Length > 200) errors.Add("displayName", "is required, at most 200 characters");
        if (r.Contacts is { Count: > 20 }) errors.Add("contacts", "at most 20");
        for (var i = 0; i < (r.Contacts?.Count ?? 0); i++)
        {
            var c = r.Contacts![i];
            if (c is null || string.IsNullOrWhiteSpace(c.Name) || c.Name.Length > 100) { errors.Add($"contacts[{i}].name", "is required, at most 100 characters"); continue; }
            if (c.Phone is not null && !MobileNumber.TryNormalize(c.Phone, out _, out var phoneError)) errors.Add($"contacts[{i}].phone", phoneError);
            if (c.Email is { } email && (email.Length > 200 || !email.Contains('@'))) errors.Add($"contacts[{i}].email", "is not an e-mail address");
            if (c.Role is { Length: > 100 }) errors.Add($"contacts[{i}].role", "at most 100 characters");
        }
        if (r.LiaisonAccounts is { Count: > 50 }) errors.Add("liaisonAccounts", "at most 50");
        for (var i = 0; i < (r.LiaisonAccounts?.Count ?? 0); i++)
            if (string.IsNullOrWhiteSpace(r.LiaisonAccounts![i]) || r.LiaisonAccounts[i].Length > 200) errors.Add($"liaisonAccounts[{i}]", "must be an account name of 1 to 200 characters");
        return errors;
    }

    private static List<AgencyContact> Contacts(PersonalDataProtector protector, RegisteredAgency a) =>
        string.IsNullOrEmpty(a.ContactsProtected) ? [] : JsonSerializer.Deserialize<List<AgencyContact>>(protector.Decrypt(a.ContactsProtected), JsonDefaults.Api) ?? [];

    private static AgencyView ToView(Division d, RegisteredAgency? a, IReadOnlyList<AgencyContact>? contacts) =>
        new(d.Code, d.Name, d.Level.ToString().ToLowerInvariant(), DivisionCatalog.PrefectureOf(d.Code), a is not null, a?.DisplayName,
            contacts, a?.LiaisonAccounts);
}
