using System.Globalization;
using JinDu.BuildingBlocks.Hosting;

namespace JinDu.Leads.Apis;

/// <summary>Times in query strings: ISO 8601, UTC unless an offset is given.</summary>
internal static class Times
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    /// <summary>Null when absent; adds an error naming <paramref name="field"/> when it is not an ISO 8601 time.</summary>
    public static DateTimeOffset? Read(string? text, string field, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var s = text.Trim();
        // An unencoded '+' of an offset arrives as a space (…T10:00:00 08:00): read it as the '+' it was.
        if (s.Length > 6 && s[^6] == ' ' && s[^3] == ':') s = s[..^6] + "+" + s[^5..];
        if (DateTimeOffset.TryParseExact(s, Formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
            return value.ToUniversalTime();
        errors.Add(field, "must be an ISO 8601 time such as 2026-11-25T08:00:00Z (UTC unless an offset is given)");
        return null;
    }

    /// <summary>Birth dates in ID numbers are Beijing-time dates.</summary>
    public static DateOnly BeijingToday(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime.AddHours(8));
}
