namespace JinDu.BuildingBlocks.Auth;

/// <summary>The role claims of DESIGN.md §1.</summary>
public static class Roles
{
    public const string CheckpointOfficer = "checkpoint-officer";
    public const string Courier = "courier";
    public const string Analyst = "analyst";
    public const string Supervisor = "supervisor";
    public const string Liaison = "liaison";
    public const string Auditor = "auditor";
    public const string PlatformAdmin = "platform-admin";
}

/// <summary>Claim types in JinDu tokens (claims are not re-mapped to the long SOAP names).</summary>
public static class JinDuClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";
    public const string Agency = "agency";
    public const string CourierCompany = "courier_company";
}
