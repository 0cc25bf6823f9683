using System.Security.Claims;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Data;
using Microsoft.AspNetCore.Http;

namespace JinDu.BuildingBlocks.Audit;

/// <summary>Adds audit entries to the caller's unit of work, so they commit (or roll back) with what they record.</summary>
public sealed class AuditTrail(TimeProvider time)
{
    public AuditEntry Record(ServiceDbContext db, HttpContext http, string action, string target, string outcome = "success", string? detail = null) =>
        Record(db, http.User, action, target, http.Connection.RemoteIpAddress?.ToString(), outcome, detail);

    public AuditEntry Record(ServiceDbContext db, ClaimsPrincipal user, string action, string target, string? from, string outcome = "success", string? detail = null)
    {
        var entry = new AuditEntry
        {
            At = time.GetUtcNow(),
            Actor = user.CallerId(),
            ActorAgency = user.FindFirst(AuthSetup.AgencyClaimType)?.Value ?? "",
            Action = action,
            Target = target,
            Outcome = outcome,
            From = from,
            Detail = detail,
        };
        db.AuditEntries.Add(entry);
        return entry;
    }
}
