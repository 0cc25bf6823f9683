using JinDu.Contracts;

namespace JinDu.Screening.Model;

public enum InspectionMethod
{
    ManualSearch,
    XRay,
    Dog,
    DrugTest,
}

public enum InspectionResult
{
    Clear,
    Suspicious,
    PositiveTest,
    Seizure,
}

/// <summary>One check at a checkpoint (查验记录).</summary>
public sealed class Inspection
{
    public long Id { get; set; }
    public Guid PublicId { get; set; }
    public string AgencyCode { get; set; } = "";
    public long CheckpointId { get; set; }
    public Checkpoint? Checkpoint { get; set; }
    public string OfficerId { get; set; } = "";
    public string OfficerName { get; set; } = "";
    public InspectionMethod Method { get; set; }
    public InspectionResult Result { get; set; }
    public DateTimeOffset InspectedAt { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public string? Notes { get; set; }
    public List<InspectionSubject> Subjects { get; set; } = [];
    public List<Seizure> Seizures { get; set; } = [];

    public bool IsFlagged => Result is not InspectionResult.Clear;
}

/// <summary>
/// One identifier of the inspected subject: the keyed token for matching, the masked form for display,
/// and the value itself only encrypted.
/// </summary>
public sealed class InspectionSubject
{
    public SubjectKind Kind { get; set; }
    public string Token { get; set; } = "";
    public string Masked { get; set; } = "";
    public string Encrypted { get; set; } = "";
    /// <summary>For ID numbers: the division code the number was issued in.</summary>
    public string? HouseholdCode { get; set; }
    /// <summary>For people: the name, encrypted; null when not given.</summary>
    public string? EncryptedName { get; set; }
}

public sealed class Seizure
{
    public string Substance { get; set; } = "";
    public decimal Grams { get; set; }
}

/// <summary>The fixed list of substances a seizure can name (DESIGN.md §2; issue 3).</summary>
public static class Substances
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        "heroin", "methamphetamine", "methamphetamine_tablets", "ketamine", "mdma", "cannabis", "opium",
        "cocaine", "new_psychoactive_substances", "precursor_chemicals",
    };

    /// <summary>A sane upper bound for one seizure line: 10 tonnes.</summary>
    public const decimal MaxGrams = 10_000_000m;
}
