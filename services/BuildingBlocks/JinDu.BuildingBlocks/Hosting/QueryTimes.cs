using System.Globalization;

namespace JinDu.BuildingBlocks.Hosting;

/// <summary>Times in query strings, read one way by every service: ISO 8601, UTC unless an offset is given.</summary>
public static class QueryTimes
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

    /// <summary>
    /// The period [from, to) of a figures query that takes nothing else: to defaults to now (or to
    /// <paramref name="defaultLength"/> after from, when that is earlier), from to <paramref name="defaultLength"/>
    /// before to; at most <paramref name="maxLength"/>. Unknown parameters and bad times are named in
    /// <paramref name="errors"/>, and then the result is null.
    /// </summary>
    public static (DateTimeOffset From, DateTimeOffset To)? ReadPeriod(IEnumerable<string> parameters, string? from, string? to,
        DateTimeOffset now, TimeSpan defaultLength, TimeSpan maxLength, ValidationErrors errors)
    {
        foreach (var key in parameters)
            if (!string.Equals(key, "from", StringComparison.OrdinalIgnoreCase) && !string.Equals(key, "to", StringComparison.OrdinalIgnoreCase))
                errors.Add(key, "is not a parameter of the figures (known: from, to)");
        var start = Read(from, "from", errors);
        var end = Read(to, "to", errors);
        if (!errors.IsValid) return null;
        var until = end ?? (start is { } s && s + defaultLength < now ? s + defaultLength : now);
        var since = start ?? until - defaultLength;
        if (since >= until) errors.Add(end is null ? "from" : "to", end is null ? "must be in the past" : "must be later than from");
        else if (until - since > maxLength) errors.Add("to", $"the period may be at most {maxLength.TotalDays:0} days");
        return errors.IsValid ? (since, until) : null;
    }
}
