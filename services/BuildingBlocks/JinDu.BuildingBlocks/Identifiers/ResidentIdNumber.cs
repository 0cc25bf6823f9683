using System.Globalization;

namespace JinDu.BuildingBlocks.Identifiers;

/// <summary>
/// An 18-digit resident identity number (GB 11643): 6-digit division code, birth date yyyyMMdd,
/// 3-digit sequence, and an ISO 7064 MOD 11-2 check character (0-9 or X).
/// </summary>
public readonly record struct ResidentIdNumber
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckChars = "10X98765432";

    private ResidentIdNumber(string value) => Value = value;

    /// <summary>The normalised number: 18 characters, upper-case X.</summary>
    public string Value { get; }

    /// <summary>The division code the number was issued in (the household county at the time).</summary>
    public string RegionCode => Value[..6];

    public DateOnly BirthDate => DateOnly.ParseExact(Value.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture);

    public override string ToString() => Value;

    public static char ComputeCheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++) sum += (first17[i] - '0') * Weights[i];
        return CheckChars[sum % 11];
    }

    /// <summary>Parses and validates; <paramref name="error"/> says what is wrong in words a user understands.</summary>
    public static bool TryParse(string? input, DateOnly today, out ResidentIdNumber id, out string error)
    {
        id = default;
        var s = input?.Trim().ToUpperInvariant() ?? "";
        if (s.Length != 18)
        {
            error = "must be 18 characters long";
            return false;
        }
        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                error = "the first 17 characters must be digits";
                return false;
            }
        }
        if (!char.IsAsciiDigit(s[17]) && s[17] != 'X')
        {
            error = "the last character must be a digit or X";
            return false;
        }
        if (!DateOnly.TryParseExact(s.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birth))
        {
            error = $"the birth date {s.Substring(6, 8)} is not a real date";
            return false;
        }
        if (birth.Year < 1900 || birth > today)
        {
            error = $"the birth date {birth:yyyy-MM-dd} is impossible";
            return false;
        }
        if (ComputeCheckCharacter(s) != s[17])
        {
            error = "the check digit is wrong (ISO 7064 MOD 11-2)";
            return false;
        }
        id = new ResidentIdNumber(s);
        error = "";
        return true;
    }
}
