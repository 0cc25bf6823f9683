using System.Text.RegularExpressions;

namespace JinDu.BuildingBlocks.Identifiers;

/// <summary>
/// A mainland vehicle plate: province abbreviation, issuing-office letter, then 5 characters
/// (ordinary plates) or 6 (new-energy plates, D/F for battery or hybrid in the first or last place).
/// Letters I and O are never used. A separator dot or space is accepted and dropped.
/// </summary>
public static partial class PlateNumber
{
    private const string Provinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

    [GeneratedRegex("^[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]$")]
    private static partial Regex Ordinary();

    [GeneratedRegex("^([DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF])$")]
    private static partial Regex NewEnergy();

    public static bool TryNormalize(string? input, out string plate, out string error)
    {
        plate = "";
        var s = (input ?? "").Trim().ToUpperInvariant().Replace("·", "").Replace(" ", "").Replace("-", "");
        if (s.Length is < 7 or > 8)
        {
            error = "must be a province abbreviation, a letter and 5 characters (6 for new-energy vehicles)";
            return false;
        }
        if (!Provinces.Contains(s[0]))
        {
            error = $"'{s[0]}' is not a province abbreviation";
            return false;
        }
        if (s[1] is < 'A' or > 'Z' || s[1] is 'I' or 'O')
        {
            error = "the second character must be the issuing office's letter";
            return false;
        }
        var rest = s[2..];
        var ok = rest.Length == 5 ? Ordinary().IsMatch(rest) : NewEnergy().IsMatch(rest);
        if (!ok)
        {
            error = rest.Length == 5
                ? "the last 5 characters must be letters (not I or O) or digits"
                : "a new-energy plate has D or F first followed by 5 characters, or 5 digits followed by D or F";
            return false;
        }
        plate = s;
        error = "";
        return true;
    }
}
