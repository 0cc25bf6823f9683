namespace JinDu.Testing;

/// <summary>
/// Makes valid resident ID numbers for tests with its own ISO 7064 MOD 11-2 implementation, so a bug in
/// the production check cannot make the tests agree with it.
/// </summary>
public static class TestIds
{
    private static int _sequence = Random.Shared.Next(100, 900);

    public static string Person(string region, string birth = "19900307", int? sequence = null)
    {
        var seq = sequence ?? Interlocked.Increment(ref _sequence) % 1000;
        var body = region + birth + seq.ToString("000");
        int[] weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        var sum = body.Select((c, i) => (c - '0') * weights[i]).Sum();
        return body + "10X98765432"[sum % 11];
    }

    /// <summary>The same number with a check character that is certainly wrong.</summary>
    public static string WithWrongCheckDigit(string id) => id[..17] + (id[17] == '0' ? '1' : '0');
}
