namespace JinDu.UnitTests.Identifiers;

/// <summary>
/// Builds resident ID numbers for tests with its own ISO 7064 MOD 11-2 implementation, so the
/// production code is checked against an independent reading of GB 11643 rather than against itself.
/// </summary>
internal static class IdNumbers
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckChars = "10X98765432";

    public static char CheckCharacterOf(string first17)
    {
        if (first17.Length != 17) throw new ArgumentException("need 17 digits", nameof(first17));
        var sum = 0;
        for (var i = 0; i < 17; i++) sum += (first17[i] - '0') * Weights[i];
        return CheckChars[sum % 11];
    }

    /// <summary>A number with a correct check character.</summary>
    public static string Make(string region, string birthYyyyMMdd, string sequence = "123")
    {
        var first17 = region + birthYyyyMMdd + sequence;
        return first17 + CheckCharacterOf(first17);
    }

    /// <summary>The same number with a check character that is certainly wrong.</summary>
    public static string WithWrongCheck(string valid)
    {
        var right = valid[17];
        var wrong = right == '0' ? '1' : '0';
        return valid[..17] + wrong;
    }
}
