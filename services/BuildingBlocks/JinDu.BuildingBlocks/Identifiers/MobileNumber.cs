namespace JinDu.BuildingBlocks.Identifiers;

/// <summary>An 11-digit mainland mobile number starting with 1 (an optional +86 or 86 prefix is dropped).</summary>
public static class MobileNumber
{
    public static bool TryNormalize(string? input, out string number, out string error)
    {
        number = "";
        var s = (input ?? "").Trim().Replace(" ", "").Replace("-", "");
        if (s.StartsWith("+86", StringComparison.Ordinal)) s = s[3..];
        else if (s.Length == 13 && s.StartsWith("86", StringComparison.Ordinal)) s = s[2..];
        if (s.Length != 11 || !s.All(char.IsAsciiDigit) || s[0] != '1' || s[1] is '0' or '1' or '2')
        {
            error = "must be an 11-digit mobile number starting with 13 to 19";
            return false;
        }
        number = s;
        error = "";
        return true;
    }
}
