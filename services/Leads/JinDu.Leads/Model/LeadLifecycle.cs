namespace JinDu.Leads.Model;

/// <summary>
/// The allowed moves of a lead: new → triaged → assigned → investigating → case_opened, and closed
/// (unfounded, merged or duplicate) from any active status before a case is opened. Nothing else.
/// </summary>
public static class LeadLifecycle
{
    public static bool CanMove(LeadStatus from, LeadStatus to) => (from, to) switch
    {
        (LeadStatus.New, LeadStatus.Triaged) => true,
        (LeadStatus.Triaged, LeadStatus.Assigned) => true,
        (LeadStatus.Assigned, LeadStatus.Investigating) => true,
        (LeadStatus.Investigating, LeadStatus.CaseOpened) => true,
        (LeadStatus.New or LeadStatus.Triaged or LeadStatus.Assigned or LeadStatus.Investigating, LeadStatus.Closed) => true,
        _ => false,
    };

    /// <summary>Where a lead in <paramref name="from"/> may go next (for the 409's explanation).</summary>
    public static IReadOnlyList<LeadStatus> NextFrom(LeadStatus from) =>
        Enum.GetValues<LeadStatus>().Where(to => CanMove(from, to)).ToList();
}

/// <summary>Source grading (来源评估): reliability A–D or X × credibility 1–4.</summary>
public static class SourceGrading
{
    public const string Reliabilities = "ABCDX";

    public static bool IsReliability(string? text) => text is { Length: 1 } && Reliabilities.Contains(text[0]);

    public static bool IsCredibility(int? value) => value is >= 1 and <= 4;
}

/// <summary>The substances a lead can name: the same fixed list as a seizure (issue 3).</summary>
public static class Substances
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        "heroin", "methamphetamine", "methamphetamine_tablets", "ketamine", "mdma", "cannabis", "opium",
        "cocaine", "new_psychoactive_substances", "precursor_chemicals",
    };

    public static string Allowed => string.Join(", ", All.Order(StringComparer.Ordinal));
}
