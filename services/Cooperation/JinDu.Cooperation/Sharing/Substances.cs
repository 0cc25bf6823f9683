namespace JinDu.Cooperation.Sharing;

/// <summary>The substance codes of DESIGN.md §2 (the same list Screening validates seizures against).</summary>
public static class Substances
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        "heroin", "methamphetamine", "methamphetamine_tablets", "ketamine", "mdma", "cannabis", "opium",
        "cocaine", "new_psychoactive_substances", "precursor_chemicals",
    };
}
