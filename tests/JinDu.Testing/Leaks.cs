using System.Text.RegularExpressions;
using Xunit;

namespace JinDu.Testing;

/// <summary>Checks that what left for someone carries no recognisable trace of a personal identifier.</summary>
public static class Leaks
{
    /// <summary>
    /// The identifier's last four characters appear nowhere in <paramref name="text"/> as a number of their own (a tail
    /// such as <c>…1234</c>, <c>尾号1234</c> or <c>138xxxx1234</c>: a mask with another mask character). Four digits inside a longer run of
    /// letters and digits (a GUID, a token, a lead reference, a date, JSON's <c>\u6120</c> escape of a Chinese character)
    /// are no trace of the identifier: matching those made leak tests fail at random.
    /// </summary>
    public static void AssertNoTail(string text, string identifier)
    {
        var tail = identifier[^4..];
        var decoded = Regex.Replace(text, @"\\u([0-9A-Fa-f]{4})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());
        var found = Regex.Match(decoded, $"(?:(?<![0-9A-Za-z-])|(?<=[xX]{{2}})){Regex.Escape(tail)}(?![0-9A-Za-z])");
        Assert.False(found.Success, $"the tail {tail} of an identifier is in: …{Around(decoded, found.Index)}…");
    }

    private static string Around(string text, int at) => text.Substring(Math.Max(0, at - 60), Math.Min(text.Length - Math.Max(0, at - 60), 120));
}
