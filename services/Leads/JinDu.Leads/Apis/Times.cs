namespace JinDu.Leads.Apis;

internal static class Times
{
    /// <summary>Birth dates in ID numbers are Beijing-time dates.</summary>
    public static DateOnly BeijingToday(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime.AddHours(8));
}
