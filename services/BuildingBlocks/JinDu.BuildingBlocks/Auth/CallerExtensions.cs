using System.Security.Claims;

namespace JinDu.BuildingBlocks.Auth;

public static class CallerExtensions
{
    /// <summary>The caller's agency code. Every JinDu token carries one; a token without it is refused at sign-in.</summary>
    public static string Agency(this ClaimsPrincipal user) =>
        user.FindFirst(AuthSetup.AgencyClaimType)?.Value ?? throw new InvalidOperationException("token has no agency claim");

    /// <summary>A stable id of the caller (user or machine client) for audit trails and idempotency scopes.</summary>
    public static string CallerId(this ClaimsPrincipal user) =>
        user.FindFirst(JinDuClaims.Subject)?.Value ?? user.FindFirst("oid")?.Value ?? user.FindFirst("azp")?.Value ?? "unknown";

    public static string CallerName(this ClaimsPrincipal user) =>
        user.FindFirst(JinDuClaims.Name)?.Value ?? user.CallerId();
}
