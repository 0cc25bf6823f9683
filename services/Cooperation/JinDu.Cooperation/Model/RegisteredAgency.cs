namespace JinDu.Cooperation.Model;

/// <summary>
/// An agency that takes part: every county and prefecture code is a known agency (DivisionCatalog);
/// the platform admin registers those that participate with a display name, contacts and liaisons.
/// </summary>
public sealed class RegisteredAgency
{
    public string Code { get; set; } = "";
    public string DisplayName { get; set; } = "";
    /// <summary>The contacts (names, phones: personal data) as JSON, encrypted with the personal-data key.</summary>
    public string ContactsProtected { get; set; } = "";
    /// <summary>User names of the accounts that act as this agency's liaisons.</summary>
    public List<string> LiaisonAccounts { get; set; } = [];
    public DateTimeOffset RegisteredAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed record AgencyContact(string Name, string? Phone, string? Email, string? Role);
