namespace JinDu.DataGenerator;

/// <summary>
/// How a day's events spread over its 24 local hours. <see cref="SecondOfDay"/> maps a uniform number to a
/// second of the day through the inverse of the cumulative hourly share, so increasing inputs give
/// increasing times and a stream can be written in time order without sorting.
/// </summary>
public sealed class DayProfile
{
    private readonly double[] _cumulative = new double[25];

    public DayProfile(IReadOnlyList<double> hourlyWeights)
    {
        if (hourlyWeights.Count != 24) throw new ArgumentException("need 24 hourly weights", nameof(hourlyWeights));
        var total = hourlyWeights.Sum();
        if (total <= 0 || hourlyWeights.Any(w => w < 0)) throw new ArgumentException("weights must be non-negative with a positive sum", nameof(hourlyWeights));
        for (var h = 0; h < 24; h++) _cumulative[h + 1] = _cumulative[h] + hourlyWeights[h] / total;
        _cumulative[24] = 1.0;
    }

    /// <summary>Courier outlets: next to nothing at night, busy 9:00–18:00, e-commerce pickups into the evening.</summary>
    public static readonly DayProfile ParcelAcceptance = new(
    [
        0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4.0, 7.0, 8.5, 8.5,
        7.0, 6.5, 8.0, 8.5, 8.5, 8.0, 6.5, 5.0, 4.0, 2.5, 1.5, 0.8,
    ]);

    /// <summary>Highway and road traffic on an ordinary day: a quiet night, a morning rise, a long day plateau.</summary>
    public static readonly DayProfile Traffic = new(
    [
        1.6, 1.2, 1.0, 0.9, 1.0, 1.5, 2.6, 4.2, 5.3, 5.8, 6.0, 5.9,
        5.4, 5.3, 5.6, 5.9, 6.1, 6.2, 5.6, 4.7, 3.9, 3.2, 2.6, 2.0,
    ]);

    /// <summary>Holiday traffic: people set off early and drive late, so the night is busier and the day flatter.</summary>
    public static readonly DayProfile HolidayTraffic = new(
    [
        2.0, 1.5, 1.2, 1.1, 1.2, 1.8, 3.0, 4.5, 5.5, 5.9, 6.0, 5.8,
        5.3, 5.2, 5.4, 5.6, 5.8, 5.8, 5.3, 4.7, 4.0, 3.4, 2.8, 2.3,
    ]);

    /// <summary>The share of the day's events in local hour <paramref name="hour"/>.</summary>
    public double ShareOfHour(int hour) => _cumulative[hour + 1] - _cumulative[hour];

    /// <summary>A second of the day (0–86399) for <paramref name="u"/> in [0, 1); monotone in u.</summary>
    public int SecondOfDay(double u)
    {
        var hour = Array.BinarySearch(_cumulative, u);
        if (hour < 0) hour = ~hour - 1;
        hour = Math.Clamp(hour, 0, 23);
        var share = _cumulative[hour + 1] - _cumulative[hour];
        var within = share > 0 ? (u - _cumulative[hour]) / share : 0;
        return Math.Clamp(hour * 3600 + (int)(within * 3600), 0, 86_399);
    }

    /// <summary>The share of the day's events before second <paramref name="second"/> of the day (0 to 86400).</summary>
    public double ShareBefore(int second)
    {
        if (second <= 0) return 0;
        if (second >= 86_400) return 1;
        var hour = second / 3600;
        return _cumulative[hour] + (_cumulative[hour + 1] - _cumulative[hour]) * (second % 3600) / 3600.0;
    }

    /// <summary>
    /// The share of the day that can be used when nothing may be later than <paramref name="notAfter"/>
    /// (null: the whole day); 0 when the day has not begun.
    /// </summary>
    public double UsableShare(DateTimeOffset dayStart, DateTimeOffset? notAfter) =>
        notAfter is { } limit ? ShareBefore((int)Math.Clamp(Math.Floor((limit - dayStart).TotalSeconds), 0, 86_400)) : 1;

    /// <summary>Midnight of <paramref name="day"/> at <paramref name="utcOffset"/>, as a UTC instant.</summary>
    public static DateTimeOffset StartOf(DateOnly day, TimeSpan utcOffset) =>
        new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), utcOffset).ToOffset(TimeSpan.Zero);
}
